"""Activation checkpointing as the torch.utils.checkpoint docs and tutorials use it: a deep
nn.Sequential trained with checkpoint_sequential(model, segments, x, use_reentrant=False), a
block wrapped by checkpoint(fn, x, use_reentrant=False) inside forward, and the same network
without checkpointing: the losses and gradients must agree exactly, step by step."""
# ruff: noqa: PLR0402  (written in the tutorial's own style)
import torch
import torch.nn as nn
from torch.utils.checkpoint import checkpoint, checkpoint_sequential

torch.manual_seed(0)

layers = []
for _ in range(6):
    layers += [nn.Linear(16, 16), nn.Tanh()]
model = nn.Sequential(*layers, nn.Linear(16, 1))

x = torch.randn(32, 16, requires_grad=True)
y = torch.randn(32, 1)

out = checkpoint_sequential(model, 3, x, use_reentrant=False)
loss = nn.functional.mse_loss(out, y)
loss.backward()
g_ckpt = [p.grad.clone() for p in model.parameters()]
gx_ckpt = x.grad.clone()
model.zero_grad()
x.grad = None

loss2 = nn.functional.mse_loss(model(x), y)
loss2.backward()
print(loss.item(), loss2.item())
print(all(torch.equal(a, p.grad) for a, p in zip(g_ckpt, model.parameters())))
print(torch.allclose(gx_ckpt, x.grad))
print(gx_ckpt.abs().sum())


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Linear(16, 32)
        self.block = nn.Sequential(nn.Linear(32, 32), nn.GELU(), nn.Linear(32, 32))
        self.head = nn.Linear(32, 1)

    def forward(self, x, use_ckpt=True):
        h = torch.relu(self.stem(x))
        if use_ckpt:
            h = h + checkpoint(self.block, h, use_reentrant=False)
        else:
            h = h + self.block(h)
        return self.head(h)


net = Net()
opt = torch.optim.Adam(net.parameters(), lr=1e-2)
for epoch in range(8):
    opt.zero_grad()
    loss = nn.functional.mse_loss(net(x.detach()), y)
    loss.backward()
    g1 = [p.grad.clone() for p in net.parameters()]
    opt.zero_grad()
    nn.functional.mse_loss(net(x.detach(), use_ckpt=False), y).backward()
    same = all(torch.allclose(a, p.grad) for a, p in zip(g1, net.parameters()))
    opt.step()
    print(f"epoch {epoch} loss {loss.item():.6f} same grads {same}")
