"""Keras 3's progress bar (``keras.utils.Progbar``) and the text fit/evaluate/predict print.

The text is Keras 3.15's, character for character (its ``keras/src/utils/progbar.py``):

- verbose=1, a bar per step count: ``\\x1b[1m32/32\\x1b[0m \\x1b[32m━━━━━━━━━━━━━━━━━━━━\\x1b[0m``
  then `` \\x1b[1m0s\\x1b[0m 2ms/step - accuracy: 0.9000 - loss: 0.3012`` (ANSI bold, green
  done and white to-do segments of 20 ``━``; the ETA ``3s`` while running, the elapsed time
  once finished; ``us``/``ms``/``s`` per step; values as ``.4f`` when ``abs(v) > 1e-3``, else
  ``.4e``).  Each redraw starts with as many ``\\b`` as the previous line was wide and a
  ``\\r``, pads with spaces over a longer previous line, and the final one ends with a newline.
  Redraws come at most every ``interval`` (0.05 s) seconds; the final one always.  Keras 3
  redraws in place (``\\r``) where ``sys.modules`` holds ``posix`` (every Linux/macOS run,
  captured or piped included), a tty, IPython or PyCharm; elsewhere each redraw starts a line.
- verbose=2, only the final line: ``32/32 - 0s - 2ms/step - loss: 0.3012`` (values ``.4f``
  when ``v > 1e-3``, else ``.4e``; no ANSI codes).
- A stdout that cannot encode ``━`` gets ``=`` (Keras 3's ``print_msg`` fallback).
"""

from __future__ import annotations

import logging
import math
import os
import sys
import time

import numpy as np

__all__ = ["Progbar", "print_msg", "enable_interactive_logging", "disable_interactive_logging",
           "is_interactive_logging_enabled"]


_INTERACTIVE = {"on": True}          # keras.config.enable/disable_interactive_logging


def enable_interactive_logging() -> None:
    """Keras 3's: progress bars and callbacks' messages go to stdout (the default)."""
    _INTERACTIVE["on"] = True


def disable_interactive_logging() -> None:
    """Keras 3's: progress bars and callbacks' messages go to ``logging.info`` of the
    ``absl`` logger (where Keras 3's ``absl.logging`` writes) instead of stdout."""
    _INTERACTIVE["on"] = False


def is_interactive_logging_enabled() -> bool:
    return _INTERACTIVE["on"]


def print_msg(message, line_break: bool = True) -> None:
    """Keras 3's ``io_utils.print_msg``: to the current ``sys.stdout`` while interactive
    logging is on, else to ``logging.getLogger('absl').info`` (Keras 3's ``absl.logging``)."""
    message = str(message)
    if not _INTERACTIVE["on"]:
        logging.getLogger("absl").info(message)
        return
    message = f"{message}\n" if line_break else message
    try:
        sys.stdout.write(message)
    except UnicodeEncodeError:
        message = message.replace("━", "=")
        encoding = sys.stdout.encoding or "utf-8"
        sys.stdout.write(message.encode(encoding, errors="ignore").decode(encoding))
    sys.stdout.flush()


def _fmt_time(per: float, unit: str) -> str:
    if per >= 1 or per == 0:
        return f" {per:.0f}s/{unit}"
    if per >= 1e-3:
        return f" {per * 1000.0:.0f}ms/{unit}"
    return f" {per * 1000000.0:.0f}us/{unit}"


class Progbar:
    """Displays a progress bar (Keras 3's ``keras.utils.Progbar``, same arguments and text).

    ``stateful_metrics`` are shown as given; the others are averaged over the steps (weighted
    by the steps each update covers); ``stateless_metrics`` inverts the default."""

    def __init__(self, target, width=20, verbose=1, interval=0.05, stateful_metrics=None,
                 stateless_metrics=None, unit_name="step"):
        if stateful_metrics is not None and stateless_metrics is not None:
            raise ValueError(
                "Only one of `stateful_metrics` or `stateless_metrics` can be provided. "
                "`stateful_metrics` is used to make metrics stateless by default (with an "
                "exclusion list), while `stateless_metrics` is used to make metrics stateful "
                "by default (with an exclusion list).")
        self.target, self.width, self.verbose = target, width, verbose
        self.interval, self.unit_name = interval, unit_name
        self.stateful_metrics = None if stateless_metrics is not None else \
            set(stateful_metrics or ())
        self.stateless_metrics = None if stateless_metrics is None else set(stateless_metrics)
        self._dynamic_display = ((hasattr(sys.stdout, "isatty") and sys.stdout.isatty())
                                 or "ipykernel" in sys.modules or "posix" in sys.modules
                                 or "PYCHARM_HOSTED" in os.environ)
        self._seen_so_far = 0
        self._values: dict = {}
        self._values_order: list = []
        self._start = time.time()
        self._last_update = 0.0
        self._time_at_epoch_start = self._start
        self._time_after_first_step = None
        self._prev_total_width = 0

    def _stateless(self, k) -> bool:
        if self.stateful_metrics is not None:
            return k not in self.stateful_metrics
        return k in (self.stateless_metrics or ())

    def update(self, current, values=None, finalize=None):
        """Redraws the bar at step ``current`` with ``values`` (``(name, value)`` pairs);
        ``finalize`` defaults to ``current >= target``."""
        if finalize is None:
            finalize = False if self.target is None else current >= self.target
        for k, v in values or []:
            if k not in self._values_order:
                self._values_order.append(k)
            if self._stateless(k) and not finalize:
                base = max(current - self._seen_so_far, 1)
                if k not in self._values:
                    self._values[k] = [v * base, base]
                else:
                    self._values[k][0] += v * base
                    self._values[k][1] += base
            else:
                self._values[k] = [v, 1]
        self._seen_so_far = current
        now = time.time()
        per = self._estimate_step_duration(current, now)
        if self.verbose == 1:
            if now - self._last_update < self.interval and not finalize:
                return
            self._draw(current, now, per, finalize)
        elif self.verbose == 2 and finalize and self.target is not None and self.target > 0:
            digits = int(math.log10(self.target)) + 1
            info = f"%{digits}d/%d" % (current, self.target)
            info += f" - {now - self._start:.0f}s -{_fmt_time(per, self.unit_name)}"
            for k in self._values_order:
                avg = self._avg(k)
                info += f" - {k}: {avg:.4f}" if avg > 1e-3 else f" - {k}: {avg:.4e}"
            print_msg(info + "\n", line_break=False)
        self._last_update = now

    def _avg(self, k):
        values, count = self._values[k]
        if not isinstance(values, float):
            values = np.mean(values)
        return values / max(1, count)

    def _draw(self, current, now, per, finalize) -> None:
        message = ("\b" * self._prev_total_width + "\r") if self._dynamic_display else "\n"
        special = 0
        if self.target is not None and self.target > 0:
            digits = int(math.log10(self.target)) + 1
            bar = f"\x1b[1m{f'%{digits}d/%d' % (current, self.target)}\x1b[0m "
            special += 8
            done = int(self.width * (float(current) / self.target))
            if done > 0:
                bar += f"\33[32m{'━' * done}\x1b[0m"
                special += 9
            bar += f"\33[37m{'━' * (self.width - done)}\x1b[0m"
            special += 9
        else:
            bar = "%7d/Unknown" % current
        message += bar
        if self.target is not None and self.target > 0 and not finalize:
            eta = per * (self.target - current)
            if eta > 3600:
                eta_txt = "%d:%02d:%02d" % (eta // 3600, (eta % 3600) // 60, eta % 60)
            elif eta > 60:
                eta_txt = "%d:%02d" % (eta // 60, eta % 60)
            else:
                eta_txt = "%ds" % eta
            info = f" \x1b[1m{eta_txt}\x1b[0m"
        else:
            info = f" \x1b[1m{now - self._start:.0f}s\x1b[0m"
        special += 8
        info += _fmt_time(per, self.unit_name)
        for k in self._values_order:
            avg = self._avg(k)
            info += f" - {k}: {avg:.4f}" if abs(avg) > 1e-3 else f" - {k}: {avg:.4e}"
        message += info
        total_width = len(bar) + len(info) - special
        if self._prev_total_width > total_width:
            message += " " * (self._prev_total_width - total_width)
        if finalize:
            message += "\n"
        print_msg(message, line_break=False)
        self._prev_total_width = total_width

    def add(self, n, values=None):
        self.update(self._seen_so_far + n, values)

    def _estimate_step_duration(self, current, now):
        if not current:
            return 0
        if self._time_after_first_step is not None and current > 1:
            per = (now - self._time_after_first_step) / (current - 1)
        else:
            per = (now - self._start) / current
        if current == 1:
            self._time_after_first_step = now
        return per


class StepBar:
    """What Keras 3's ``ProgbarLogger`` prints for ``evaluate`` and ``predict`` (one bar over
    ``steps`` batches; ``None`` until the end when unknown): ``step(logs)`` after each batch,
    ``end(logs)`` once, with the final logs (sorted by name, as Keras 3's logs are)."""

    def __init__(self, verbose, steps=None, order=None):
        self.verbose = 1 if verbose == "auto" else verbose
        self.target, self.seen, self.order = steps, 0, order
        self.bar = Progbar(steps, verbose=self.verbose, stateless_metrics=set()) \
            if self.verbose else None

    def step(self, logs=None) -> None:
        self.seen += 1
        if self.bar is not None and self.verbose == 1:
            self.bar.update(self.seen, keras3_sorted(logs or {}, self.order), finalize=False)

    def end(self, logs=None) -> None:
        if self.bar is None:
            return
        if self.target is None:
            self.target = self.bar.target = self.seen
        # (the final logs are the metrics' results, flat: sorted by name; a redrawn bar
        # keeps the order its first step showed)
        self.bar.update(self.target, sorted((logs or {}).items()), finalize=True)


def keras3_sorted(logs: dict, order=None) -> list:
    """``logs``' items as Keras 3 hands them over: sorted by name, or in ``order`` (a custom
    step's: its nested ``compile_metrics`` spread where that key sorts), the rest after."""
    if not order:
        return sorted(logs.items())
    rank = {k: i for i, k in enumerate(order)}
    return sorted(logs.items(), key=lambda kv: (rank.get(kv[0], len(rank)), kv[0]))
