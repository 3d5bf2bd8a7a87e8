"""New optimizers and every lr_scheduler against real PyTorch, step for step: the same model,
data and hyper-parameters, parameters compared after each step (float64)."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dt

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)
W0 = RNG.standard_normal((3, 4))
B0 = RNG.standard_normal(3)
X = RNG.standard_normal((8, 4))
Y = RNG.standard_normal((8, 3))


def _model(m):
    w = m.tensor(W0.copy(), requires_grad=True)
    b = m.tensor(B0.copy(), requires_grad=True)
    return w, b


def _loss(m, w, b):
    out = m.tensor(X) @ w.T + b
    return ((out - m.tensor(Y)) ** 2).mean() + (w.abs().sum() * 0.01)


def _run(m, make_opt, steps=6, groups=False):
    w, b = _model(m)
    params = [{"params": [w]}, {"params": [b], "lr": 0.05}] if groups else [w, b]
    opt = make_opt(m.optim, params)
    trace = []
    for _ in range(steps):
        opt.zero_grad()
        _loss(m, w, b).backward()
        opt.step()
        trace.append(np.concatenate([w.detach().numpy().ravel(), b.detach().numpy().ravel()]))
    return np.array(trace)


OPTIMIZERS = {
    "SGD momentum nesterov wd": lambda o, p: o.SGD(p, lr=0.1, momentum=0.9, nesterov=True,
                                                   weight_decay=0.01),
    "SGD dampening maximize": lambda o, p: o.SGD(p, lr=0.1, momentum=0.5, dampening=0.3,
                                                 maximize=True),
    "Adam amsgrad": lambda o, p: o.Adam(p, lr=0.05, amsgrad=True, weight_decay=0.1),
    "AdamW": lambda o, p: o.AdamW(p, lr=0.05, weight_decay=0.1),
    "RMSprop centered momentum": lambda o, p: o.RMSprop(p, lr=0.01, centered=True,
                                                        momentum=0.9),
    "Adagrad": lambda o, p: o.Adagrad(p, lr=0.1, lr_decay=0.01, weight_decay=0.1,
                                      initial_accumulator_value=0.1),
    "Adadelta": lambda o, p: o.Adadelta(p, lr=1.0, rho=0.8, weight_decay=0.05),
    "Adamax": lambda o, p: o.Adamax(p, lr=0.05, weight_decay=0.1),
    "NAdam": lambda o, p: o.NAdam(p, lr=0.05, weight_decay=0.1),
    "NAdam decoupled": lambda o, p: o.NAdam(p, lr=0.05, weight_decay=0.1,
                                            decoupled_weight_decay=True),
    "RAdam": lambda o, p: o.RAdam(p, lr=0.05, weight_decay=0.1),
    "RAdam decoupled": lambda o, p: o.RAdam(p, lr=0.05, weight_decay=0.1,
                                            decoupled_weight_decay=True),
}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
@pytest.mark.parametrize("groups", [False, True], ids=["one group", "two groups"])
def test_optimizer_matches_torch_step_for_step(name, groups):
    steps = 12 if name.startswith("RAdam") else 6          # RAdam rectifies from step 6
    got = _run(dt, OPTIMIZERS[name], steps, groups)
    want = _run(torch, OPTIMIZERS[name], steps, groups)
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("line_search", [None, "strong_wolfe"])
def test_lbfgs_matches_torch(line_search):
    def run(m):
        w, b = _model(m)
        opt = m.optim.LBFGS([w, b], lr=0.5, max_iter=8, history_size=4,
                            line_search_fn=line_search)
        trace = []
        for _ in range(3):
            def closure():
                opt.zero_grad()
                loss = ((m.tensor(X) @ w.T + b - m.tensor(Y)) ** 2).mean()
                loss.backward()
                return loss
            trace.append(float(opt.step(closure).detach()))
        return np.array(trace), w.detach().numpy()
    (lg, wg), (lw, ww) = run(dt), run(torch)
    np.testing.assert_allclose(lg, lw, rtol=1e-8)
    np.testing.assert_allclose(wg, ww, rtol=1e-7, atol=1e-10)


def test_add_param_group_state_dict_round_trip():
    w, b = _model(dt)
    opt = dt.optim.NAdam([w], lr=0.01)
    opt.add_param_group({"params": [b], "lr": 0.1})
    assert [g["lr"] for g in opt.param_groups] == [0.01, 0.1]
    _loss(dt, w, b).backward()
    opt.step()
    sd = opt.state_dict()
    w2, b2 = _model(dt)
    opt2 = dt.optim.NAdam([w2], lr=0.01)
    opt2.add_param_group({"params": [b2], "lr": 0.1})
    opt2.load_state_dict(sd)
    assert opt2.state_dict()["param_groups"] == sd["param_groups"]
    with pytest.raises(ValueError, match="Invalid learning rate"):
        dt.optim.Adagrad([w], lr=-1)


SCHEDULERS = {
    "StepLR": lambda s, o: s.StepLR(o, step_size=3, gamma=0.5),
    "MultiStepLR": lambda s, o: s.MultiStepLR(o, milestones=[2, 5, 5], gamma=0.1),
    "ExponentialLR": lambda s, o: s.ExponentialLR(o, gamma=0.9),
    "CosineAnnealingLR": lambda s, o: s.CosineAnnealingLR(o, T_max=4, eta_min=0.001),
    "CosineAnnealingWarmRestarts": lambda s, o: s.CosineAnnealingWarmRestarts(o, T_0=3,
                                                                              T_mult=2),
    "LambdaLR": lambda s, o: s.LambdaLR(o, lambda e: 0.95 ** e),
    "MultiplicativeLR": lambda s, o: s.MultiplicativeLR(o, lambda e: 0.9),
    "LinearLR": lambda s, o: s.LinearLR(o, start_factor=0.25, total_iters=4),
    "ConstantLR": lambda s, o: s.ConstantLR(o, factor=0.5, total_iters=3),
    "OneCycleLR": lambda s, o: s.OneCycleLR(o, max_lr=1.0, total_steps=14),
    "OneCycleLR three-phase linear": lambda s, o: s.OneCycleLR(
        o, max_lr=[1.0, 0.5], total_steps=14, three_phase=True, anneal_strategy="linear"),
    "CyclicLR triangular2": lambda s, o: s.CyclicLR(o, 0.01, 0.1, step_size_up=3,
                                                    mode="triangular2"),
    "CyclicLR exp_range": lambda s, o: s.CyclicLR(o, 0.01, 0.1, step_size_up=2,
                                                  step_size_down=3, mode="exp_range",
                                                  gamma=0.9),
    "SequentialLR": lambda s, o: s.SequentialLR(
        o, [s.LinearLR(o, start_factor=0.1, total_iters=3), s.ExponentialLR(o, gamma=0.8)],
        milestones=[4]),
    "ChainedScheduler": lambda s, o: s.ChainedScheduler(
        [s.ConstantLR(o, factor=0.5, total_iters=2), s.ExponentialLR(o, gamma=0.9)]),
}


def _lrs(m, name, momentum_opt=False):
    w, b = _model(m)
    opt = m.optim.SGD([{"params": [w]}, {"params": [b], "lr": 0.2}], lr=0.1, momentum=0.9)
    sched = SCHEDULERS[name](m.optim.lr_scheduler, opt)
    out = [list(sched.get_last_lr()) + [g["momentum"] for g in opt.param_groups]]
    for _ in range(13):
        opt.step()
        sched.step()
        out.append(list(sched.get_last_lr()) + [g["momentum"] for g in opt.param_groups])
    return np.array(out)


@pytest.mark.parametrize("name", sorted(SCHEDULERS))
def test_scheduler_matches_torch(name):
    np.testing.assert_allclose(_lrs(dt, name), _lrs(torch, name), rtol=1e-12, atol=1e-15)


def test_reduce_on_plateau_and_state_dict():
    def run(m):
        w, b = _model(m)
        opt = m.optim.Adam([w, b], lr=0.1)
        sched = m.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=1,
                                                       cooldown=1, min_lr=0.01)
        out = []
        for metric in [1.0, 0.9, 0.95, 0.96, 0.97, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]:
            opt.step()
            sched.step(metric)
            out.append(sched.get_last_lr()[0])
        return out
    assert run(dt) == pytest.approx(run(torch), rel=1e-12)
    w, b = _model(dt)
    opt = dt.optim.SGD([w], lr=1.0)
    s = dt.optim.lr_scheduler.StepLR(opt, 2)
    for _ in range(3):
        s.step()
    sd = s.state_dict()
    assert "optimizer" not in sd and sd["last_epoch"] == 3
    s2 = dt.optim.lr_scheduler.StepLR(dt.optim.SGD([b], lr=1.0), 2)
    s2.load_state_dict(sd)
    assert s2.last_epoch == 3 and s2.get_last_lr() == s.get_last_lr()
