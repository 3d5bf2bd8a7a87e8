"""Spectral normalisation in a small GAN as the SN-GAN tutorials write it: the discriminator's
layers wrapped with torch.nn.utils.parametrizations.spectral_norm (and the older
torch.nn.utils.spectral_norm hook API on one layer), the power iteration's u/v buffers, the
largest singular value of the normalised weight ~1 (torch.linalg.matrix_norm(ord=2) /
svdvals), the hinge loss for D and G, Adam with betas (0.0, 0.9), a few steps on a 2-D Gaussian
mixture; remove_parametrizations and eval-mode behaviour (no power iteration in eval)."""
import math

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils import parametrizations, parametrize

torch.manual_seed(0)

lin = parametrizations.spectral_norm(nn.Linear(6, 4))
print(lin)
print(sorted(n for n, _ in lin.named_buffers()))
print(lin.parametrizations.weight.original.shape)
w = lin.weight
print(torch.linalg.svdvals(w.detach())[0].item() <= 1.0 + 1e-2)
old = nn.utils.spectral_norm(nn.Linear(6, 4), n_power_iterations=3)
print(sorted(n for n, _ in old.named_parameters()), sorted(n for n, _ in old.named_buffers()))
old(torch.randn(2, 6))
print(f"{torch.linalg.matrix_norm(old.weight.detach(), ord=2).item():.3f}")


def sample_real(n):
    centers = torch.tensor([[math.cos(a), math.sin(a)] for a in torch.arange(4) * math.pi / 2]) * 2
    return centers[torch.randint(0, 4, (n,))] + 0.1 * torch.randn(n, 2)


SN = parametrizations.spectral_norm
D = nn.Sequential(SN(nn.Linear(2, 32)), nn.LeakyReLU(0.2), SN(nn.Linear(32, 32)),
                  nn.LeakyReLU(0.2), SN(nn.Linear(32, 1)))
G = nn.Sequential(nn.Linear(4, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 2))
opt_d = torch.optim.Adam(D.parameters(), lr=2e-3, betas=(0.0, 0.9))
opt_g = torch.optim.Adam(G.parameters(), lr=2e-3, betas=(0.0, 0.9))
print(len(list(D.parameters())), parametrize.is_parametrized(D[0]), parametrize.is_parametrized(D[1]))

for step in range(30):
    real = sample_real(64)
    fake = G(torch.randn(64, 4))
    d_loss = F.relu(1.0 - D(real)).mean() + F.relu(1.0 + D(fake.detach())).mean()
    opt_d.zero_grad()
    d_loss.backward()
    opt_d.step()
    g_loss = -D(G(torch.randn(64, 4))).mean()
    opt_g.zero_grad()
    g_loss.backward()
    opt_g.step()
    if step % 10 == 9:
        sigmas = [torch.linalg.svdvals(m.weight.detach())[0].item() for m in D if isinstance(m, nn.Linear)]
        print(f"step {step + 1} d_loss {d_loss.item():.4f} g_loss {g_loss.item():.4f} "
              f"sigma {[round(s, 3) for s in sigmas]}")

D.eval()
u_before = D[0].parametrizations.weight[0]._u.clone()
with torch.no_grad():
    a = D(torch.zeros(1, 2))
    b = D(torch.zeros(1, 2))
print(torch.equal(a, b), torch.equal(u_before, D[0].parametrizations.weight[0]._u))
w_eval = D[0].weight.detach().clone()
parametrize.remove_parametrizations(D[0], "weight")
print(type(D[0].weight).__name__, torch.allclose(D[0].weight, w_eval))
print(G(torch.randn(5, 4)).detach().shape)
