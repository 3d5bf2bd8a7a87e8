"""Stochastic Weight Averaging as the PyTorch blog post and torch.optim.swa_utils docs use it:
an nn.Sequential regressor with BatchNorm1d trained by SGD under CosineAnnealingLR, then
AveragedModel(model) updated by update_parameters after swa_start with SWALR
(anneal_strategy="cos", anneal_epochs), torch.optim.swa_utils.update_bn over the loader to
recompute the BatchNorm statistics, the averaged model's n_averaged buffer and parameters,
an exponential moving average via get_ema_multi_avg_fn, and test losses of the plain, SWA
and EMA models."""
# ruff: noqa: PLR0402  (written in the docs' own style)
import torch
import torch.nn as nn
from torch.optim.swa_utils import SWALR, AveragedModel, get_ema_multi_avg_fn, update_bn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
X = torch.randn(128, 4)
w_true = torch.tensor([[1.5], [-2.0], [0.5], [0.0]])
y = X @ w_true + 0.3 * torch.sin(3 * X[:, :1]) + 0.05 * torch.randn(128, 1)
loader = DataLoader(TensorDataset(X[:96], y[:96]), batch_size=16, shuffle=True)
X_test, y_test = X[96:], y[96:]

model = nn.Sequential(nn.Linear(4, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 1))
loss_fn = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
swa_model = AveragedModel(model)
ema_model = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(0.9))
scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=10)
swa_start = 5
swa_scheduler = SWALR(optimizer, swa_lr=0.02, anneal_strategy="cos", anneal_epochs=3)

for epoch in range(12):
    model.train()
    total = 0.0
    for input, target in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(input), target)
        loss.backward()
        optimizer.step()
        ema_model.update_parameters(model)
        total += loss.item() * input.size(0)
    if epoch > swa_start:
        swa_model.update_parameters(model)
        swa_scheduler.step()
    else:
        scheduler.step()
    print(f"epoch {epoch} loss {total / 96:.6f} lr {optimizer.param_groups[0]['lr']:.6f}")

print("n_averaged", swa_model.n_averaged.item(), ema_model.n_averaged.item())
print("swa params", [tuple(p.shape) for p in swa_model.parameters()])
print("module", type(swa_model.module).__name__, len(swa_model.module))

before = swa_model.module[1].running_mean.clone()
update_bn(loader, swa_model)
update_bn(loader, ema_model)
print("bn stats changed", not torch.equal(before, swa_model.module[1].running_mean))
print("momentum restored", swa_model.module[1].momentum)

model.eval()
swa_model.eval()
ema_model.eval()
with torch.no_grad():
    for name, m in (("plain", model), ("swa", swa_model), ("ema", ema_model)):
        print(name, f"{loss_fn(m(X_test), y_test).item():.6f}")
    print("swa first weights", [round(v, 4) for v in swa_model.module[0].weight[0].tolist()])
    print("ema first weights", [round(v, 4) for v in ema_model.module[0].weight[0].tolist()])
sd = swa_model.state_dict()
print("state_dict keys", list(sd.keys())[:3], len(sd))
