"""A RealNVP normalizing flow on a 2-D toy density, as the flow tutorials write it: alternating
binary masks, coupling layers whose scale net ends in Tanh and translation net in plain Linear,
forward (data -> latent) returning the summed log-determinant, the prior a
torch.distributions.MultivariateNormal, the loss the negative log-likelihood
prior.log_prob(z) + logdet, trained with Adam; sampling inverts the couplings; the inverse
recovers the input. Data: two noisy interleaved half circles generated with torch."""
import math

import torch
from torch import distributions, nn

torch.manual_seed(0)


def make_moons(n, noise=0.05):
    t = torch.rand(n) * math.pi
    upper = torch.stack([torch.cos(t), torch.sin(t)], 1)
    lower = torch.stack([1 - torch.cos(t), 0.5 - torch.sin(t)], 1)
    x = torch.cat([upper[: n // 2], lower[n // 2:]])
    return x + noise * torch.randn_like(x)


class RealNVP(nn.Module):
    def __init__(self, nets, nett, mask, prior):
        super().__init__()
        self.prior = prior
        self.mask = nn.Parameter(mask, requires_grad=False)
        self.t = torch.nn.ModuleList([nett() for _ in range(len(mask))])
        self.s = torch.nn.ModuleList([nets() for _ in range(len(mask))])

    def g(self, z):
        x = z
        for i in range(len(self.t)):
            x_ = x * self.mask[i]
            s = self.s[i](x_) * (1 - self.mask[i])
            t = self.t[i](x_) * (1 - self.mask[i])
            x = x_ + (1 - self.mask[i]) * (x * torch.exp(s) + t)
        return x

    def f(self, x):
        log_det_J, z = x.new_zeros(x.shape[0]), x
        for i in reversed(range(len(self.t))):
            z_ = self.mask[i] * z
            s = self.s[i](z_) * (1 - self.mask[i])
            t = self.t[i](z_) * (1 - self.mask[i])
            z = (1 - self.mask[i]) * (z - t) * torch.exp(-s) + z_
            log_det_J -= s.sum(dim=1)
        return z, log_det_J

    def log_prob(self, x):
        z, logp = self.f(x)
        return self.prior.log_prob(z) + logp

    def sample(self, batchSize):
        z = self.prior.sample((batchSize, 1))
        x = self.g(z)
        return x


nets = lambda: nn.Sequential(nn.Linear(2, 32), nn.LeakyReLU(), nn.Linear(32, 32),
                             nn.LeakyReLU(), nn.Linear(32, 2), nn.Tanh())
nett = lambda: nn.Sequential(nn.Linear(2, 32), nn.LeakyReLU(), nn.Linear(32, 32),
                             nn.LeakyReLU(), nn.Linear(32, 2))
masks = torch.from_numpy(__import__("numpy").array([[0, 1], [1, 0]] * 3).astype("float32"))
prior = distributions.MultivariateNormal(torch.zeros(2), torch.eye(2))
flow = RealNVP(nets, nett, masks, prior)
print(flow.mask.shape, flow.mask.requires_grad)
print(sum(p.numel() for p in flow.parameters() if p.requires_grad))
print(prior.log_prob(torch.zeros(2)), prior.entropy(), prior.event_shape, prior.batch_shape)

optimizer = torch.optim.Adam([p for p in flow.parameters() if p.requires_grad], lr=1e-3)
for t in range(60):
    noisy_moons = make_moons(64)
    loss = -flow.log_prob(noisy_moons).mean()
    optimizer.zero_grad()
    loss.backward(retain_graph=True)
    optimizer.step()
    if t % 20 == 19:
        print(f"iter {t + 1}: loss = {loss.item():.4f}")

x = make_moons(8)
z, logdet = flow.f(x)
print(torch.allclose(flow.g(z), x, atol=1e-5))
print(logdet.shape, z.shape)
samples = flow.sample(5)
print(samples.shape)
print(samples.squeeze(1).detach())
with torch.no_grad():
    print(flow.log_prob(torch.tensor([[0.0, 0.5], [1.0, -0.3]])))
