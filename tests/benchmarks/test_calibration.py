"""The samples are sized from the steady-state step, not from a warm-up step that compiled
(``runner._calibrate``, issue 19): a dlcore Session compiles its plan on the second run, which
falls in the warm-up, and --quick then timed 1-2 steps per sample (cold caches each time).  No
timing is asserted beyond "the compile step does not size the samples"."""

from __future__ import annotations

import io
import time
from dataclasses import replace
from types import SimpleNamespace

from benchmarks import runner
from benchmarks.engines.base import Prepared
from benchmarks.progress import Progress
from benchmarks.workloads import suite


def _compiling_engine(calls: list):
    def step() -> float:
        calls.append(None)
        if len(calls) == 2:                 # the second run compiles (as a dlcore Session)
            time.sleep(0.06)
        elif len(calls) == 3:               # and the next is descheduled (a busy machine)
            time.sleep(0.02)
        return 1.0
    return SimpleNamespace(NAME="jit", LABEL="jit",
                           setup=lambda wl, device: Prepared(step))


def test_a_compiling_warm_up_step_does_not_size_the_samples(monkeypatch):
    monkeypatch.setattr(runner, "_sample", lambda step, inner: (1e-6, 1.0))
    calls: list = []
    wl = next(w for w in suite("tiny") if w.name == "seed_eager")
    # samples of 0.2 s: the descheduled step (0.02 s asleep) cannot end the calibration after
    # one cycle by itself passing sample_s, as --quick's 0.03 s did on a loaded machine
    cfg = replace(runner.CONFIGS["quick"], engine_budget_s=1e9, sample_s=0.2)
    res = runner.run_steps([_compiling_engine(calls)], wl, "cpu", cfg,
                           Progress(1, io.StringIO()))
    # before: inner = ceil(0.2 s / 0.06 s) = 4 steps per sample; the steps after the
    # compilation take microseconds, so a 0.2 s sample holds many of them
    inner = res[0].inner
    assert inner is not None and inner >= 100 * wl.cycle and inner % wl.cycle == 0


def test_calibrate_runs_whole_cycles_at_least_three_of_quick_steps():
    n: list = []
    per = runner._calibrate(lambda: n.append(1), 3, 0.03)
    assert len(n) >= 9 and len(n) % 3 == 0
    assert 0 < per < runner.CALIBRATE_S


def test_calibrate_takes_one_cycle_of_a_slow_step():
    n: list = []

    def slow() -> None:
        n.append(1)
        time.sleep(0.011)
    per = runner._calibrate(slow, 1, 0.01)
    assert len(n) == 1 and per >= 0.011


def test_calibration_runs_as_the_samples_do_heap_frozen_and_collector_paused():
    """A step that makes cyclic garbage (a TF1 graph per batch) paid young collections in the
    calibration that no sample pays, so its samples were sized from a slower step (issue 19:
    tree_rnn_graph_per_batch got inner 10 against about 20).  Every step after the warm-up,
    the calibration's included, now runs with the collector paused and the heap frozen."""
    import gc

    seen: list = []

    def step() -> float:
        seen.append((gc.isenabled(), gc.get_freeze_count() > 0))
        return 1.0

    eng = SimpleNamespace(NAME="cyc", LABEL="cyc", setup=lambda wl, device: Prepared(step))
    wl = next(w for w in suite("tiny") if w.name == "seed_eager")
    cfg = replace(runner.CONFIGS["tiny"], rounds=1, sample_s=0.0)
    assert gc.isenabled()
    res = runner.run_steps([eng], wl, "cpu", cfg, Progress(1, io.StringIO()))
    assert res[0].status == "ok" and res[0].inner == wl.cycle
    warm = 1 + max(cfg.min_warmup, 1) * wl.cycle        # the first step, then the warm-up
    # (the heap may be frozen already: tests/conftest.py freezes it per module and worker)
    assert [enabled for enabled, _ in seen[:warm]] == [True] * warm
    calibration = seen[warm:-(res[0].inner + 1)]       # (then one sample, then the check)
    assert len(calibration) >= wl.cycle
    assert set(calibration) == {(False, True)}
    assert gc.isenabled()
