"""A sparsely-gated mixture-of-experts layer as the MoE tutorials write it (Shazeer et al.'s
noisy top-k gating): a gate Linear plus a softplus'd noise Linear, torch.topk over the expert
logits, softmax over the kept ones scattered back into a dense gate matrix with scatter, the
tokens dispatched to each expert with nonzero/index_select and combined with index_add_, the
load-balancing loss from the coefficient of variation of importance and load, and a few Adam
steps of training on a synthetic mixture-of-linear-regressions task."""
import torch
import torch.nn.functional as F
from torch import nn

torch.manual_seed(0)


class Expert(nn.Module):
    def __init__(self, d_in, d_hidden, d_out):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(d_in, d_hidden), nn.GELU(), nn.Linear(d_hidden, d_out))

    def forward(self, x):
        return self.net(x)


class MoE(nn.Module):
    def __init__(self, d_in, d_out, num_experts=4, k=2, d_hidden=16):
        super().__init__()
        self.num_experts, self.k = num_experts, k
        self.experts = nn.ModuleList([Expert(d_in, d_hidden, d_out) for _ in range(num_experts)])
        self.w_gate = nn.Linear(d_in, num_experts, bias=False)
        self.w_noise = nn.Linear(d_in, num_experts, bias=False)

    @staticmethod
    def cv_squared(x):
        eps = 1e-10
        if x.shape[0] == 1:
            return torch.tensor([0], device=x.device, dtype=x.dtype)
        return x.float().var() / (x.float().mean() ** 2 + eps)

    def gating(self, x, train):
        clean_logits = self.w_gate(x)
        if train:
            noise_std = F.softplus(self.w_noise(x)) + 1e-2
            logits = clean_logits + torch.randn_like(clean_logits) * noise_std
        else:
            logits = clean_logits
        top_logits, top_indices = logits.topk(self.k, dim=1)
        top_k_gates = F.softmax(top_logits, dim=1)
        zeros = torch.zeros_like(logits, requires_grad=True)
        gates = zeros.scatter(1, top_indices, top_k_gates)
        return gates, top_indices

    def forward(self, x, train=True):
        gates, _top_indices = self.gating(x, train)
        importance = gates.sum(0)
        load = (gates > 0).sum(0).float()
        aux_loss = self.cv_squared(importance) + self.cv_squared(load)
        out = torch.zeros(x.shape[0], self.experts[0].net[-1].out_features)
        for e, expert in enumerate(self.experts):
            idx = torch.nonzero(gates[:, e] > 0, as_tuple=True)[0]
            if idx.numel() == 0:
                continue
            y = expert(x.index_select(0, idx)) * gates[idx, e].unsqueeze(1)
            out = out.index_add(0, idx, y)
        return out, aux_loss, load


# data: four linear regimes picked by the sign pattern of the first two features
N, D = 256, 6
X = torch.randn(N, D)
regime = (X[:, 0] > 0).long() * 2 + (X[:, 1] > 0).long()
W = torch.randn(4, D, 1)
Y = torch.bmm(X.unsqueeze(1), W[regime]).squeeze(1) + 0.05 * torch.randn(N, 1)
print(torch.bincount(regime))

moe = MoE(D, 1)
gates, top = moe.gating(X[:5], train=False)
print(gates.sum(1), top)
print(sum(p.numel() for p in moe.parameters()))
opt = torch.optim.Adam(moe.parameters(), lr=0.01)
for step in range(40):
    opt.zero_grad()
    pred, aux, load = moe(X)
    mse = F.mse_loss(pred, Y)
    loss = mse + 0.01 * aux
    loss.backward()
    opt.step()
    if step % 10 == 9:
        print(f"step {step + 1} mse {mse.item():.4f} aux {aux.item():.4f} load {load.tolist()}")

with torch.no_grad():
    pred, aux, load = moe(X, train=False)
    gates, top = moe.gating(X, train=False)
print(f"eval mse {F.mse_loss(pred, Y).item():.4f}")
counts = torch.zeros(4, 4)
counts.index_put_((regime, top[:, 0]), torch.ones(N), accumulate=True)
print(counts)
