"""The spatial transformer networks tutorial at 17x17: a localisation network (Conv2d,
MaxPool2d, ReLU) regressing a 2x3 affine matrix whose last layer starts at the identity,
F.affine_grid and F.grid_sample, then the classifier; a few SGD steps on synthetic digits,
and the warped images and theta printed."""
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn, optim


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, kernel_size=3)
        self.fc1 = nn.Linear(4 * 7 * 7, 3)
        self.localization = nn.Sequential(
            nn.Conv2d(1, 4, kernel_size=5),
            nn.MaxPool2d(2, stride=2),
            nn.ReLU(True),
            nn.Conv2d(4, 6, kernel_size=3),
            nn.MaxPool2d(2, stride=2),
            nn.ReLU(True),
        )
        self.fc_loc = nn.Sequential(nn.Linear(6 * 2 * 2, 16), nn.ReLU(True), nn.Linear(16, 3 * 2))

    def stn(self, x):
        xs = self.localization(x)
        xs = xs.view(-1, 6 * 2 * 2)
        theta = self.fc_loc(xs)
        theta = theta.view(-1, 2, 3)
        grid = F.affine_grid(theta, x.size(), align_corners=False)
        x = F.grid_sample(x, grid, align_corners=False)
        return x, theta

    def forward(self, x):
        x, _ = self.stn(x)
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = x.view(-1, 4 * 7 * 7)
        return F.log_softmax(self.fc1(x), dim=1)


model = Net()
r = np.random.default_rng(6)
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.from_numpy(r.uniform(-0.2, 0.2, tuple(p.shape)).astype(np.float32)))
    # Initialize the weights/bias with identity transformation
    model.fc_loc[2].weight.data.zero_()
    model.fc_loc[2].bias.data.copy_(torch.tensor([1, 0, 0, 0, 1, 0], dtype=torch.float))

rng = np.random.default_rng(1)
target = torch.from_numpy(rng.integers(0, 3, 24))
data = np.zeros((24, 1, 17, 17), dtype=np.float32)
for i, t in enumerate(target.tolist()):       # a bar at an angle per class, shifted at random
    dy, dx = rng.integers(-2, 3, 2)
    for k in range(-5, 6):
        y, x = 8 + dy + (k if t != 1 else 0), 8 + dx + (k if t != 0 else 0)
        data[i, 0, np.clip(y, 0, 16), np.clip(x, 0, 16)] = 1.0
data = torch.from_numpy(data + rng.uniform(0, 0.1, data.shape).astype(np.float32))

with torch.no_grad():
    warped, theta = model.stn(data[:2])
print(warped.shape, theta.shape, torch.allclose(warped, data[:2], atol=1e-6))

optimizer = optim.SGD(model.parameters(), lr=0.05)
model.train()
for step in range(8):
    optimizer.zero_grad()
    output = model(data)
    loss = F.nll_loss(output, target)
    loss.backward()
    optimizer.step()
    if step % 2 == 1:
        print(f"step {step} loss {loss.item():.4f}")

model.eval()
with torch.no_grad():
    output = model(data)
    test_loss = F.nll_loss(output, target, reduction="sum").item()
    pred = output.argmax(dim=1, keepdim=True)
    correct = pred.eq(target.view_as(pred)).sum().item()
    transformed, theta = model.stn(data[:1])
print(f"test loss {test_loss / len(data):.4f}, accuracy {correct}/{len(data)}")
print(torch.round(theta, decimals=3))
print(torch.round(transformed[0, 0, 6:10, 6:10], decimals=2))
grid = F.affine_grid(torch.tensor([[[0.5, -0.5, 0.1], [0.5, 0.5, 0.0]]]), (1, 1, 4, 4),
                     align_corners=True)
print(grid[0, 1], F.grid_sample(data[:1, :, :4, :4] + 1, grid, padding_mode="border",
                                align_corners=True).sum().item())
