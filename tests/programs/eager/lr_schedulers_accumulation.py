"""Learning-rate scheduler recipes and gradient accumulation, as the PyTorch docs and recipes
write them: a regression trained with gradient accumulation (loss / accumulation_steps, an
optimizer step every 4 minibatches, clip_grad_norm_ before it, printing the returned total
norm), under CosineAnnealingWarmRestarts stepped with fractional epochs (epoch + i / iters, the
docstring's recipe); then the get_last_lr() sequences of MultiStepLR, ExponentialLR, LambdaLR,
LinearLR + SequentialLR, CyclicLR, CosineAnnealingLR chained with ExponentialLR (two schedulers
on one optimizer), and ReduceLROnPlateau on a loss that stalls; and a scheduler's state_dict
restored into a fresh one.  (torch.randn is replaced by NumPy draws, the same in both.)"""
import numpy as np
import torch
from torch import nn
from torch.optim.lr_scheduler import (
    ChainedScheduler,
    CosineAnnealingLR,
    CosineAnnealingWarmRestarts,
    CyclicLR,
    ExponentialLR,
    LambdaLR,
    LinearLR,
    MultiStepLR,
    ReduceLROnPlateau,
    SequentialLR,
)

rng = np.random.default_rng(0)
X = torch.from_numpy(rng.standard_normal((64, 5)).astype(np.float32))
Y = X @ torch.tensor([[1.0], [-2.0], [0.5], [3.0], [0.0]]) + 0.1

model = nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 1))
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.from_numpy(rng.uniform(-0.5, 0.5, tuple(p.shape)).astype(np.float32)))
loss_fn = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
scheduler = CosineAnnealingWarmRestarts(optimizer, T_0=2, T_mult=2, eta_min=0.001)

accumulation_steps = 4
iters = 8                      # minibatches of 8 per epoch
for epoch in range(6):
    for i in range(iters):
        inputs, labels = X[i * 8:(i + 1) * 8], Y[i * 8:(i + 1) * 8]
        outputs = model(inputs)
        loss = loss_fn(outputs, labels)
        loss = loss / accumulation_steps          # Normalize our loss (if averaged)
        loss.backward()                           # Backward pass
        if (i + 1) % accumulation_steps == 0:     # Wait for several backward steps
            total_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
            optimizer.step()                      # Now we can do an optimizer step
            optimizer.zero_grad()                 # Reset gradients tensors
        scheduler.step(epoch + i / iters)
    with torch.no_grad():
        full = loss_fn(model(X), Y).item()
    print(f"epoch {epoch} lr {scheduler.get_last_lr()[0]:.5f} norm {total_norm:.4f} "
          f"loss {full:.4f}")


def lrs(make, steps, metric=None):
    opt = torch.optim.SGD([nn.Parameter(torch.zeros(1))], lr=0.1)
    sched = make(opt)
    out = []
    for s in range(steps):
        opt.step()
        if metric is None:
            sched.step()
        else:
            sched.step(metric[s])
        out.append(round(opt.param_groups[0]["lr"], 6))
    return out


print("MultiStepLR", lrs(lambda o: MultiStepLR(o, milestones=[2, 4], gamma=0.1), 6))
print("ExponentialLR", lrs(lambda o: ExponentialLR(o, gamma=0.9), 4))
print("LambdaLR", lrs(lambda o: LambdaLR(o, lr_lambda=lambda epoch: 0.95 ** epoch), 4))
print("SequentialLR", lrs(lambda o: SequentialLR(
    o, schedulers=[LinearLR(o, start_factor=0.1, total_iters=2), ExponentialLR(o, gamma=0.9)],
    milestones=[2]), 6))
print("CyclicLR", lrs(lambda o: CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=2), 6))
print("Chained", lrs(lambda o: ChainedScheduler(
    [CosineAnnealingLR(o, T_max=4), ExponentialLR(o, gamma=0.9)]), 5))
print("Plateau", lrs(lambda o: ReduceLROnPlateau(o, mode="min", factor=0.5, patience=1),
                     8, metric=[1.0, 0.9, 0.9, 0.9, 0.9, 0.8, 0.8, 0.8]))

opt = torch.optim.SGD([nn.Parameter(torch.zeros(1))], lr=0.1)
sched = MultiStepLR(opt, milestones=[2, 4], gamma=0.1)
for _ in range(3):
    opt.step()
    sched.step()
state = sched.state_dict()
opt2 = torch.optim.SGD([nn.Parameter(torch.zeros(1))], lr=0.1)
sched2 = MultiStepLR(opt2, milestones=[2, 4], gamma=0.1)
sched2.load_state_dict(state)
print(state["last_epoch"], state["milestones"], sched2.get_last_lr(), sched2.last_epoch)
