"""Gaussian process regression from scratch, as the 'GPs in PyTorch' blog posts write it: an RBF
kernel from torch.cdist, hyperparameters kept positive through softplus of raw parameters, the
negative log marginal likelihood through torch.linalg.cholesky, torch.cholesky_solve and the
log-determinant from the Cholesky diagonal, optimised with Adam; the posterior mean and variance
via torch.linalg.solve_triangular, checked against torch.linalg.solve / torch.logdet and
MultivariateNormal's log_prob. float64 throughout, synthetic 1-D data."""
# ruff: noqa: PLR0402  (written in the tutorial's own style)
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.distributions import MultivariateNormal

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)

X = torch.linspace(-3, 3, 20).unsqueeze(1)
y = torch.sin(X).squeeze(1) + 0.1 * torch.randn(20)
X_test = torch.linspace(-4, 4, 7).unsqueeze(1)


class GP(nn.Module):
    def __init__(self):
        super().__init__()
        self.raw_lengthscale = nn.Parameter(torch.tensor(0.0))
        self.raw_outputscale = nn.Parameter(torch.tensor(0.0))
        self.raw_noise = nn.Parameter(torch.tensor(-2.0))

    @property
    def lengthscale(self):
        return F.softplus(self.raw_lengthscale)

    @property
    def outputscale(self):
        return F.softplus(self.raw_outputscale)

    @property
    def noise(self):
        return F.softplus(self.raw_noise) + 1e-4

    def kernel(self, a, b):
        d2 = torch.cdist(a / self.lengthscale, b / self.lengthscale).pow(2)
        return self.outputscale * torch.exp(-0.5 * d2)

    def nll(self, X, y):
        n = X.shape[0]
        K = self.kernel(X, X) + self.noise * torch.eye(n)
        L = torch.linalg.cholesky(K)
        alpha = torch.cholesky_solve(y.unsqueeze(1), L)
        return (0.5 * y @ alpha.squeeze(1) + torch.log(torch.diagonal(L)).sum()
                + 0.5 * n * math.log(2 * math.pi))

    def predict(self, X, y, Xs):
        K = self.kernel(X, X) + self.noise * torch.eye(X.shape[0])
        L = torch.linalg.cholesky(K)
        Ks = self.kernel(X, Xs)
        v = torch.linalg.solve_triangular(L, Ks, upper=False)
        alpha = torch.cholesky_solve(y.unsqueeze(1), L)
        mean = Ks.T @ alpha
        var = self.kernel(Xs, Xs).diagonal() - (v * v).sum(0)
        return mean.squeeze(1), var


gp = GP()
print(f"initial nll {gp.nll(X, y).item():.6f}")
K = gp.kernel(X, X) + gp.noise * torch.eye(20)
mvn = MultivariateNormal(torch.zeros(20), covariance_matrix=K)
print(torch.allclose(-mvn.log_prob(y), gp.nll(X, y)))
print(torch.allclose(torch.logdet(K), 2 * torch.log(torch.linalg.cholesky(K).diagonal()).sum()))

optimizer = torch.optim.Adam(gp.parameters(), lr=0.1)
for i in range(40):
    optimizer.zero_grad()
    loss = gp.nll(X, y)
    loss.backward()
    optimizer.step()
    if i % 10 == 9:
        print(f"iter {i + 1} nll {loss.item():.5f} ls {gp.lengthscale.item():.4f} "
              f"os {gp.outputscale.item():.4f} noise {gp.noise.item():.5f}")

with torch.no_grad():
    mean, var = gp.predict(X, y, X_test)
    K = gp.kernel(X, X) + gp.noise * torch.eye(20)
    mean2 = gp.kernel(X_test, X) @ torch.linalg.solve(K, y)
print(mean)
print(var.clamp_min(0).sqrt())
print(torch.allclose(mean, mean2))
print(mean.dtype, torch.get_default_dtype())
torch.set_default_dtype(torch.float32)
