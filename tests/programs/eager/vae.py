"""The pytorch/examples VAE at 8x8: fc1 -> (fc21, fc22) encoder, reparameterisation with
torch.randn_like, a sigmoid decoder, the loss F.binary_cross_entropy(reduction='sum') plus the
KL term, Adam; prints the losses and the shapes of a sampled batch.  (The noise comes from each
library's own random stream, so the training losses are printed coarsely and the test loss is
taken at the posterior mean.)"""
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn, optim
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(1)
rng = np.random.default_rng(0)
protos = (rng.uniform(size=(4, 64)) > 0.5).astype(np.float32)
images = np.clip(protos[rng.integers(0, 4, 128)] + rng.normal(0, 0.1, (128, 64)), 0, 1)
train_loader = DataLoader(TensorDataset(torch.tensor(images, dtype=torch.float32)),
                          batch_size=32, shuffle=True)
test_data = torch.tensor(images[:32], dtype=torch.float32)


class VAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(64, 32)
        self.fc21 = nn.Linear(32, 4)
        self.fc22 = nn.Linear(32, 4)
        self.fc3 = nn.Linear(4, 32)
        self.fc4 = nn.Linear(32, 64)

    def encode(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)

    def reparameterize(self, mu, logvar):
        if not self.training:
            return mu
        std = torch.exp(0.5 * logvar)
        eps = torch.randn_like(std)
        return mu + eps * std

    def decode(self, z):
        h3 = F.relu(self.fc3(z))
        return torch.sigmoid(self.fc4(h3))

    def forward(self, x):
        mu, logvar = self.encode(x.view(-1, 64))
        z = self.reparameterize(mu, logvar)
        return self.decode(z), mu, logvar


model = VAE()
r = np.random.default_rng(3)
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.tensor(r.uniform(-0.2, 0.2, tuple(p.shape)), dtype=torch.float32))
optimizer = optim.Adam(model.parameters(), lr=1e-2)


# Reconstruction + KL divergence losses summed over all elements and batch
def loss_function(recon_x, x, mu, logvar):
    BCE = F.binary_cross_entropy(recon_x, x.view(-1, 64), reduction="sum")
    # see Appendix B from VAE paper: Kingma and Welling. Auto-Encoding Variational Bayes. ICLR, 2014
    KLD = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return BCE + KLD


def test():
    model.eval()
    with torch.no_grad():
        recon, mu, logvar = model(test_data)
        return loss_function(recon, test_data, mu, logvar).item() / len(test_data)


print(f"before: test loss {test():.4f}")
for epoch in range(1, 9):
    model.train()
    train_loss = 0
    for batch_idx, (data,) in enumerate(train_loader):
        optimizer.zero_grad()
        recon_batch, mu, logvar = model(data)
        loss = loss_function(recon_batch, data, mu, logvar)
        loss.backward()
        train_loss += loss.item()
        optimizer.step()
    if epoch % 4 == 0:
        avg = train_loss / len(train_loader.dataset)
        print(f"====> Epoch: {epoch} Average loss below 44: {avg < 44}")
print(f"after: test loss below 32: {test() < 32}")
print(loss.grad_fn.name(), recon_batch.grad_fn.name())

with torch.no_grad():
    sample = torch.randn(16, 4)
    sample = model.decode(sample).cpu()
    print(sample.view(16, 1, 8, 8).shape, bool(((sample > 0) & (sample < 1)).all()))
    mu = torch.zeros(2, 4)
    logvar = torch.zeros(2, 4)
    print(round(loss_function(torch.full((2, 64), 0.5), torch.ones(2, 64), mu, logvar).item(), 4))
