"""``torch.utils.benchmark``: ``Timer`` (timeit with warm-up, ``blocked_autorange``,
``adaptive_autorange``), ``Measurement`` (median, IQR, mean, PyTorch's repr and warnings) and a
plain ``Compare`` table, as the 'PyTorch Benchmark' recipe uses them.  Wall-clock times of
Python statements (``timer``: ``time.perf_counter``); ``num_threads`` is recorded, and BLAS
thread counts are left as they are."""

from __future__ import annotations

import dataclasses
import math
import textwrap
import time
import timeit as _timeit
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["Compare", "Measurement", "TaskSpec", "Timer", "select_unit"]

_IQR_WARN_THRESHOLD, _IQR_GROSS_WARN_THRESHOLD = 0.1, 0.25


def select_unit(t: float) -> tuple[str, float]:
    """(unit, scale) that gives ``t`` seconds an O(1) magnitude (PyTorch's)."""
    unit = {-3: "ns", -2: "us", -1: "ms"}.get(int(math.log10(t) // 3) if t > 0 else -3, "s")
    return unit, {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1}[unit]


@dataclasses.dataclass(frozen=True)
class TaskSpec:
    stmt: str
    setup: str
    global_setup: str = ""
    label: str | None = None
    sub_label: str | None = None
    description: str | None = None
    env: str | None = None
    num_threads: int = 1

    @property
    def title(self) -> str:
        if self.label is not None:
            return self.label + (f": {self.sub_label}" if self.sub_label else "")
        if "\n" not in self.stmt:
            return self.stmt + (f": {self.sub_label}" if self.sub_label else "")
        return (f"stmt:{f' ({self.sub_label})' if self.sub_label else ''}\n"
                f"{textwrap.indent(self.stmt, '  ')}")

    def setup_str(self) -> str:
        if self.setup == "pass" or not self.setup:
            return ""
        if "\n" in self.setup:
            return f"setup:\n{textwrap.indent(self.setup, '  ')}"
        return f"setup: {self.setup}"

    def summarize(self) -> str:
        sections = [self.title, self.description or "", self.setup_str()]
        return "\n".join([f"{i}\n" if "\n" in i else i for i in sections if i])


class Measurement:
    """The times of ``number_per_run`` runs each (``raw_times``, seconds) of one task."""

    def __init__(self, number_per_run: int, raw_times: list[float], task_spec: TaskSpec,
                 metadata: dict | None = None) -> None:
        self.number_per_run = number_per_run
        self.raw_times = list(raw_times)
        self.task_spec = task_spec
        self.metadata = metadata
        t = np.sort(np.asarray(self.times, dtype=np.float64))
        self._sorted_times = tuple(float(v) for v in t)
        self._median = float(np.quantile(t, 0.5)) if t.size else math.nan
        self._mean = float(t.mean()) if t.size else math.nan
        self._p25 = float(np.quantile(t, 0.25)) if t.size else math.nan
        self._p75 = float(np.quantile(t, 0.75)) if t.size else math.nan
        self._warnings: tuple[str, ...] = ()
        if t.size and self._median > 0:
            rel = self.iqr / self._median * 100
            if not self.meets_confidence(_IQR_GROSS_WARN_THRESHOLD):
                msg = "This suggests significant environmental influence."
            elif not self.meets_confidence(_IQR_WARN_THRESHOLD):
                msg = "This could indicate system fluctuation."
            else:
                msg = ""
            if msg:
                self._warnings = (f"  WARNING: Interquartile range is {rel:.1f}% of the median "
                                  f"measurement.\n           {msg}",)

    def __getattr__(self, name: str) -> Any:
        if name in ("stmt", "setup", "global_setup", "label", "sub_label", "description",
                    "env", "num_threads", "title"):
            return getattr(self.__dict__["task_spec"], name)
        raise AttributeError(name)

    @property
    def times(self) -> list[float]:
        return [t / self.number_per_run for t in self.raw_times]

    @property
    def median(self) -> float:
        return self._median

    @property
    def mean(self) -> float:
        return self._mean

    @property
    def iqr(self) -> float:
        return self._p75 - self._p25

    @property
    def has_warnings(self) -> bool:
        return bool(self._warnings)

    def meets_confidence(self, threshold: float = _IQR_WARN_THRESHOLD) -> bool:
        return self.iqr / self.median < threshold

    @property
    def significant_figures(self) -> int:
        n = len(self._sorted_times)
        pts = np.asarray(self._sorted_times[n // 4:int(math.ceil(3 * n / 4))])
        ci = max(1.645 * float(pts.std()) / math.sqrt(len(pts)), 25e-9)
        return min(max(int(math.floor(math.log10(self._median / ci))), 1), 4)

    def __repr__(self) -> str:
        n = len(self._sorted_times)
        unit, scale = select_unit(self._median)
        lines = [object.__repr__(self), self.task_spec.summarize(),
                 f"  {'Median: ' if n > 1 else ''}{self._median / scale:.2f} {unit}"]
        if n >= 4:
            lines.append(f"  IQR:    {self.iqr / scale:.2f} {unit} ({self._p25 / scale:.2f} to "
                         f"{self._p75 / scale:.2f})")
        lines.append(f"  {n} measurement{'s' if n > 1 else ''}, {self.number_per_run} runs "
                     f"{'per measurement,' if n > 1 else ','} {self.num_threads} "
                     f"thread{'s' if self.num_threads > 1 else ''}")
        lines += list(self._warnings)
        return "\n".join(lines).strip()


class Timer:
    """Times ``stmt`` after ``setup`` in ``globals`` (PyTorch's ``Timer``, Python only)."""

    def __init__(self, stmt: str = "pass", setup: str = "pass", global_setup: str = "",
                 timer: Callable[[], float] = time.perf_counter, globals: dict | None = None,
                 label: str | None = None, sub_label: str | None = None,
                 description: str | None = None, env: str | None = None,
                 num_threads: int = 1, language: Any = "python") -> None:
        if not isinstance(stmt, str):
            raise ValueError("Currently only a `str` stmt is supported.")
        if str(language).lower() not in ("python", "py", "language.python"):
            raise ValueError("dlcore's Timer runs Python statements only")
        self._globals = dict(globals or {})
        self._timer = _timeit.Timer(stmt=textwrap.dedent(stmt).strip() or "pass",
                                    setup=textwrap.dedent(setup).strip() or "pass",
                                    timer=timer, globals=self._globals)
        self._task_spec = TaskSpec(stmt=stmt, setup=setup, global_setup=global_setup,
                                   label=label, sub_label=sub_label, description=description,
                                   env=env, num_threads=num_threads)

    def _timeit(self, number: int) -> float:
        return max(self._timer.timeit(number), 1e-9)

    def timeit(self, number: int = 1000000) -> Measurement:
        self._timeit(max(int(number // 100), 2))                 # warm-up
        return Measurement(number, [self._timeit(number)], self._task_spec)

    def repeat(self, repeat: int = -1, number: int = -1) -> None:
        raise NotImplementedError("See `Timer.blocked_autorange.`")

    def autorange(self, callback: Callable | None = None) -> None:
        raise NotImplementedError("See `Timer.blocked_autorange.`")

    def _estimate_block_size(self, min_run_time: float) -> int:
        overhead = float(np.median([self._timeit(0) for _ in range(5)]))
        number = 1
        while True:
            taken = self._timeit(number)
            if (overhead / taken <= 1e-4 and taken >= min_run_time / 1000) or \
                    taken > min_run_time or number * 10 > 2147483647:
                break
            number *= 10
        return number

    def _loop(self, number: int, stop: Callable[[list], bool], min_run_time: float,
              max_run_time: float | None, callback: Callable | None) -> list[float]:
        total, can_stop, times = 0.0, False, []
        while total < min_run_time or not can_stop:
            spent = self._timeit(number)
            times.append(spent)
            total += spent
            if callback:
                callback(number, spent)
            can_stop = stop(times)
            if max_run_time and total > max_run_time:
                break
        return times

    def blocked_autorange(self, callback: Callable | None = None,
                          min_run_time: float = 0.2) -> Measurement:
        number = self._estimate_block_size(min_run_time)
        times = self._loop(number, lambda t: True, min_run_time, None, callback)
        return Measurement(number, times, self._task_spec)

    def adaptive_autorange(self, threshold: float = 0.1, *, min_run_time: float = 0.01,
                           max_run_time: float = 10.0,
                           callback: Callable | None = None) -> Measurement:
        number = self._estimate_block_size(min_run_time=0.05)

        def stop(times: list) -> bool:
            return len(times) > 3 and Measurement(number, times, self._task_spec) \
                .meets_confidence(threshold=threshold)
        times = self._loop(number, stop, min_run_time, max_run_time, callback)
        return Measurement(number, times, self._task_spec)


class Compare:
    """A table of measurements: one block per label, a row per sub_label, a column per
    description, grouped by thread count (medians, in one unit)."""

    def __init__(self, results: list[Measurement]) -> None:
        self._results: list[Measurement] = []
        self.extend_results(results)
        self._trim = False
        self._highlight = False

    def extend_results(self, results: list[Measurement]) -> None:
        for r in results:
            if not isinstance(r, Measurement):
                raise ValueError(f"Expected an instance of `Measurement`, got {type(r)} "
                                 "instead.")
        self._results.extend(results)

    def trim_significant_figures(self) -> None:
        self._trim = True

    def colorize(self, rowwise: bool = False) -> None:
        """(accepted; the table is printed without PyTorch's terminal colours)"""

    def highlight_warnings(self) -> None:
        """Cells of a measurement with warnings get PyTorch's `` (! NN%)`` spread."""
        self._highlight = True

    def print(self) -> None:
        print(str(self))

    def __str__(self) -> str:
        out = []
        labels = list(dict.fromkeys(r.label for r in self._results))
        for label in labels:
            rs = [r for r in self._results if r.label == label]
            unit, scale = select_unit(min(r.median for r in rs))
            cols = list(dict.fromkeys(r.description or "" for r in rs))
            rows = list(dict.fromkeys(r.sub_label or "" for r in rs))
            width = max([len(x) for x in rows] + [12])
            cells = {(r.sub_label or "", r.description or "", r.num_threads): r for r in rs}
            body = [" " * width + "  |  " + "  |  ".join(f"{c:>8}" for c in cols)]
            fmt = {c: self._column_format([r for r in rs if (r.description or "") == c], scale)
                   for c in cols}
            for nt in sorted({r.num_threads for r in rs}):
                body.append(f"{nt} threads: " + "-" * max(len(body[0]) - 12, 4))
                for row in rows:
                    vals = []
                    for c in cols:
                        m = cells.get((row, c, nt))
                        v = "" if m is None else fmt[c](m)
                        vals.append(f"{v:>8}")
                    body.append(f"{row:>{width}}  |  " + "  |  ".join(vals))
            title = f"[{'-' * 6} {label or ''} {'-' * 6}]"
            out += [title] + body + ["", f"Times are in {_english(unit)}s ({unit})."]
            if self._highlight and any(r.has_warnings for r in rs):
                out.append("(! XX%) Measurement has high variance, where XX is the IQR / "
                           "median * 100.")
            out.append("")
        return "\n".join(out)


    def _column_format(self, rs: list[Measurement], scale: float) -> Callable:
        """PyTorch's ``_Column`` rule: one decimal, or with ``trim_significant_figures`` the
        medians rounded to their estimated significant figures and the column's decimals
        the fewest they leave; ``highlight_warnings`` appends the spread of a noisy cell."""
        lead = [math.ceil(math.log10(r.median / scale)) for r in rs]
        decimals = min(max(r.significant_figures - d, 0) for r, d in zip(rs, lead)) \
            if self._trim else 1
        highlight = self._highlight and any(r.has_warnings for r in rs)

        def cell(m: Measurement) -> str:
            value = m.median / scale
            if self._trim:
                value = _trim_sigfig(value, m.significant_figures)
            text = f"{value:.{decimals}f}"
            if highlight and m.has_warnings:
                text += f"{f' (! {m.iqr / m.median * 100:.0f}%)':>7}"
            return text
        return cell


def _trim_sigfig(x: float, n: int) -> float:
    """PyTorch's ``common.trim_sigfig``: ``x`` rounded to ``n`` significant figures."""
    scale = 10.0 ** (math.ceil(math.log10(abs(x))) - n)
    return float(round(x / scale) * scale)


def _english(unit: str) -> str:
    return {"ns": "nanosecond", "us": "microsecond", "ms": "millisecond", "s": "second"}[unit]
