"""Interrupts in eager training (issue 15, item 6).

* A ``KeyboardInterrupt`` while the first eager step imports Numba must not break the process
  (it used to leave ``module 'numba' has no attribute 'core'`` behind for every later step).
  The interrupt is raised deterministically from inside ``import numba``, in a fresh process;
  the same program without dlcore's import guard shows the old failure.
* An interrupt at *every* line of an optimizer's update leaves its state either untouched or
  complete (never ``KeyError('exp_avg')``), and later steps work.
* A timer raising ``KeyboardInterrupt`` at random points of training steps: afterwards the
  parameters are finite, the optimizer state is consistent and training continues.
"""

from __future__ import annotations

import _thread
import os
import random
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pytest

import dlcore_eager as dl

PROGRAM = textwrap.dedent("""
    import sys
    import dlcore_eager as torch
    if sys.argv[1] == "unguarded":
        sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != "_GuardFinder"]

    class Interrupt:                  # Ctrl-C in the middle of `import numba`
        fired = False
        def find_spec(self, name, path, target=None):
            if name == "numba.core.typing" and not Interrupt.fired:
                Interrupt.fired = True
                raise KeyboardInterrupt
            return None

    sys.meta_path.insert(0, Interrupt())

    def step():
        x = torch.ones(4, 3)
        w = torch.ones(3, 2, requires_grad=True)
        (x @ w).relu().sum().backward()
        return float(w.grad.sum())

    try:
        step()
        print("not interrupted")
    except KeyboardInterrupt:
        print("interrupted")
    print("later steps", step(), step())
""")


def _run(mode):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    return subprocess.run([sys.executable, "-c", PROGRAM, mode], capture_output=True, text=True,
                          timeout=300, env=env)


def test_interrupt_during_numba_import_leaves_the_process_working():
    out = _run("guarded")
    assert out.returncode == 0, out.stderr[-2000:]
    assert "interrupted" in out.stdout and "later steps 24.0 24.0" in out.stdout


def test_without_the_guard_the_same_interrupt_breaks_numba():
    out = _run("unguarded")          # shows the test above reproduces the failure
    assert out.returncode != 0 and "has no attribute 'core'" in out.stderr


# ============================================================================ optimizer steps
def _setup(kind):
    dl.manual_seed(1)
    w = dl.randn(3, 2, requires_grad=True)
    b = dl.randn(2, requires_grad=True)
    opt = {"adam": lambda: dl.optim.Adam([w, b], lr=0.1, amsgrad=True),
           "adamw": lambda: dl.optim.AdamW([w, b], lr=0.1),
           "rmsprop": lambda: dl.optim.RMSprop([w, b], lr=0.1, momentum=0.9, centered=True),
           "sgd": lambda: dl.optim.SGD([w, b], lr=0.1, momentum=0.9)}[kind]()
    x = dl.randn(5, 3)
    return w, b, opt, x


def _step(w, b, opt, x):
    opt.zero_grad()
    loss = ((x @ w + b) ** 2).mean()
    loss.backward()
    opt.step()
    return float(loss)


KEYS = {"adam": {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"},
        "adamw": {"step", "exp_avg", "exp_avg_sq"},
        "rmsprop": {"step", "square_avg", "momentum_buffer", "grad_avg"},
        "sgd": {"momentum_buffer"}}


def _consistent(kind, opt, params):
    for p in params:
        s = opt.state.get(p, {})
        assert not s or set(s) == KEYS[kind], (kind, sorted(s))
        for k, v in s.items():
            if k != "step":
                assert tuple(v.shape) == tuple(p.shape)
        assert np.isfinite(p.detach().numpy()).all()


UPDATE_FUNCS = {"_update", "_update_host", "_zero_state"}


def _interrupt_at_line(n, files):
    count = [0]

    def local(frame, event, arg):
        if event == "line":
            count[0] += 1
            if count[0] == n:
                raise KeyboardInterrupt
        return local

    def trace(frame, event, arg):
        # every line of the updates (Python runs a signal handler between lines, never inside
        # the bookkeeping of a ``finally`` that restores grad mode, which has no call in it)
        if frame.f_code.co_filename in files and frame.f_code.co_name in UPDATE_FUNCS:
            return local
        return None
    return trace, count


@pytest.mark.parametrize("kind", ["adam", "adamw", "rmsprop", "sgd"])
def test_interrupt_at_every_line_of_the_first_step(kind):
    from dlcore_eager.optim import adam, optimizer, sgd
    files = {adam.__file__, optimizer.__file__, sgd.__file__}
    n, total = 1, None
    while True:
        w, b, opt, x = _setup(kind)
        opt.zero_grad()
        ((x @ w + b) ** 2).mean().backward()
        trace, count = _interrupt_at_line(n, files)
        sys.settrace(trace)
        try:
            opt.step()
            interrupted = False
        except KeyboardInterrupt:
            interrupted = True
        finally:
            sys.settrace(None)
        _consistent(kind, opt, [w, b])
        for _ in range(2):                       # later steps work and keep it consistent
            assert np.isfinite(_step(w, b, opt, x))
        _consistent(kind, opt, [w, b])
        assert all(opt.state[p] for p in (w, b))
        if not interrupted:
            total = count[0]
            break
        n += 1
    assert total is not None and n > 5           # every line of the update was hit once


def test_random_timer_interrupts_during_training():
    rng = random.Random(15)
    w, b, opt, x = _setup("adam")
    for _ in range(3):
        _step(w, b, opt, x)                      # compile the kernels first
    hits = 0
    for trial in range(25):
        delay = rng.uniform(0.0, 0.004)
        timer = threading.Timer(delay, _thread.interrupt_main)
        try:
            timer.start()
            t_end = time.perf_counter() + 0.02
            while time.perf_counter() < t_end:
                _step(w, b, opt, x)
            time.sleep(0.05)          # a late interrupt lands here, not in the next trial
        except KeyboardInterrupt:
            hits += 1
        finally:
            timer.cancel()
        _consistent("adam", opt, [w, b])
        assert np.isfinite(_step(w, b, opt, x))
    assert hits == 25
