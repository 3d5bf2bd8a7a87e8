"""--quick takes fewer rounds where the samples already agree (``runner.settled``), and the
classifier's untimed warm-up is one epoch; no timing is asserted (the samples are scripted)."""

from __future__ import annotations

import io
from dataclasses import replace
from types import SimpleNamespace

from benchmarks import runner
from benchmarks.engines.base import Prepared
from benchmarks.progress import Progress
from benchmarks.workloads import suite


def test_settled_needs_min_rounds_within_the_limit():
    assert not runner.settled([1.0, 1.0], 3)                 # too few
    assert runner.settled([1.0, 1.05, 0.97], 3)              # within 10% of the median
    assert not runner.settled([1.0, 1.2, 0.97], 3)           # 23% apart
    assert not runner.settled([1.0, 1.0, 1.0], 0)            # full runs take every round
    assert "3-5 rounds" in runner.CONFIGS["quick"].rounds_text()
    assert runner.CONFIGS["full"].rounds_text() == "7 rounds"


def _engine(name: str):
    return SimpleNamespace(NAME=name, LABEL=name,
                           setup=lambda wl, device: Prepared(lambda: 1.0))


def test_settled_engines_stop_and_scattered_ones_take_every_round(monkeypatch):
    times = {"steady": iter([1.0, 1.01, 0.99] + [1.0] * 20),
             "scattered": iter([1.0, 1.3, 0.8, 1.1, 0.9] + [1.0] * 20)}
    calls = []

    def fake_sample(step, inner):
        name = calls[-1]
        return next(times[name]), 1.0
    monkeypatch.setattr(runner, "_sample", fake_sample)
    real_advance = Progress.advance

    def advance(self, label):                 # "<workload> · <engine> · round k/5"
        calls.append(label.split(" · ")[1])
        real_advance(self, label)
    monkeypatch.setattr(Progress, "advance", advance)
    wl = next(w for w in suite("tiny") if w.name == "seed_eager")
    cfg = replace(runner.CONFIGS["quick"], engine_budget_s=1e9)
    res = runner.run_steps([_engine("steady"), _engine("scattered")], wl, "cpu", cfg,
                           Progress(1, io.StringIO()))
    by = {r.engine: r for r in res}
    assert len(by["steady"].samples) == 3
    assert len(by["scattered"].samples) == 5
    assert "rounds (time budget)" not in by["steady"].note
