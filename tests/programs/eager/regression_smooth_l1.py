"""A regression with nn.SmoothL1Loss, Adam with weight decay and a StepLR schedule, then a
ReduceLROnPlateau phase on a validation loss; prints the learning rate and losses."""
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn, optim
from torch.optim import lr_scheduler
from torch.utils.data import DataLoader, TensorDataset, random_split

rng = np.random.default_rng(7)
X = rng.standard_normal((200, 5)).astype(np.float32)
true_w = np.array([1.5, -2.0, 0.5, 0.0, 3.0], dtype=np.float32)
Y = (X @ true_w + 0.3 + rng.standard_normal(200).astype(np.float32) * 0.1)[:, None]
Y[::17] += 5.0                                        # outliers: why smooth L1

dataset = TensorDataset(torch.tensor(X), torch.tensor(Y))
train_set, val_set = random_split(dataset, [0.8, 0.2], generator=torch.Generator().manual_seed(0))
print("split", len(train_set), len(val_set))
# (the split's members depend on each library's random stream: train on a fixed split below)
train_idx, val_idx = list(range(160)), list(range(160, 200))
train_loader = DataLoader(TensorDataset(torch.tensor(X[train_idx]), torch.tensor(Y[train_idx])),
                          batch_size=32, drop_last=True)
Xv, Yv = torch.tensor(X[val_idx]), torch.tensor(Y[val_idx])


class Regressor(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(5, 16)
        self.out = nn.Linear(16, 1)

    def forward(self, x):
        return self.out(F.silu(self.hidden(x)))


model = Regressor()
r = np.random.default_rng(1)
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.tensor(r.uniform(-0.3, 0.3, tuple(p.shape)).astype(np.float32)))

criterion = nn.SmoothL1Loss(beta=0.5)
optimizer = optim.Adam(model.parameters(), lr=0.05, weight_decay=1e-4)
scheduler = lr_scheduler.StepLR(optimizer, step_size=5, gamma=0.5)
for epoch in range(15):
    model.train()
    total = 0.0
    for xb, yb in train_loader:
        optimizer.zero_grad()
        loss = criterion(model(xb), yb)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), max_norm=5.0)
        optimizer.step()
        total += loss.item()
    scheduler.step()
    model.eval()
    with torch.no_grad():
        val = F.smooth_l1_loss(model(Xv), Yv, beta=0.5).item()
        mae = F.l1_loss(model(Xv), Yv).item()
    if epoch % 3 == 2:
        print(f"epoch {epoch:2d} lr {scheduler.get_last_lr()[0]:.5f} train {total / 5:.4f} "
              f"val {val:.4f} mae {mae:.4f}")

plateau = lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.5, patience=0)
for epoch in range(4):
    for xb, yb in train_loader:
        optimizer.zero_grad()
        criterion(model(xb), yb).backward()
        optimizer.step()
    with torch.no_grad():
        val = F.huber_loss(model(Xv), Yv, delta=0.5).item()
    plateau.step(val)
    print(f"plateau {epoch} lr {optimizer.param_groups[0]['lr']:.5f} val {val:.4f}")
print("weights", [round(v, 3) for v in model.hidden.weight[0].tolist()])
