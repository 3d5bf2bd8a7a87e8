"""Keras callbacks: ``History`` (added to every fit) and the progress-bar logger.

``History.history`` is a dict of per-epoch lists (``loss``, metrics, ``val_*``); ``.epoch`` the
epoch indices; ``.params`` the fit's settings.
"""

from __future__ import annotations

import sys
import time


class Callback:
    def __init__(self):
        self.model = None
        self.params: dict = {}

    def set_model(self, model) -> None:
        self.model = model

    def set_params(self, params: dict) -> None:
        self.params = params

    def on_train_begin(self, logs=None): pass
    def on_train_end(self, logs=None): pass
    def on_epoch_begin(self, epoch, logs=None): pass
    def on_epoch_end(self, epoch, logs=None): pass
    def on_batch_begin(self, batch, logs=None): pass
    def on_batch_end(self, batch, logs=None): pass


class History(Callback):
    def on_train_begin(self, logs=None):
        self.epoch: list[int] = []
        self.history: dict[str, list] = {}

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(v)


def _fmt(logs: dict) -> str:
    return "".join(f" - {k}: {v:.4f}" for k, v in logs.items())


class ProgbarLogger(Callback):
    """verbose=1: a bar redrawn after each batch; verbose=2: one line per epoch."""

    def __init__(self, verbose: int = 1, stream=None):
        super().__init__()
        self.verbose = verbose
        self.stream = stream

    def _out(self):
        return self.stream or sys.stdout

    def on_epoch_begin(self, epoch, logs=None):
        self._seen = 0
        self._t0 = time.perf_counter()
        self._batch_logs: dict = {}
        self._out().write(f"Epoch {epoch + 1}/{self.params['epochs']}\n")

    def on_batch_end(self, batch, logs=None):
        logs = dict(logs or {})
        n = logs.pop("size", 0)
        self._seen += n
        for k, v in logs.items():
            s, c = self._batch_logs.get(k, (0.0, 0))
            self._batch_logs[k] = (s + v * n, c + n)
        if self.verbose == 1:
            self._bar({k: s / max(c, 1) for k, (s, c) in self._batch_logs.items()}, end="")

    def _bar(self, logs: dict, end: str) -> None:
        total = self.params["samples"]
        width = 30
        done = int(width * self._seen / max(total, 1))
        bar = "=" * max(done - 1, 0) + (">" if done < width else "=") + "." * (width - done)
        if done == width:
            bar = "=" * width
        el = time.perf_counter() - self._t0
        steps = max(1, -(-self._seen // max(self.params.get("batch_size", 1), 1)))
        per = el / steps
        per_txt = f"{per * 1e3:.0f}ms/step" if per >= 1e-3 else f"{per * 1e6:.0f}us/step"
        digits = len(str(total))
        self._out().write(f"\r{self._seen:>{digits}}/{total} [{bar}] - {el:.0f}s {per_txt}"
                          f"{_fmt(logs)}{end}")
        self._out().flush()

    def on_epoch_end(self, epoch, logs=None):
        if self.verbose == 1:
            self._bar(logs or {}, end="\n")
        else:
            el = time.perf_counter() - self._t0
            self._out().write(f" - {el:.0f}s{_fmt(logs or {})}\n")
