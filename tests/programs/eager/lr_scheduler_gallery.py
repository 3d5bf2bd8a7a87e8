"""The learning-rate scheduler gallery the 'guide to PyTorch LR schedulers' posts draw: each
scheduler stepped over 30 iterations on a one-parameter SGD, its get_last_lr() recorded (the
posts plot these lists; here they are printed rounded): LambdaLR, MultiplicativeLR, StepLR,
MultiStepLR, ConstantLR, LinearLR, ExponentialLR, PolynomialLR, CosineAnnealingLR,
CosineAnnealingWarmRestarts (T_mult=2, stepped with fractional epochs too), CyclicLR
(triangular2 and exp_range, with momentum cycling), OneCycleLR (cos and linear, three_phase),
SequentialLR (warm-up then cosine), ChainedScheduler, and ReduceLROnPlateau with patience,
cooldown and threshold_mode='abs' fed a loss curve; then a state_dict round trip."""
import math

import torch
from torch.optim import lr_scheduler

torch.manual_seed(0)


def make_opt(lr=0.1, momentum=0.9):
    return torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr, momentum=momentum)


def run(name, build, steps=30):
    opt = make_opt()
    sched = build(opt)
    lrs, moms = [], []
    for _ in range(steps):
        opt.step()
        lrs.append(sched.get_last_lr()[0])
        moms.append(opt.param_groups[0]["momentum"])
        sched.step()
    print(f"{name:28s}", " ".join(f"{v:.4g}" for v in lrs[::3]))
    return lrs, moms


run("LambdaLR", lambda o: lr_scheduler.LambdaLR(o, lr_lambda=lambda e: 0.95 ** e))
run("MultiplicativeLR", lambda o: lr_scheduler.MultiplicativeLR(o, lr_lambda=lambda e: 0.9))
run("StepLR", lambda o: lr_scheduler.StepLR(o, step_size=7, gamma=0.5))
run("MultiStepLR", lambda o: lr_scheduler.MultiStepLR(o, milestones=[5, 12, 20], gamma=0.3))
run("ConstantLR", lambda o: lr_scheduler.ConstantLR(o, factor=0.25, total_iters=8))
run("LinearLR", lambda o: lr_scheduler.LinearLR(o, start_factor=0.1, end_factor=1.0, total_iters=10))
run("ExponentialLR", lambda o: lr_scheduler.ExponentialLR(o, gamma=0.9))
run("PolynomialLR", lambda o: lr_scheduler.PolynomialLR(o, total_iters=20, power=2.0))
run("CosineAnnealingLR", lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=15, eta_min=0.01))
run("CosineAnnealingWarmRestarts", lambda o: lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=4, T_mult=2, eta_min=1e-3))
_, moms = run("CyclicLR triangular2", lambda o: lr_scheduler.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=4, mode="triangular2"))
print("momentum", " ".join(f"{m:.3g}" for m in moms[:9]))
run("CyclicLR exp_range", lambda o: lr_scheduler.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=3, step_size_down=5, mode="exp_range", gamma=0.95))
_, moms = run("OneCycleLR cos", lambda o: lr_scheduler.OneCycleLR(o, max_lr=0.5, total_steps=30))
print("momentum", " ".join(f"{m:.3g}" for m in moms[::5]))
run("OneCycleLR linear 3-phase", lambda o: lr_scheduler.OneCycleLR(o, max_lr=0.5, epochs=3, steps_per_epoch=10, anneal_strategy="linear", three_phase=True, div_factor=10, final_div_factor=100))
run("SequentialLR", lambda o: lr_scheduler.SequentialLR(o, [lr_scheduler.LinearLR(o, start_factor=0.01, total_iters=5), lr_scheduler.CosineAnnealingLR(o, T_max=25)], milestones=[5]))
run("ChainedScheduler", lambda o: lr_scheduler.ChainedScheduler([lr_scheduler.ConstantLR(o, factor=0.5, total_iters=6), lr_scheduler.ExponentialLR(o, gamma=0.95)]))

opt = make_opt()
warm = lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=5, T_mult=1)
iters = 4
vals = []
for epoch in range(3):
    for i in range(iters):
        warm.step(epoch + i / iters)
        vals.append(opt.param_groups[0]["lr"])
print("fractional epochs", " ".join(f"{v:.4f}" for v in vals))

opt = make_opt()
plateau = lr_scheduler.ReduceLROnPlateau(opt, mode="min", factor=0.5, patience=2, cooldown=1, threshold=0.01, threshold_mode="abs", min_lr=0.01)
losses = [1.0, 0.9, 0.895, 0.894, 0.893, 0.892, 0.7, 0.699, 0.698, 0.697, 0.696, 0.695, 0.694, 0.5, 0.5, 0.5, 0.5, 0.5]
history = []
for loss in losses:
    opt.step()
    plateau.step(loss)
    history.append(opt.param_groups[0]["lr"])
print("plateau", " ".join(f"{v:.4g}" for v in history), plateau.num_bad_epochs, plateau.best)
print(plateau.get_last_lr())

opt = make_opt()
sched = lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=20)
for _ in range(7):
    opt.step()
    sched.step()
sd = sched.state_dict()
print(sorted(k for k in sd if not k.startswith("_")), sd["last_epoch"], sd["_step_count"])
opt2 = make_opt()
sched2 = lr_scheduler.OneCycleLR(opt2, max_lr=1.0, total_steps=20)
sched2.load_state_dict(sd)
opt2.param_groups[0]["lr"] = opt.param_groups[0]["lr"]
for _ in range(3):
    opt.step()
    sched.step()
    opt2.step()
    sched2.step()
print(math.isclose(sched.get_last_lr()[0], sched2.get_last_lr()[0]), f"{sched.get_last_lr()[0]:.6f}")
