"""A categorical VAE with the Gumbel-softmax trick as the popular PyTorch notebooks write it:
an encoder to latent_dim x categorical_dim logits, F.gumbel_softmax with a temperature annealed
by exp(-r t) (soft samples in training, hard straight-through one-hots with hard=True), the
KL divergence to a uniform prior via q * log(q * K), a Bernoulli decoder with
binary_cross_entropy, and a few Adam steps on synthetic binary 'digits'; the manual
Gumbel sampler (-log(-log(U))) gives the same as F.gumbel_softmax's noise."""
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

torch.manual_seed(0)

latent_dim, categorical_dim = 4, 5
temp_min, anneal_rate = 0.5, 0.03


def sample_gumbel(shape, eps=1e-20):
    U = torch.rand(shape)
    return -torch.log(-torch.log(U + eps) + eps)


def gumbel_softmax_sample(logits, temperature):
    y = logits + sample_gumbel(logits.size())
    return F.softmax(y / temperature, dim=-1)


logits = torch.randn(3, categorical_dim)
soft = F.gumbel_softmax(logits, tau=0.5)
hard = F.gumbel_softmax(logits, tau=0.5, hard=True)
print(soft.sum(-1), hard, hard.sum(-1))
mine = gumbel_softmax_sample(logits, 1.0)
print(mine.shape, torch.allclose(mine.sum(-1), torch.ones(3)))

logits.requires_grad_(True)
h = F.gumbel_softmax(logits, tau=1.0, hard=True)
(h * torch.arange(5.0)).sum().backward()
print(logits.grad.abs().sum() > 0, h.grad_fn is not None)


class VAE_gumbel(nn.Module):
    def __init__(self, temp):
        super().__init__()
        self.fc1 = nn.Linear(36, 32)
        self.fc2 = nn.Linear(32, latent_dim * categorical_dim)
        self.fc3 = nn.Linear(latent_dim * categorical_dim, 32)
        self.fc4 = nn.Linear(32, 36)
        self.relu = nn.ReLU()
        self.sigmoid = nn.Sigmoid()
        self.temp = temp

    def encode(self, x):
        h1 = self.relu(self.fc1(x))
        return self.relu(self.fc2(h1))

    def decode(self, z):
        h3 = self.relu(self.fc3(z))
        return self.sigmoid(self.fc4(h3))

    def forward(self, x, temp, hard):
        q = self.encode(x.view(-1, 36))
        q_y = q.view(q.size(0), latent_dim, categorical_dim)
        z = F.gumbel_softmax(q_y, tau=temp, hard=hard)
        return self.decode(z.view(-1, latent_dim * categorical_dim)), F.softmax(q_y, dim=-1).reshape(*q.size())


def loss_function(recon_x, x, qy):
    BCE = F.binary_cross_entropy(recon_x, x.view(-1, 36), reduction="sum") / x.shape[0]
    log_ratio = torch.log(qy * categorical_dim + 1e-20)
    KLD = torch.sum(qy * log_ratio, dim=-1).mean()
    return BCE + KLD


patterns = torch.from_numpy(np.array([[1 if (r + c) % k == 0 else 0 for r in range(6) for c in range(6)]
                                      for k in (2, 3, 4, 5)], dtype=np.float32))
data = patterns[torch.randint(0, 4, (64,))]
data = (data + (torch.rand(64, 36) < 0.05).float()).clamp(max=1.0)

model = VAE_gumbel(1.0)
optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
temp = 1.0
for epoch in range(1, 31):
    model.train()
    optimizer.zero_grad()
    recon_batch, qy = model(data, temp, hard=False)
    loss = loss_function(recon_batch, data, qy)
    loss.backward()
    optimizer.step()
    if epoch % 10 == 0:
        temp = np.maximum(temp * np.exp(-anneal_rate * epoch), temp_min)
        print(f"epoch {epoch} loss {loss.item():.4f} temp {temp:.4f}")

model.eval()
with torch.no_grad():
    recon, qy = model(patterns, temp, hard=True)
    print(qy.view(4, latent_dim, categorical_dim).argmax(-1))
    print(F.binary_cross_entropy(recon, patterns).item() < 0.7)
