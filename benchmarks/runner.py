"""The measuring loop: set up every engine, warm up, calibrate, then interleave timed samples.

Method (the same for every workload and engine):

1. **Setup** is timed on its own (building a graph, a Session, tensors, a jitted function).
2. **First step** is timed on its own: it holds compilation (Numba kernels, XLA, TorchInductor,
   the static compiler) and first-touch costs.  Its loss is kept to check that engines agree.
3. **Warm-up**: more steps, at least ``min_warmup`` (whole input cycles) and ``warmup_s`` seconds,
   then whole cycles for ``CALIBRATE_S`` (``_calibrate``), which estimate the step time (the
   lower of the two averages: a step that compiled in the warm-up is no steady-state step).
   The calibration runs as the samples do (heap frozen, collector collected and paused, see 4).
   From it, ``inner`` = steps per sample, so one sample takes about ``sample_s`` seconds (a
   whole number of cycles).
4. **Rounds**: in each round every engine takes one sample, in an order rotated by one each round,
   so slow drifts of the machine (heat, other processes) hit all engines alike.  The garbage
   collector's young generations are collected before and the collector paused during a
   sample, as ``timeit`` does (what a sample made is young: ``YOUNG``); the objects alive after
   warm-up are frozen first (``gc.freeze``), so that collection only scans what the samples
   made (a full collection with torch, jax and numba loaded took 290 ms, which alone was most
   of ``--quick``'s time; the harness makes none, older garbage is left to CPython's own).  ``--quick`` stops an engine early once it has
   ``min_rounds`` samples within ``SETTLED_LIMIT`` of their median (:func:`settled`): more
   rounds would hardly move a median that is already that tight.
5. **Statistics**: the median per-step time over rounds, with the quartiles and the minimum; the
   ratio to the baseline (the first of PyTorch eager, NumPy with a result in that row).  Each
   sample also measures the process's CPU time over wall time (``cpu_wall``: how many cores the
   engine kept busy), and the 1-minute load when the workload finished is stored in every row.
6. **Spread check**: a measurement is *noisy* when its interquartile range is more than
   ``SPREAD_LIMIT`` of its median or its minimum is below ``MIN_LIMIT`` times its median (a
   burst of other work, a descheduled thread).  Noisy engines get one more set of rounds
   (interleaved among themselves) and the statistics are taken over all their samples; if the
   spread is still too wide, the result is marked (``noisy``, a ``~`` in the table, a note).

The classifier workload is timed differently: from a reset model, epochs until the test accuracy
reaches the target (evaluation excluded from the time), repeated ``classifier_runs`` times with
engines interleaved, after one untimed epoch and evaluation that absorb compilation (they run
every step and batch shape a whole run does; a whole untimed run to the target cost --quick
about 4 s more CPU time on the 2-core machine).

An engine that raises is reported (status ``failed`` with the message) and left out of the rest of
that workload; ``Unsupported`` gives status ``n/a``.  Nothing an engine does ends the run.
"""

from __future__ import annotations

import gc
import math
import statistics
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from .engines import BASELINES, Prepared, Unsupported
from .progress import Progress
from .threads import CpuClock, load_1min
from .workloads import Classifier, Workload

now = time.perf_counter

#: IQR / median above this, or min / median below MIN_LIMIT, marks a measurement noisy.
SPREAD_LIMIT = 0.25
MIN_LIMIT = 0.5
#: (max - min) / median at or below this after ``Config.min_rounds`` samples: settled.
SETTLED_LIMIT = 0.10
#: the steps timed after the warm-up to size the samples run at least this long (``_calibrate``)
CALIBRATE_S = 0.002


@dataclass(frozen=True)
class Config:
    size: str
    rounds: int
    sample_s: float
    warmup_s: float
    min_warmup: int
    classifier_runs: int
    #: sampling time one engine may spend on one workload; past it (with 3 samples) it stops,
    #: so a very slow engine cannot stretch the whole run.
    engine_budget_s: float
    #: an engine whose first ``min_rounds`` samples are settled (see :func:`settled`) takes no
    #: more rounds; ``min_rounds == rounds`` always takes them all.
    min_rounds: int = 0

    def rounds_text(self) -> str:
        lo = self.min_rounds or self.rounds
        return f"{self.rounds} rounds" if lo >= self.rounds else \
            f"{lo}-{self.rounds} rounds (fewer once {lo} samples lie within " \
            f"{SETTLED_LIMIT:.0%} of their median)"


CONFIGS = {
    "full": Config("full", rounds=7, sample_s=0.15, warmup_s=0.3, min_warmup=3,
                   classifier_runs=3, engine_budget_s=20.0),
    "quick": Config("quick", rounds=5, sample_s=0.03, warmup_s=0.05, min_warmup=1,
                    classifier_runs=1, engine_budget_s=1.0, min_rounds=3),
    "tiny": Config("tiny", rounds=2, sample_s=0.001, warmup_s=0.0, min_warmup=1,
                   classifier_runs=1, engine_budget_s=1.0),
}


@dataclass
class Result:
    """One engine on one workload on one device."""

    workload: str
    group: str
    title: str
    device: str
    engine: str
    label: str
    status: str = "ok"            # ok | n/a | failed
    note: str = ""
    unit: str = "s/step"
    setup_s: float | None = None
    first_s: float | None = None
    median_s: float | None = None
    q1_s: float | None = None
    q3_s: float | None = None
    min_s: float | None = None
    inner: int | None = None
    cpu_wall: float | None = None     # CPU time / wall time while sampling (cores kept busy)
    load: float | None = None         # 1-minute load average when this workload finished
    spread: float | None = None       # (q3 - q1) / median
    noisy: bool = False               # spread too wide even after a rerun
    samples: list[float] = field(default_factory=list)
    first_loss: float | None = None
    ratio: float | None = None
    baseline: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    error: str = ""

    def fail(self, exc: BaseException, stage: str) -> None:
        if isinstance(exc, Unsupported):
            self.status, self.note = "n/a", str(exc)
            return
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        self.status = "failed"
        self.note = f"{stage}: {exc.__class__.__name__}: {msg}"[:300]
        self.error = traceback.format_exc(limit=8)


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = now()
    out = fn()
    return now() - t0, out


def _calibrate(step: Callable[[], Any], cycle: int, sample_s: float) -> float:
    """Seconds per step right after the warm-up: the median over whole cycles, run for at
    least ``CALIBRATE_S`` and 3 cycles, or until ``sample_s`` has passed (steps that slow make
    samples of a cycle or two whatever the estimate).  ``inner`` is sized from the lower of
    this and the warm-up's average: a warm-up whose step compiled (a dlcore Session optimises
    and compiles a plan on its second run, which falls in the warm-up) overestimates the step
    time by the compilation, and --quick's samples of the batch-16 step were then 1-2 steps
    long, each right after a ``gc.collect()`` and the other engines' samples (cold caches):
    static+passes measured 519 us there against NumPy's 348 us over 87-step samples (issue
    19).  The median keeps one descheduled cycle (a busy machine) from shrinking the samples
    again.  The cycles run as the samples do (``run_steps`` calls this with the heap frozen,
    and ``_collected`` here): a step that makes cyclic garbage (a TF1 graph built per batch)
    otherwise paid young collections here that no sample pays, and its samples came out half
    the intended length (issue 19: tree_rnn_graph_per_batch, inner 10 against about 20)."""
    times: list[float] = []
    with _collected():
        t0 = now()
        while True:
            c0 = now()
            for _ in range(cycle):
                step()
            times.append(now() - c0)
            spent = now() - t0
            if spent >= CALIBRATE_S and (len(times) >= 3 or spent >= sample_s):
                return statistics.median(times) / cycle


#: the generations ``_collected`` and ``_frozen_heap`` collect: the young ones, never a full
#: collection.  What a sample made is young (the collector is paused meanwhile); the full
#: collection before each workload's freeze walked the whole heap (0.3 s with torch, jax and
#: numba loaded): 4.9 of --quick's 22.5 s CPU.  Older garbage is left to CPython's own full
#: collections, as in any program (3 in a --quick run, 0.7 s).
YOUNG = 1


@contextmanager
def _collected() -> Iterator[None]:
    """The garbage collector collected, then paused for the block: a sample's conditions."""
    gc.collect(YOUNG)
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _sample(step: Callable[[], Any], inner: int) -> tuple[float, float | None]:
    """Seconds per step over ``inner`` steps, and the CPU/wall ratio meanwhile."""
    with _collected():
        clock = CpuClock()
        t0 = now()
        for _ in range(inner):
            step()
        return (now() - t0) / inner, clock.ratio()


@contextmanager
def _frozen_heap() -> Iterator[None]:
    """Collect once, then move every live object out of the collector's sight while timing."""
    gc.collect(YOUNG)
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _set_stats(r: Result, values: list[float], cpu: list[float | None] = ()) -> None:
    r.samples = values
    r.median_s = statistics.median(values)
    r.min_s = min(values)
    if len(values) >= 2:
        q = statistics.quantiles(values, n=4, method="inclusive")
        r.q1_s, r.q3_s = q[0], q[2]
        r.spread = (r.q3_s - r.q1_s) / r.median_s if r.median_s else None
    ratios = [c for c in cpu if c is not None]
    r.cpu_wall = round(statistics.median(ratios), 2) if ratios else None


def too_wide(values: list[float]) -> bool:
    """The spread test of the module docstring (needs at least 3 samples)."""
    if len(values) < 3:
        return False
    med = statistics.median(values)
    q = statistics.quantiles(values, n=4, method="inclusive")
    return med > 0 and ((q[2] - q[0]) / med > SPREAD_LIMIT or min(values) < MIN_LIMIT * med)


def settled(values: list[float], min_rounds: int) -> bool:
    """Enough samples for --quick: at least ``min_rounds`` (and 3), all within SETTLED_LIMIT of
    their median, so more rounds would hardly move the median."""
    if not min_rounds or len(values) < max(min_rounds, 3):
        return False
    med = statistics.median(values)
    return med > 0 and (max(values) - min(values)) / med <= SETTLED_LIMIT


def _prepare(engines: list[Any], wl: Workload, device: str, progress: Progress
             ) -> tuple[list[Result], dict[str, Prepared]]:
    """Setup and first step of every engine; returns all results and the live engines."""
    results, live = [], {}
    for engine in engines:
        r = Result(wl.name, wl.group, wl.title, device, engine.NAME, engine.LABEL)
        if isinstance(wl, Classifier):
            r.unit = "s to target"
        elif wl.kind == "TinyOp":
            r.unit = "s/op"
        results.append(r)
        progress.advance(f"{wl.name} · {engine.NAME} · setup")
        try:
            r.setup_s, prep = _timed(partial(engine.setup, wl, device))
            r.note = prep.note
            r.first_s, out = _timed(prep.step)
            if isinstance(out, float) and math.isfinite(out):
                r.first_loss = out
            live[engine.NAME] = prep
        except Exception as exc:
            r.fail(exc, "setup" if r.setup_s is None else "first step")
    return results, live


def _check_losses(results: list[Result]) -> None:
    """Engines start from the same arrays: their first losses must agree (float32 tolerance)."""
    ref = next((r for r in results if r.engine == "numpy" and r.first_loss is not None),
               next((r for r in results if r.first_loss is not None), None))
    if ref is None:
        return
    for r in results:
        if r.first_loss is not None and not math.isclose(r.first_loss, ref.first_loss,
                                                         rel_tol=2e-3, abs_tol=1e-6):
            _add_note(r, f"first loss {r.first_loss:.6g} != {ref.label}'s {ref.first_loss:.6g}")


def run_steps(engines: list[Any], wl: Workload, device: str, cfg: Config,
              progress: Progress) -> list[Result]:
    results, live = _prepare(engines, wl, device, progress)
    by_name = {r.engine: r for r in results}
    _check_losses(results)
    warm: dict[str, float] = {}
    for name, prep in list(live.items()):
        progress.advance(f"{wl.name} · {name} · warm-up")
        try:
            count, t0 = 0, now()
            while count < max(cfg.min_warmup, 1) * wl.cycle or now() - t0 < cfg.warmup_s:
                prep.step()
                count += 1
            warm[name] = (now() - t0) / count
        except Exception as exc:
            by_name[name].fail(exc, "warm-up")
            del live[name]
    samples: dict[str, list[float]] = {name: [] for name in live}
    cpu: dict[str, list[float | None]] = {name: [] for name in live}
    spent = dict.fromkeys(live, 0.0)
    over_budget: set[str] = set()

    def wanted(n: str, first: bool) -> bool:
        if n not in live or (first and settled(samples[n], cfg.min_rounds)):
            return False
        if len(samples[n]) >= 3 and spent[n] >= cfg.engine_budget_s:
            over_budget.add(n)
            return False
        return True

    def rounds(names_in: list[str], label: str) -> None:
        for rnd in range(cfg.rounds):
            names = [n for n in names_in if wanted(n, label == "round")]
            k = rnd % max(len(names), 1)
            for name in names[k:] + names[:k]:
                progress.advance(f"{wl.name} · {name} · {label} {rnd + 1}/{cfg.rounds}")
                try:
                    t, c = _sample(live[name].step, inner[name])
                except Exception as exc:
                    by_name[name].fail(exc, "timed run")
                    del live[name]
                    continue
                samples[name].append(t)
                cpu[name].append(c)
                spent[name] += t * inner[name]

    inner: dict[str, int] = {}
    with _frozen_heap():
        for name, prep in list(live.items()):       # sized under the samples' conditions
            try:
                per = min(warm[name], _calibrate(prep.step, wl.cycle, cfg.sample_s))
            except Exception as exc:    # noqa: BLE001 - as the warm-up: the engine fails
                by_name[name].fail(exc, "warm-up")
                del live[name]
                continue
            cycles = max(1, math.ceil(cfg.sample_s / max(per * wl.cycle, 1e-9)))
            inner[name] = by_name[name].inner = cycles * wl.cycle
        rounds(list(live), "round")
        noisy = [n for n in live if too_wide(samples[n]) and spent[n] < cfg.engine_budget_s]
        if noisy:
            rounds(noisy, "rerun (wide spread)")
    load = load_1min()
    for r in results:
        r.load = load
    for name, values in samples.items():
        r = by_name[name]
        if name in live and values:
            _set_stats(r, values, cpu[name])
            if name in noisy:
                _add_note(r, f"spread too wide, rerun: {len(values)} samples")
            if too_wide(values):
                r.noisy = True
                _add_note(r, f"noisy: IQR {r.spread:.0%} of the median, min "
                             f"{r.min_s / r.median_s:.0%} of it (load {load})")
            if name in over_budget and len(values) < cfg.rounds:
                _add_note(r, f"{len(values)} of {cfg.rounds} rounds (time budget)")
            _check_finite(live[name], r)
    _close(live)
    return results


def _add_note(r: Result, note: str) -> None:
    r.note = f"{r.note}; {note}" if r.note else note


def _check_finite(prep: Prepared, r: Result) -> None:
    """A diverged model computes with inf/NaN, whose speed means nothing: say so."""
    try:
        out = prep.step()
    except Exception:
        return
    if isinstance(out, float) and not math.isfinite(out):
        _add_note(r, f"loss is {out} after the timed steps: diverged, timing not meaningful")


def run_classifier(engines: list[Any], wl: Classifier, device: str, cfg: Config,
                   progress: Progress) -> list[Result]:
    results, live = _prepare(engines, wl, device, progress)
    by_name = {r.engine: r for r in results}

    cpu: dict[str, list[float | None]] = {name: [] for name in live}

    def to_target(prep: Prepared, name: str, max_epochs: int) -> tuple[float, int, float]:
        prep.reset()
        total, acc, busy = 0.0, 0.0, 0.0
        for epoch in range(1, max_epochs + 1):
            clock = CpuClock()
            total += _timed(prep.step)[0]
            busy += time.process_time() - clock.cpu
            acc = prep.evaluate()
            if acc >= wl.target:
                break
        else:
            epoch = max_epochs
        cpu[name].append(busy / total if total > 0 else None)
        return total, epoch, acc

    runs: dict[str, list[tuple[float, int, float]]] = {name: [] for name in live}

    def one_round(rnd: int) -> None:
        names = list(live)
        for name in names[rnd % max(len(names), 1):] + names[: rnd % max(len(names), 1)]:
            progress.advance(f"{wl.name} · {name} · run {rnd}/{cfg.classifier_runs}")
            try:
                if live[name].evaluate is None or live[name].reset is None:
                    raise RuntimeError("adapter gave no evaluate/reset for a classifier")
                # run 0, untimed, absorbs compilation: one epoch and one evaluation run every
                # step and batch shape a run to the target does
                result = to_target(live[name], name, wl.max_epochs if rnd else 1)
                if rnd > 0:
                    runs[name].append(result)
            except Exception as exc:
                by_name[name].fail(exc, "training")
                del live[name]

    one_round(0)                                  # run 0 is the untimed warm-up run
    with _frozen_heap():
        for rnd in range(1, cfg.classifier_runs + 1):
            one_round(rnd)
    load = load_1min()
    for r in results:
        r.load = load
    for name, values in runs.items():
        if name not in live or not values:
            continue
        r = by_name[name]
        _set_stats(r, [v[0] for v in values], cpu[name][1:])
        epochs = [v[1] for v in values]
        r.extra = {"epochs": statistics.median(epochs), "accuracy": values[-1][2],
                   "target": wl.target, "reached": all(v[2] >= wl.target for v in values)}
        if not r.extra["reached"]:
            _add_note(r, f"did not reach {wl.target:.0%} in {wl.max_epochs} epochs "
                         f"(accuracy {values[-1][2]:.3f})")
    _close(live)
    return results


def _close(live: dict[str, Prepared]) -> None:
    for prep in live.values():
        if prep.close is not None:
            try:
                prep.close()
            except Exception:
                pass


def add_ratios(results: list[Result]) -> None:
    """Divide each median by its row's baseline median (PyTorch eager, else NumPy)."""
    rows: dict[tuple[str, str], list[Result]] = {}
    for r in results:
        rows.setdefault((r.workload, r.device), []).append(r)
    for row in rows.values():
        ok = {r.engine: r for r in row if r.status == "ok" and r.median_s
              and r.extra.get("reached", True)}
        base = next((ok[b] for b in BASELINES if b in ok), None)
        if base is None:
            continue
        for r in ok.values():
            r.ratio, r.baseline = r.median_s / base.median_s, base.engine


def work_units(n_engines: int, workloads: list[Workload], cfg: Config) -> int:
    """How many progress steps a run will take (for the progress bar)."""
    total = 0
    for wl in workloads:
        per = 1 + (cfg.classifier_runs + 1 if isinstance(wl, Classifier) else 1 + cfg.rounds)
        # (a rerun of a noisy engine adds steps beyond this estimate: the bar then waits)
        total += n_engines * per
    return total
