"""Reliability probe 8, interrupts in eager training (helper-R8).

Found by this probe:

* A Ctrl-C during ``optimizer.step()`` left some parameters stepped and others not, and (every
  optimizer but Adam's host path) a parameter's moment estimates stepped while the parameter
  was not (Adagrad, Adadelta, Adamax, NAdam, RAdam, ASGD, Rprop, SGD with Nesterov momentum,
  AdamW, RMSprop: between 41 and 1,427 of the step's lines each).  The updates now run inside
  ``dlcore.deferred_interrupt``: the interrupt is raised when the whole step is done.
* A Ctrl-C (or a user's ``lr_lambda`` raising) during ``scheduler.step()`` left the step count,
  ``last_epoch`` and the groups' learning rates out of step (every scheduler: the next step
  skipped an epoch).  Every scheduler's ``step`` is now all-or-nothing.

The interrupt is delivered as Python delivers SIGINT: ``signalled_at`` calls the handler
installed at that line (``interrupted_at`` raises past any handler).
"""

from __future__ import annotations

import signal

import numpy as np
import pytest

import dlcore_eager as dl
from dlcore.deferred_interrupt import deferred_interrupt
from tests.reliability._interrupts import signalled_at

S = dl.optim.lr_scheduler

OPTIMIZERS = {
    "adagrad": lambda ps: dl.optim.Adagrad(ps, lr=0.1),
    "nadam": lambda ps: dl.optim.NAdam(ps, lr=0.1),
    "rprop": lambda ps: dl.optim.Rprop(ps, lr=0.1),
    "sgd_nesterov": lambda ps: dl.optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True,
                                           weight_decay=0.1),
    "adamw_amsgrad": lambda ps: dl.optim.AdamW(ps, lr=0.1, amsgrad=True),
    "rmsprop_centered": lambda ps: dl.optim.RMSprop(ps, lr=0.1, momentum=0.9, centered=True),
}


def _train_state(kind):
    dl.manual_seed(1)
    w = dl.randn(3, 2, requires_grad=True)
    b = dl.randn(2, requires_grad=True)
    opt = OPTIMIZERS[kind]([w, b])
    x = dl.randn(5, 3)

    def grads():
        opt.zero_grad()
        ((x @ w + b) ** 2).mean().backward()
    grads()
    opt.step()                                     # the state exists
    grads()
    return (w, b), opt


def _snap(params, opt):
    vals = [p.detach().numpy().copy() for p in params]
    st = [{k: np.array(v.numpy() if isinstance(v, dl.Tensor) else v, copy=True)
           for k, v in opt.state[p].items()} for p in params]
    return vals, st


def _same(a, b):
    if len(a[1]) != len(b[1]) or any(x.keys() != y.keys() for x, y in zip(a[1], b[1])):
        return False
    return all(np.array_equal(x, y) for x, y in zip(a[0], b[0])) and all(
        np.array_equal(x[k], y[k]) for x, y in zip(a[1], b[1]) for k in x)


@pytest.mark.parametrize("kind", sorted(OPTIMIZERS))
def test_interrupted_step_is_all_or_nothing(kind):
    params, opt = _train_state(kind)
    before = _snap(params, opt)
    opt.step()
    after = _snap(params, opt)
    params, opt = _train_state(kind)
    total = signalled_at(10**9, opt.step)
    assert total > 20
    for n in range(1, total, max(1, total // 25)):  # ~25 points spread over the step
        params, opt = _train_state(kind)
        signalled_at(n, opt.step)
        dl.set_grad_enabled(True)     # a line event at the ``finally`` restoring it: no such
        #                               point for a real signal (no call there)
        now = _snap(params, opt)
        assert _same(now, before) or _same(now, after), (kind, n)


@pytest.fixture
def python_sigint_handler():
    """Python's own SIGINT handler for the test (the state deferred_interrupt acts in): a library
    another test on the same worker imported can leave SIGINT at SIG_DFL/SIG_IGN (seen once on
    a fresh machine), where deferred_interrupt rightly does nothing."""
    old = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)


def test_interrupt_is_delivered_after_the_block_and_handler_restored(python_sigint_handler):
    seen = []
    with pytest.raises(KeyboardInterrupt), deferred_interrupt():
        signal.getsignal(signal.SIGINT)(signal.SIGINT, None)
        seen.append("finished")                # the block ran to its end
    assert seen == ["finished"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    with deferred_interrupt():                     # nothing recorded: nothing raised
        seen.append("quiet")
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


SCHEDULERS = {
    "step": lambda o: S.StepLR(o, 1, 0.5),
    "onecycle": lambda o: S.OneCycleLR(o, max_lr=1.0, total_steps=20),
    "plateau": lambda o: S.ReduceLROnPlateau(o, patience=0),
    "sequential": lambda o: S.SequentialLR(o, [S.ConstantLR(o, 0.5, total_iters=2),
                                               S.ExponentialLR(o, 0.9)], milestones=[2]),
    "chained": lambda o: S.ChainedScheduler([S.ConstantLR(o, 0.5, total_iters=2),
                                             S.ExponentialLR(o, 0.9)]),
    "warm_restarts": lambda o: S.CosineAnnealingWarmRestarts(o, 3),
}


def _sched(kind):
    w = dl.zeros(2, requires_grad=True)
    b = dl.zeros(2, requires_grad=True)
    opt = dl.optim.SGD([{"params": [w]}, {"params": [b], "lr": 0.5}], lr=0.1, momentum=0.9)
    s = SCHEDULERS[kind](opt)
    step = (lambda: s.step(1.0)) if kind == "plateau" else s.step
    step()
    return opt, s, step


def _sched_snap(opt, s):
    skip = ("optimizer", "_schedulers")
    subs = getattr(s, "_schedulers", [])
    return (repr([{k: v for k, v in g.items() if k != "params"} for g in opt.param_groups]),
            repr([sorted((k, repr(v)) for k, v in vars(x).items() if k not in skip)
                  for x in [s, *subs]]))


@pytest.mark.parametrize("kind", sorted(SCHEDULERS))
def test_interrupted_scheduler_step_is_all_or_nothing(kind):
    opt, s, step = _sched(kind)
    before = _sched_snap(opt, s)
    step()
    after = _sched_snap(opt, s)
    opt, s, step = _sched(kind)
    total = signalled_at(10**9, step)
    for n in range(1, total):
        opt, s, step = _sched(kind)
        signalled_at(n, step)
        now = _sched_snap(opt, s)
        assert now in (before, after), (kind, n)
        if now == before:
            step()                                   # the schedule goes on from there
            assert _sched_snap(opt, s) == after, (kind, n)


def test_lr_lambda_raising_changes_nothing():
    w = dl.zeros(2, requires_grad=True)
    opt = dl.optim.SGD([w], lr=0.1)

    def f(epoch):
        if epoch == 2:
            raise ValueError("bad epoch")
        return 0.5 ** epoch
    s = S.LambdaLR(opt, f)
    s.step()
    with pytest.raises(ValueError, match="bad epoch"):
        s.step()
    assert s.last_epoch == 1 and s._step_count == 2
    assert opt.param_groups[0]["lr"] == pytest.approx(0.05)
    assert s.get_last_lr() == [pytest.approx(0.05)]
