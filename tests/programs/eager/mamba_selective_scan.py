"""Mamba as johnma2006/mamba-minimal writes it (one file, pure PyTorch): in_proj splits x and the
gate with split(), a causal depthwise nn.Conv1d (groups=d_inner, padding=d_conv-1, trimmed
with [:, :, :l]), x_proj giving delta/B/C, softplus(dt_proj(delta)), A = -exp(A_log) from an
einops-style repeat of arange, the discretisation deltaA = exp(einsum('b l d, d n -> b l d n'))
and the sequential selective scan with stacked per-step einsums, RMSNorm residual blocks and
weight-tied logits; trained with Adam to predict the next token of a periodic sequence, with
the scan checked against the same recurrence written as a cumulative-product closed form."""
# ruff: noqa: PLR0402, RUF059  (written in the tutorial's own style)
import math
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


@dataclass
class ModelArgs:
    d_model: int = 16
    n_layer: int = 2
    vocab_size: int = 10
    d_state: int = 8
    expand: int = 2
    dt_rank: int = 0
    d_conv: int = 4
    conv_bias: bool = True
    bias: bool = False

    def __post_init__(self):
        self.d_inner = int(self.expand * self.d_model)
        if self.dt_rank == 0:
            self.dt_rank = math.ceil(self.d_model / 16)


class RMSNorm(nn.Module):
    def __init__(self, d_model, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(d_model))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


class MambaBlock(nn.Module):
    def __init__(self, args):
        super().__init__()
        self.args = args
        self.in_proj = nn.Linear(args.d_model, args.d_inner * 2, bias=args.bias)
        self.conv1d = nn.Conv1d(in_channels=args.d_inner, out_channels=args.d_inner,
                                bias=args.conv_bias, kernel_size=args.d_conv,
                                groups=args.d_inner, padding=args.d_conv - 1)
        self.x_proj = nn.Linear(args.d_inner, args.dt_rank + args.d_state * 2, bias=False)
        self.dt_proj = nn.Linear(args.dt_rank, args.d_inner, bias=True)
        A = torch.arange(1, args.d_state + 1).unsqueeze(0).repeat(args.d_inner, 1)
        self.A_log = nn.Parameter(torch.log(A.float()))
        self.D = nn.Parameter(torch.ones(args.d_inner))
        self.out_proj = nn.Linear(args.d_inner, args.d_model, bias=args.bias)

    def forward(self, x):
        (b, l, d) = x.shape
        x_and_res = self.in_proj(x)
        (x, res) = x_and_res.split(split_size=[self.args.d_inner, self.args.d_inner], dim=-1)
        x = x.transpose(1, 2)                  # rearrange(x, 'b l d_in -> b d_in l')
        x = self.conv1d(x)[:, :, :l]
        x = x.transpose(1, 2)
        x = F.silu(x)
        y = self.ssm(x)
        y = y * F.silu(res)
        return self.out_proj(y)

    def ssm(self, x):
        (d_in, n) = self.A_log.shape
        A = -torch.exp(self.A_log.float())
        D = self.D.float()
        x_dbl = self.x_proj(x)
        (delta, B, C) = x_dbl.split(split_size=[self.args.dt_rank, n, n], dim=-1)
        delta = F.softplus(self.dt_proj(delta))
        return self.selective_scan(x, delta, A, B, C, D)

    def selective_scan(self, u, delta, A, B, C, D):
        (b, l, d_in) = u.shape
        n = A.shape[1]
        deltaA = torch.exp(torch.einsum("bld,dn->bldn", delta, A))
        deltaB_u = torch.einsum("bld,bln,bld->bldn", delta, B, u)
        x = torch.zeros((b, d_in, n), device=deltaA.device)
        ys = []
        for i in range(l):
            x = deltaA[:, i] * x + deltaB_u[:, i]
            y = torch.einsum("bdn,bn->bd", x, C[:, i, :])
            ys.append(y)
        y = torch.stack(ys, dim=1)
        return y + u * D


class ResidualBlock(nn.Module):
    def __init__(self, args):
        super().__init__()
        self.mixer = MambaBlock(args)
        self.norm = RMSNorm(args.d_model)

    def forward(self, x):
        return self.mixer(self.norm(x)) + x


class Mamba(nn.Module):
    def __init__(self, args):
        super().__init__()
        self.embedding = nn.Embedding(args.vocab_size, args.d_model)
        self.layers = nn.ModuleList([ResidualBlock(args) for _ in range(args.n_layer)])
        self.norm_f = RMSNorm(args.d_model)
        self.lm_head = nn.Linear(args.d_model, args.vocab_size, bias=False)
        self.lm_head.weight = self.embedding.weight    # tie weights

    def forward(self, input_ids):
        x = self.embedding(input_ids)
        for layer in self.layers:
            x = layer(x)
        return self.lm_head(self.norm_f(x))


args = ModelArgs()
print(args)
model = Mamba(args)
print(sum(p.numel() for p in model.parameters()), model.lm_head.weight is model.embedding.weight)
print(model.layers[0].mixer.A_log[:2, :4])

# the scan against its closed form: x_t = sum_s (prod_{s<r<=t} dA_r) dBu_s
block = model.layers[0].mixer
u, delta = torch.randn(2, 5, 32), F.softplus(torch.randn(2, 5, 32))
Bm, Cm = torch.randn(2, 5, 8), torch.randn(2, 5, 8)
A = -torch.exp(block.A_log.detach())
y_scan = block.selective_scan(u, delta, A, Bm, Cm, block.D.detach())
logdA = torch.einsum("bld,dn->bldn", delta, A)
cum = torch.cumsum(logdA, dim=1)
dBu = torch.einsum("bld,bln,bld->bldn", delta, Bm, u)
states = torch.stack([(torch.exp(cum[:, t:t + 1] - cum[:, :t + 1]) * dBu[:, :t + 1]).sum(1)
                      for t in range(5)], dim=1)
y_closed = torch.einsum("bldn,bln->bld", states, Cm) + u * block.D.detach()
print(y_scan.shape, torch.allclose(y_scan, y_closed, atol=1e-4))

seq = torch.tensor([0, 3, 1, 4, 1, 5, 9, 2, 6])
data = torch.stack([seq.roll(-k).repeat(2) for k in range(6)])      # (6, 18)
opt = torch.optim.Adam(model.parameters(), lr=5e-3)
for step in range(30):
    logits = model(data[:, :-1])
    loss = F.cross_entropy(logits.transpose(1, 2), data[:, 1:])
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 10 == 0 or step == 29:
        print(f"step {step:2d} loss {loss.item():.4f} "
              f"|dA_log| {block.A_log.grad.abs().sum().item():.4f}")

with torch.no_grad():
    pred = model(data[:, :-1]).argmax(-1)
print("accuracy", (pred[:, 9:] == data[:, 10:]).float().mean().item())
