"""The harness's garbage-collector rules (``benchmarks/runner.py``): it collects only the young
generations (the full collection before each workload's freeze walked the whole heap, 0.3 s
with torch, jax and numba loaded), and that is enough for a sample to start without the
cyclic garbage the previous samples made."""

from __future__ import annotations

import gc
import io
import weakref
from dataclasses import replace
from types import SimpleNamespace

from benchmarks import runner
from benchmarks.engines.base import Prepared
from benchmarks.progress import Progress
from benchmarks.workloads import suite


class _Node:
    pass


def _cyclic_engine(alive_at_entry: list):
    refs: list = []

    def step() -> float:
        alive_at_entry.append(sum(r() is not None for r in refs))
        n = _Node()
        n.me = n                            # garbage only the cyclic collector frees
        refs.append(weakref.ref(n))
        return 1.0

    return SimpleNamespace(NAME="cyc", LABEL="cyc", setup=lambda wl, device: Prepared(step))


def _run(engine, rounds: int = 3):
    wl = next(w for w in suite("tiny") if w.name == "seed_eager")
    cfg = replace(runner.CONFIGS["tiny"], rounds=rounds, sample_s=0.0, engine_budget_s=1e9)
    return runner.run_steps([engine], wl, "cpu", cfg, Progress(1, io.StringIO()))


def test_the_harness_never_makes_a_full_collection(monkeypatch):
    generations: list = []

    def collect(generation: int = 2) -> int:
        generations.append(generation)
        return gc.collect(generation)

    monkeypatch.setattr(runner, "gc", SimpleNamespace(
        collect=collect, disable=gc.disable, enable=gc.enable, freeze=gc.freeze,
        unfreeze=gc.unfreeze))
    res = _run(_cyclic_engine([]))
    assert res[0].status == "ok"
    # one before freezing, one before the calibration, one before each sample (3 rounds, and
    # maybe a rerun of a wide spread)
    assert len(generations) >= 5
    assert set(generations) == {runner.YOUNG} and runner.YOUNG < 2


def test_each_sample_starts_without_the_cycles_the_earlier_ones_made():
    alive: list = []
    res = _run(_cyclic_engine(alive), rounds=4)
    n = len(res[0].samples)
    assert res[0].status == "ok" and res[0].inner == 1 and n >= 4
    # the steps: the first, the warm-up, the calibration (several, no collection between them:
    # their cycles pile up), the one-step samples, the check
    assert max(alive[:-(n + 1)]) >= 1
    assert alive[-(n + 1):-1] == [0] * n
