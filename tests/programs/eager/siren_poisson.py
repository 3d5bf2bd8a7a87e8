"""SIREN as the authors' explore_siren.ipynb writes it: SineLayer (sin(omega_0 * linear(x))) with
its special uniform_ initialisation under torch.no_grad(), coordinates from get_mgrid
(torch.linspace + meshgrid, requires_grad_ on the input), and the notebook's differential
operators written with torch.autograd.grad(create_graph=True): gradient, divergence and
laplace.  A SIREN fits a small image, its gradient and Laplacian are compared with the
analytic ones of a sinusoidal image, then a second SIREN is fitted to the image's gradients
only (the notebook's Poisson reconstruction), the loss taken through a gradient of the net."""
import math

import numpy as np
import torch
from torch import nn

torch.manual_seed(0)


def get_mgrid(sidelen, dim=2):
    tensors = tuple(dim * [torch.linspace(-1, 1, steps=sidelen)])
    mgrid = torch.stack(torch.meshgrid(*tensors, indexing="ij"), dim=-1)
    return mgrid.reshape(-1, dim)


class SineLayer(nn.Module):
    def __init__(self, in_features, out_features, bias=True, is_first=False, omega_0=30):
        super().__init__()
        self.omega_0 = omega_0
        self.is_first = is_first
        self.in_features = in_features
        self.linear = nn.Linear(in_features, out_features, bias=bias)
        self.init_weights()

    def init_weights(self):
        with torch.no_grad():
            if self.is_first:
                self.linear.weight.uniform_(-1 / self.in_features, 1 / self.in_features)
            else:
                self.linear.weight.uniform_(-np.sqrt(6 / self.in_features) / self.omega_0,
                                            np.sqrt(6 / self.in_features) / self.omega_0)

    def forward(self, input):
        return torch.sin(self.omega_0 * self.linear(input))


class Siren(nn.Module):
    def __init__(self, in_features, hidden_features, hidden_layers, out_features,
                 outermost_linear=False, first_omega_0=30, hidden_omega_0=30.):
        super().__init__()
        self.net = [SineLayer(in_features, hidden_features, is_first=True,
                              omega_0=first_omega_0)]
        for _ in range(hidden_layers):
            self.net.append(SineLayer(hidden_features, hidden_features, is_first=False,
                                      omega_0=hidden_omega_0))
        if outermost_linear:
            final_linear = nn.Linear(hidden_features, out_features)
            with torch.no_grad():
                final_linear.weight.uniform_(-np.sqrt(6 / hidden_features) / hidden_omega_0,
                                             np.sqrt(6 / hidden_features) / hidden_omega_0)
            self.net.append(final_linear)
        else:
            self.net.append(SineLayer(hidden_features, out_features, is_first=False,
                                      omega_0=hidden_omega_0))
        self.net = nn.Sequential(*self.net)

    def forward(self, coords):
        coords = coords.clone().detach().requires_grad_(True)
        output = self.net(coords)
        return output, coords


def laplace(y, x):
    grad = gradient(y, x)
    return divergence(grad, x)


def divergence(y, x):
    div = 0.
    for i in range(y.shape[-1]):
        div += torch.autograd.grad(y[..., i], x, torch.ones_like(y[..., i]),
                                   create_graph=True)[0][..., i:i + 1]
    return div


def gradient(y, x, grad_outputs=None):
    if grad_outputs is None:
        grad_outputs = torch.ones_like(y)
    return torch.autograd.grad(y, [x], grad_outputs=grad_outputs, create_graph=True)[0]


sidelen = 12
coords = get_mgrid(sidelen)
print(coords.shape, coords[:3].tolist())
img = (torch.sin(math.pi * coords[:, :1]) * torch.cos(math.pi * coords[:, 1:])).clone()
true_grad = torch.cat([math.pi * torch.cos(math.pi * coords[:, :1]) * torch.cos(math.pi * coords[:, 1:]),
                       -math.pi * torch.sin(math.pi * coords[:, :1]) * torch.sin(math.pi * coords[:, 1:])], -1)
true_lap = -2 * math.pi ** 2 * img

# the operators on a function with known derivatives: f = x^2 y + sin(y)
x = coords.clone().requires_grad_(True)
f = (x[:, :1] ** 2 * x[:, 1:] + torch.sin(x[:, 1:]))
g = gradient(f, x)
lap = laplace(f, x)
print(torch.allclose(g[:, :1], 2 * x[:, :1] * x[:, 1:]),
      torch.allclose(lap, 2 * x[:, 1:] - torch.sin(x[:, 1:]), atol=1e-6))

img_siren = Siren(in_features=2, out_features=1, hidden_features=32, hidden_layers=2,
                  outermost_linear=True, first_omega_0=4, hidden_omega_0=4.)
w0 = img_siren.net[0].linear.weight
print(w0.abs().max().item() <= 0.5, img_siren.net[1].linear.weight.abs().max().item() <= 0.11)
optim = torch.optim.Adam(lr=1e-2, params=img_siren.parameters())
for step in range(101):
    model_output, coords_in = img_siren(coords)
    loss = ((model_output - img) ** 2).mean()
    if step % 25 == 0:
        img_grad = gradient(model_output, coords_in)
        img_laplacian = laplace(model_output, coords_in)
        gerr = (img_grad - true_grad).norm() / true_grad.norm()
        lerr = (img_laplacian - true_lap).norm() / true_lap.norm()
        print(f"Step {step}, Total loss {loss.item():0.6f} grad err {gerr.item():.4f} "
              f"laplace err {lerr.item():.4f}")
    optim.zero_grad()
    loss.backward()
    optim.step()

# Poisson: fit a SIREN whose gradient matches the image's gradient
poisson_siren = Siren(in_features=2, out_features=1, hidden_features=32, hidden_layers=2,
                      outermost_linear=True, first_omega_0=4, hidden_omega_0=4.)
optim = torch.optim.Adam(lr=4e-3, params=poisson_siren.parameters())
for step in range(81):
    model_output, coords_in = poisson_siren(coords)
    train_loss = ((gradient(model_output, coords_in) - true_grad) ** 2).mean()
    if step % 20 == 0:
        out = model_output.detach()
        rec = out - out.mean()
        corr = (rec * (img - img.mean())).sum() / (rec.norm() * (img - img.mean()).norm())
        print(f"Poisson step {step} loss {train_loss.item():0.6f} corr {corr.item():.4f}")
    optim.zero_grad()
    train_loss.backward()
    optim.step()
print(poisson_siren.net[0].linear.weight.grad.shape, coords_in.grad is None)
