"""A neural ODE fitted to a spiral trajectory the way the 'neural ODEs from scratch' posts write
it (no torchdiffeq): an ODEFunc MLP with Tanh, a fixed-step RK4 integrator (odeint-like: the
solution at every time point, torch.stack of the states), batches of short random sub-
trajectories (get_batch with torch.from_numpy indices), L1 loss, RMSprop, gradients through the
unrolled solver; the trained model's long-horizon prediction and the ODE's Euler/RK4 agreement
on a linear system with a known solution (torch.linalg.matrix_exp)."""
# ruff: noqa: RUF007  (written in the tutorial's own style)
import numpy as np
import torch
from torch import nn

torch.manual_seed(0)
np.random.seed(0)

data_size, batch_time, batch_size = 200, 10, 16
true_y0 = torch.tensor([[2.0, 0.0]])
t = torch.linspace(0.0, 5.0, data_size)
true_A = torch.tensor([[-0.1, 2.0], [-2.0, -0.1]])


def odeint(func, y0, t, method="rk4"):
    ys = [y0]
    y = y0
    for t0, t1 in zip(t[:-1], t[1:]):
        h = t1 - t0
        if method == "euler":
            y = y + h * func(t0, y)
        else:
            k1 = func(t0, y)
            k2 = func(t0 + h / 2, y + h / 2 * k1)
            k3 = func(t0 + h / 2, y + h / 2 * k2)
            k4 = func(t1, y + h * k3)
            y = y + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        ys.append(y)
    return torch.stack(ys)


class Lambda(nn.Module):
    def forward(self, t, y):
        return torch.mm(y ** 3, true_A)


with torch.no_grad():
    true_y = odeint(Lambda(), true_y0, t)
print(true_y.shape, true_y[-1])


def get_batch():
    s = torch.from_numpy(np.random.choice(np.arange(data_size - batch_time, dtype=np.int64),
                                          batch_size, replace=False))
    batch_y0 = true_y[s]
    batch_t = t[:batch_time]
    batch_y = torch.stack([true_y[s + i] for i in range(batch_time)], dim=0)
    return batch_y0, batch_t, batch_y


class ODEFunc(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(2, 32), nn.Tanh(), nn.Linear(32, 2))
        for m in self.net.modules():
            if isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, mean=0, std=0.1)
                nn.init.constant_(m.bias, val=0)

    def forward(self, t, y):
        return self.net(y ** 3)


func = ODEFunc()
optimizer = torch.optim.RMSprop(func.parameters(), lr=1e-3)
for itr in range(1, 31):
    optimizer.zero_grad()
    batch_y0, batch_t, batch_y = get_batch()
    pred_y = odeint(func, batch_y0, batch_t)
    loss = torch.mean(torch.abs(pred_y - batch_y))
    loss.backward()
    optimizer.step()
    if itr % 10 == 0:
        with torch.no_grad():
            pred_y = odeint(func, true_y0, t[:50])
            total = torch.mean(torch.abs(pred_y - true_y[:50]))
        print(f"Iter {itr:04d} | Batch Loss {loss.item():.6f} | Total Loss {total.item():.6f}")

# a linear ODE dy/dt = y A has the solution y0 expm(A t)
A = torch.tensor([[-0.5, 1.0], [-1.0, -0.5]])
lin = lambda t_, y: y @ A
ts = torch.linspace(0, 2, 41)
exact = true_y0 @ torch.linalg.matrix_exp(A * 2.0)
rk4 = odeint(lin, true_y0, ts)[-1]
euler = odeint(lin, true_y0, ts, method="euler")[-1]
print(exact, rk4, euler)
print((rk4 - exact).abs().max().item() < 1e-5, (euler - exact).abs().max().item() > 1e-3)
