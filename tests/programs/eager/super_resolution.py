"""pytorch/examples super_resolution: the sub-pixel convolution Net (four Conv2d with ReLU,
nn.PixelShuffle(upscale_factor)), _initialize_weights with init.orthogonal_ and
init.calculate_gain('relu'), MSELoss, Adam, the PSNR computed with log10 in the test loop, and
the checkpoint saved with torch.save.  The dataset is synthetic: smooth 16x16 luminance images
and their 8x8 block means.  (orthogonal_ draws from each library's stream, so its result is
checked for orthogonality; then the weights are overwritten from NumPy so both libraries train
the same numbers.)"""
# ruff: noqa: PLR0402, UP008, UP032  (written in the example's own style)
import os
import tempfile
from math import log10

import numpy as np
import torch
import torch.nn as nn
import torch.nn.init as init
import torch.optim as optim
from torch.utils.data import DataLoader, TensorDataset


class Net(nn.Module):
    def __init__(self, upscale_factor):
        super(Net, self).__init__()

        self.relu = nn.ReLU()
        self.conv1 = nn.Conv2d(1, 16, (5, 5), (1, 1), (2, 2))
        self.conv2 = nn.Conv2d(16, 16, (3, 3), (1, 1), (1, 1))
        self.conv3 = nn.Conv2d(16, 8, (3, 3), (1, 1), (1, 1))
        self.conv4 = nn.Conv2d(8, upscale_factor ** 2, (3, 3), (1, 1), (1, 1))
        self.pixel_shuffle = nn.PixelShuffle(upscale_factor)

        self._initialize_weights()

    def forward(self, x):
        x = self.relu(self.conv1(x))
        x = self.relu(self.conv2(x))
        x = self.relu(self.conv3(x))
        x = self.pixel_shuffle(self.conv4(x))
        return x

    def _initialize_weights(self):
        init.orthogonal_(self.conv1.weight, init.calculate_gain('relu'))
        init.orthogonal_(self.conv2.weight, init.calculate_gain('relu'))
        init.orthogonal_(self.conv3.weight, init.calculate_gain('relu'))
        init.orthogonal_(self.conv4.weight)


def make_set(n, rng):
    yy, xx = np.mgrid[:16, :16] / 16.0
    a = rng.uniform(0.5, 3.0, (n, 4, 1, 1))
    hr = 0.5 + 0.25 * np.sin(a[:, 0] * xx * 3 + a[:, 1]) * np.cos(a[:, 2] * yy * 3 + a[:, 3])
    hr = hr[:, None].astype(np.float32)
    lr = hr.reshape(n, 1, 8, 2, 8, 2).mean(axis=(3, 5))
    return TensorDataset(torch.from_numpy(lr), torch.from_numpy(hr))


upscale_factor = 2
print('===> Loading datasets')
rng = np.random.default_rng(0)
train_set, test_set = make_set(32, rng), make_set(8, rng)
training_data_loader = DataLoader(dataset=train_set, batch_size=8, shuffle=False)
testing_data_loader = DataLoader(dataset=test_set, batch_size=4, shuffle=False)

print('===> Building model')
model = Net(upscale_factor=upscale_factor)
print(init.calculate_gain('relu'), init.calculate_gain('leaky_relu', 0.2),
      init.calculate_gain('tanh'), init.calculate_gain('conv2d'))
w = model.conv2.weight.detach().reshape(16, -1)
print("orthogonal rows:", torch.allclose(w @ w.t(), 2 * torch.eye(16), atol=1e-4))
w = model.conv4.weight.detach().reshape(4, -1)
print("unit gain:", torch.allclose(w @ w.t(), torch.eye(4), atol=1e-5))
with torch.no_grad():
    for p in model.parameters():
        fan_in = p[0].numel() if p.dim() > 1 else 16
        p.copy_(torch.from_numpy(rng.normal(0, (2.0 / fan_in) ** 0.5, tuple(p.shape))
                                 .astype(np.float32)))
criterion = nn.MSELoss()
optimizer = optim.Adam(model.parameters(), lr=0.003)


def train(epoch):
    epoch_loss = 0
    for iteration, batch in enumerate(training_data_loader, 1):
        input, target = batch[0], batch[1]

        optimizer.zero_grad()
        loss = criterion(model(input), target)
        epoch_loss += loss.item()
        loss.backward()
        optimizer.step()

    print("===> Epoch {} Complete: Avg. Loss: {:.6f}".format(
        epoch, epoch_loss / len(training_data_loader)))


def test():
    avg_psnr = 0
    with torch.no_grad():
        for batch in testing_data_loader:
            input, target = batch[0], batch[1]

            prediction = model(input)
            mse = criterion(prediction, target)
            psnr = 10 * log10(1 / mse.item())
            avg_psnr += psnr
    print("===> Avg. PSNR: {:.4f} dB".format(avg_psnr / len(testing_data_loader)))


def checkpoint(epoch):
    model_out_path = os.path.join(folder, "model_epoch_{}.pth".format(epoch))
    torch.save(model.state_dict(), model_out_path)
    print("Checkpoint saved to {}".format(os.path.basename(model_out_path)))


folder = tempfile.mkdtemp()
test()
for epoch in range(1, 6):
    train(epoch)
    test()
checkpoint(epoch)
out = model(test_set[0][0].unsqueeze(0))
print(tuple(out.shape), out.grad_fn.name())
sd = torch.load(os.path.join(folder, "model_epoch_5.pth"))
print(list(sd)[:3], tuple(sd["conv4.weight"].shape))
os.remove(os.path.join(folder, "model_epoch_5.pth"))
