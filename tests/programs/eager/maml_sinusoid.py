"""MAML on sinusoid regression as the PyTorch MAML tutorials and learn2learn-free re-implementations
write it (Finn et al.'s toy task): tasks y = A sin(x - phase) sampled with NumPy, an inner loop
that adapts a copy of the weights with torch.autograd.grad(create_graph=True) and evaluates
the adapted weights through torch.func.functional_call on a dict of named tensors, and an
outer Adam step on the query loss differentiated through the inner steps (second order); a
first-order variant (create_graph=False, grads detached) is compared, and after meta-training a
few adaptation steps on a new task are set beside the same steps from a plain pretrained network."""
# ruff: noqa: PLR0402  (written in the tutorial's own style)
from collections import OrderedDict

import numpy as np
import torch
import torch.nn as nn
from torch.func import functional_call

torch.manual_seed(0)
rng = np.random.RandomState(0)


def sample_task():
    amplitude = rng.uniform(0.1, 5.0)
    phase = rng.uniform(0, np.pi)

    def draw(k):
        x = rng.uniform(-5.0, 5.0, size=(k, 1)).astype(np.float32)
        return torch.from_numpy(x), torch.from_numpy(amplitude * np.sin(x - phase))
    draw.amplitude, draw.phase = amplitude, phase
    return draw


class SineModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden1 = nn.Linear(1, 40)
        self.hidden2 = nn.Linear(40, 40)
        self.out = nn.Linear(40, 1)

    def forward(self, x):
        x = torch.relu(self.hidden1(x))
        x = torch.relu(self.hidden2(x))
        return self.out(x)


def adapt(model, params, x, y, inner_lr, steps, first_order=False):
    for _ in range(steps):
        loss = nn.functional.mse_loss(functional_call(model, params, (x,)), y)
        grads = torch.autograd.grad(loss, params.values(), create_graph=not first_order)
        params = OrderedDict((name, p - inner_lr * (g.detach() if first_order else g))
                             for (name, p), g in zip(params.items(), grads))
    return params


model = SineModel()
params = OrderedDict(model.named_parameters())
print(list(params), [tuple(p.shape) for p in params.values()])
x = torch.linspace(-1, 1, 5).unsqueeze(1)
print(torch.allclose(functional_call(model, params, (x,)), model(x)))

# second-order vs first-order meta-gradients on one task
draw = sample_task()
xs, ys = draw(10)
xq, yq = draw(10)
for first_order in (False, True):
    model.zero_grad()
    fast = adapt(model, params, xs, ys, 0.01, 2, first_order)
    nn.functional.mse_loss(functional_call(model, fast, (xq,)), yq).backward()
    g = torch.cat([p.grad.flatten() for p in model.parameters()])
    print(f"first_order={first_order} meta-grad norm {g.norm().item():.5f} "
          f"fast requires_grad {fast['out.bias'].requires_grad}")

meta_opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for it in range(150):
    meta_opt.zero_grad()
    meta_loss = 0.
    for _ in range(4):
        draw = sample_task()
        xs, ys = draw(10)
        xq, yq = draw(10)
        fast = adapt(model, OrderedDict(model.named_parameters()), xs, ys, 0.01, 1)
        meta_loss = meta_loss + nn.functional.mse_loss(functional_call(model, fast, (xq,)), yq)
    meta_loss = meta_loss / 4
    meta_loss.backward()
    meta_opt.step()
    if it % 50 == 0 or it == 149:
        print(f"meta-iter {it} meta-loss {meta_loss.item():.4f}")

# plain pretraining on the same kind of data, for comparison
baseline = SineModel()
opt = torch.optim.Adam(baseline.parameters(), lr=1e-3)
for it in range(150):
    draw = sample_task()
    xb, yb = draw(20)
    loss = nn.functional.mse_loss(baseline(xb), yb)
    opt.zero_grad()
    loss.backward()
    opt.step()

draw = sample_task()
xs, ys = draw(10)
xt = torch.linspace(-5, 5, 50).unsqueeze(1)
yt = torch.from_numpy(draw.amplitude * np.sin(xt.numpy() - draw.phase)).float()
for name, net in (("maml", model), ("pretrained", baseline)):
    losses = []
    for steps in (0, 1, 5):
        fast = adapt(net, OrderedDict(net.named_parameters()), xs, ys, 0.01, steps)
        with torch.no_grad():
            losses.append(nn.functional.mse_loss(functional_call(net, fast, (xt,)), yt).item())
    print(name, " ".join(f"{v:.4f}" for v in losses))
