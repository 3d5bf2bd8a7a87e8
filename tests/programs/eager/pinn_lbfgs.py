"""A physics-informed neural network as the PINN tutorials write it in PyTorch (maziarraissi's
PINNs ported to torch, the "Solving differential equations with PyTorch" posts): a small Tanh
MLP u(t) for the damped oscillator u'' + mu u' + k u = 0, derivatives from
torch.autograd.grad(u, t, torch.ones_like(u), create_graph=True) twice, the physics and
boundary losses, a short Adam warm-up and then torch.optim.LBFGS with
line_search_fn="strong_wolfe" and a closure, its state (func_evals, n_iter), and the
learned solution against the exact one, in float64 (torch.set_default_dtype, as PINN codes
do for L-BFGS; in float32 the two libraries' dot products round differently and L-BFGS's
line search amplifies that after a few iterations).  L-BFGS's float(closure()) runs under
no_grad: no "Converting a tensor with requires_grad=True" warning there, as torch."""
# ruff: noqa: PLR0402  (written in the tutorials' own style)
import math

import torch
import torch.nn as nn

torch.set_default_dtype(torch.float64)     # (as PINN codes do for L-BFGS)
torch.manual_seed(123)
d, w0 = 2.0, 5.0
mu, k = 2 * d, w0 ** 2


def exact_solution(d, w0, t):
    assert d < w0
    w = math.sqrt(w0 ** 2 - d ** 2)
    phi = math.atan(-d / w)
    A = 1 / (2 * math.cos(phi))
    cos = torch.cos(phi + w * t)
    exp = torch.exp(-d * t)
    return exp * 2 * A * cos


class FCN(nn.Module):
    def __init__(self, N_INPUT, N_OUTPUT, N_HIDDEN, N_LAYERS):
        super().__init__()
        activation = nn.Tanh
        self.fcs = nn.Sequential(*[nn.Linear(N_INPUT, N_HIDDEN), activation()])
        self.fch = nn.Sequential(*[nn.Sequential(*[nn.Linear(N_HIDDEN, N_HIDDEN), activation()])
                                   for _ in range(N_LAYERS - 1)])
        self.fce = nn.Linear(N_HIDDEN, N_OUTPUT)

    def forward(self, x):
        x = self.fcs(x)
        x = self.fch(x)
        x = self.fce(x)
        return x


pinn = FCN(1, 1, 16, 3)
t_boundary = torch.tensor(0.).view(-1, 1).requires_grad_(True)
t_physics = torch.linspace(0, 1, 30).view(-1, 1).requires_grad_(True)
t_test = torch.linspace(0, 1, 50).view(-1, 1)
u_exact = exact_solution(d, w0, t_test)
lambda1, lambda2 = 1e-1, 1e-4


def losses():
    u = pinn(t_boundary)
    loss1 = (torch.squeeze(u) - 1) ** 2
    dudt = torch.autograd.grad(u, t_boundary, torch.ones_like(u), create_graph=True)[0]
    loss2 = (torch.squeeze(dudt) - 0) ** 2
    u = pinn(t_physics)
    dudt = torch.autograd.grad(u, t_physics, torch.ones_like(u), create_graph=True)[0]
    d2udt2 = torch.autograd.grad(dudt, t_physics, torch.ones_like(dudt), create_graph=True)[0]
    loss3 = torch.mean((d2udt2 + mu * dudt + k * u) ** 2)
    return loss1, loss2, loss3


optimiser = torch.optim.Adam(pinn.parameters(), lr=1e-2)
for i in range(60):
    optimiser.zero_grad()
    loss1, loss2, loss3 = losses()
    loss = loss1 + lambda1 * loss2 + lambda2 * loss3
    loss.backward()
    optimiser.step()
    if i % 20 == 0:
        print(i, f"{loss1.item():.6f} {loss2.item():.6f} {loss3.item():.6f}")

optimiser = torch.optim.LBFGS(pinn.parameters(), lr=1, max_iter=20, history_size=10,
                              line_search_fn="strong_wolfe")


def closure():
    optimiser.zero_grad()
    loss1, loss2, loss3 = losses()
    loss = loss1 + lambda1 * loss2 + lambda2 * loss3
    loss.backward()
    return loss


for i in range(2):
    loss = optimiser.step(closure)
    print("lbfgs", i, f"{loss.item():.6f}")
state = optimiser.state[optimiser._params[0]]
print("func_evals", state["func_evals"], "n_iter", state["n_iter"])

with torch.no_grad():
    u = pinn(t_test)
err = (u - u_exact).abs().max().item()
print("max error", f"{err:.4f}", "u(0.5)", f"{u[25].item():.4f}", "exact", f"{u_exact[25].item():.4f}")
print(u.dtype, pinn.fce.weight.dtype)
torch.set_default_dtype(torch.float32)
