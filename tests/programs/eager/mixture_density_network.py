"""A mixture density network as the well-known PyTorch write-ups build it (hardmaru's
pytorch_notebooks mixture_density_networks, sagelywizard/pytorch-mdn): the inverted sinusoid
data set, an MDN head with pi = softmax, sigma = exp, mu = linear, the negative log-likelihood
written by hand (the Gaussian probability, torch.sum(pi * prob, dim=1), -torch.log) and again
with torch.distributions (Categorical + Normal via MixtureSameFamily and Independent,
log_prob), sampling by gumbel-free Categorical.sample plus Normal.sample under
torch.manual_seed, and torch.distributions.kl_divergence between two Normals."""
# ruff: noqa: PLR0402, UP008  (written in the notebook's own style)
import math

import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim
from torch.distributions import Categorical, Independent, MixtureSameFamily, Normal, kl_divergence

torch.manual_seed(0)
np.random.seed(1)
NSAMPLE = 256
y_data = np.float32(np.random.uniform(-10.5, 10.5, (1, NSAMPLE))).T
r_data = np.float32(np.random.normal(size=(NSAMPLE, 1)))
x_data = np.float32(np.sin(0.75 * y_data) * 7.0 + y_data * 0.5 + r_data * 1.0)
x_tensor = torch.from_numpy(x_data)
y_tensor = torch.from_numpy(y_data)
print(x_tensor.shape, x_tensor.dtype)

n_hidden = 16
n_gaussians = 3
oneDivSqrtTwoPI = 1.0 / math.sqrt(2.0 * math.pi)


class MDN(nn.Module):
    def __init__(self, n_hidden, n_gaussians):
        super(MDN, self).__init__()
        self.z_h = nn.Sequential(
            nn.Linear(1, n_hidden),
            nn.Tanh()
        )
        self.z_pi = nn.Linear(n_hidden, n_gaussians)
        self.z_sigma = nn.Linear(n_hidden, n_gaussians)
        self.z_mu = nn.Linear(n_hidden, n_gaussians)

    def forward(self, x):
        z_h = self.z_h(x)
        pi = nn.functional.softmax(self.z_pi(z_h), -1)
        sigma = torch.exp(self.z_sigma(z_h))
        mu = self.z_mu(z_h)
        return pi, sigma, mu


def gaussian_distribution(y, mu, sigma):
    result = (y.expand_as(mu) - mu) * torch.reciprocal(sigma)
    result = - 0.5 * (result * result)
    return (torch.exp(result) * torch.reciprocal(sigma)) * oneDivSqrtTwoPI


def mdn_loss_fn(pi, sigma, mu, y):
    result = gaussian_distribution(y, mu, sigma) * pi
    result = torch.sum(result, dim=1)
    result = -torch.log(result)
    return torch.mean(result)


def mdn_loss_dist(pi, sigma, mu, y):
    mix = Categorical(probs=pi)
    comp = Independent(Normal(mu.unsqueeze(-1), sigma.unsqueeze(-1)), 1)
    gmm = MixtureSameFamily(mix, comp)
    return -gmm.log_prob(y).mean()


network = MDN(n_hidden=n_hidden, n_gaussians=n_gaussians)
optimizer = optim.Adam(network.parameters())

for epoch in range(300):
    pi_variable, sigma_variable, mu_variable = network(x_tensor)
    loss = mdn_loss_fn(pi_variable, sigma_variable, mu_variable, y_tensor)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if epoch % 60 == 0:
        with torch.no_grad():
            loss2 = mdn_loss_dist(pi_variable, sigma_variable, mu_variable, y_tensor)
        print(epoch, f"{loss.item():.6f}", f"{loss2.item():.6f}")

x_test = torch.linspace(-15, 15, 8).view(-1, 1)
pi, sigma, mu = network(x_test)
print("pi", pi.shape, [round(v, 4) for v in pi[0].tolist()])
print("sigma", [round(v, 4) for v in sigma[0].tolist()])
print("mu", [round(v, 4) for v in mu[0].tolist()])

dist = Normal(mu.detach(), sigma.detach())
print("entropy", [round(v, 4) for v in dist.entropy()[0].tolist()])
print("cdf", [round(v, 4) for v in dist.cdf(torch.zeros(8, n_gaussians))[0].tolist()])
print("batch_shape", dist.batch_shape, "event_shape", dist.event_shape)

mix = MixtureSameFamily(Categorical(probs=pi.detach()),
                        Normal(mu.detach(), sigma.detach()))
print("mixture mean", [round(v, 4) for v in mix.mean.tolist()])
print("mixture variance", [round(v, 4) for v in mix.variance.tolist()])

torch.manual_seed(5)
k = Categorical(probs=pi.detach()).sample()
print("chosen components", k.tolist(), k.dtype)
chosen_mu = mu.detach().gather(1, k.view(-1, 1))
print("chosen mu", [round(v, 4) for v in chosen_mu.flatten().tolist()])

p, q = Normal(torch.tensor([0.0, 1.0]), torch.tensor([1.0, 2.0])), Normal(torch.tensor([0.5, 0.0]), torch.tensor([1.5, 1.0]))
print("kl", [round(v, 6) for v in kl_divergence(p, q).tolist()])
s = Normal(torch.tensor([0.0]), torch.tensor([1.0])).rsample((4,))
print("rsample", s.shape, s.requires_grad)
