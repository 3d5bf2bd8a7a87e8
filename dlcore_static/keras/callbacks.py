"""Keras callbacks: ``History`` and ``BaseLogger`` (added to every fit), the progress-bar
logger; ``Callback`` and ``CallbackList`` come from ``callback_base``, EarlyStopping,
ModelCheckpoint, LearningRateScheduler, ReduceLROnPlateau, CSVLogger, LambdaCallback and
TerminateOnNaN from ``callbacks_extra``, TensorBoard from ``tensorboard_callback``.

``History.history`` is a dict of per-epoch lists (``loss``, metrics, ``val_*``); ``.epoch`` the
epoch indices; ``.params`` the fit's settings.  ``BaseLogger`` puts the sample-weighted epoch
averages of the batch metrics into the epoch's logs.
"""

from __future__ import annotations

import sys
import time

from .callback_base import Callback, CallbackList  # noqa: F401
from .callbacks_extra import (  # noqa: F401
    CSVLogger,
    EarlyStopping,
    LambdaCallback,
    LearningRateScheduler,
    ModelCheckpoint,
    ReduceLROnPlateau,
    TerminateOnNaN,
)
from .tensorboard_callback import TensorBoard  # noqa: F401


class BaseLogger(Callback):
    """Accumulates the batch metrics (weighted by batch size) into the epoch's logs."""

    def on_epoch_begin(self, epoch, logs=None):
        from . import confusion_metrics
        self._seen = 0
        self._totals: dict = {}
        # Precision, AUC, ...: counts over the epoch (fit resets them as it begins), logged
        # as they are after the last batch (Keras's stateful metrics)
        self._last = confusion_metrics.stateful_names(getattr(self, "model", None))

    def on_batch_end(self, batch, logs=None):
        logs = logs or {}
        n = logs.get("size", 0)
        self._seen += n
        for k, v in logs.items():
            if k in getattr(self, "_last", ()):
                self._totals[k] = v * self._seen
            elif k not in ("batch", "size"):
                self._totals[k] = self._totals.get(k, 0.0) + v * n

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            rest = dict(logs)                      # validation results: after the training ones
            logs.clear()
            for k in self.params.get("metrics", []):
                if k in self._totals:
                    logs[k] = self._totals[k] / max(self._seen, 1)
            for k, v in self._totals.items():      # metrics not listed in params
                logs.setdefault(k, v / max(self._seen, 1))
            logs.update(rest)


class _HistoryDict(dict):
    """The per-epoch lists, keyed as Keras 2.3+ keys them (the metric's name as compiled:
    ``'mae'``, ``'accuracy'``).  A missing key that Keras 2.0-2.2 used for the same metric
    (its function's name, ``'val_mean_absolute_error'`` for ``metrics=['mae']``; ``'acc'`` for
    ``'accuracy'``) reads the same list, so programs written for either version run; ``keys()``
    lists only the compiled names.  The learning rate that ReduceLROnPlateau and
    LearningRateScheduler log reads as ``'lr'`` (Keras 2) and ``'learning_rate'`` (Keras 3)."""

    def __missing__(self, key):
        from . import metrics as _metrics
        if key in ("lr", "learning_rate"):
            other = "learning_rate" if key == "lr" else "lr"
            if dict.__contains__(self, other):
                return dict.__getitem__(self, other)
        pre = "val_" if isinstance(key, str) and key.startswith("val_") else ""
        base = key[len(pre):] if isinstance(key, str) else key
        acc = ("acc", "accuracy")
        for k in list(self):
            kb = k[len(pre):] if k.startswith(pre) else None
            if kb is None or (pre == "" and k.startswith("val_")):
                continue
            if (base in acc and kb in acc) or _same_metric(_metrics, base, kb):
                return dict.__getitem__(self, k)
        raise KeyError(key)


def _same_metric(metrics_mod, a: str, b: str) -> bool:
    try:
        return metrics_mod.get(a) is metrics_mod.get(b)
    except (ValueError, KeyError, TypeError):
        return False


class History(Callback):
    def on_train_begin(self, logs=None):
        self.epoch: list[int] = []
        self.history: dict[str, list] = _HistoryDict()

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(v)


def _fmt(logs: dict) -> str:
    return "".join(f" - {k}: {v:.4f}" for k, v in logs.items())


class ProgbarLogger(Callback):
    """verbose=1: a bar redrawn after each batch; verbose=2: one line per epoch."""

    def __init__(self, verbose: int = 1, stream=None, count_mode: str = "samples"):
        super().__init__()
        if count_mode not in ("samples", "steps"):
            raise ValueError(f"Unknown `count_mode`: {count_mode}")
        self.verbose = verbose
        self.stream = stream
        self.count_mode = count_mode

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
        logs.pop("batch", None)
        self._seen += n if self.count_mode == "samples" else 1
        n = n or 1
        for k, v in logs.items():
            s, c = self._batch_logs.get(k, (0.0, 0))
            self._batch_logs[k] = (s + v * n, c + n)
        if self.verbose == 1:
            self._bar({k: s / max(c, 1) for k, (s, c) in self._batch_logs.items()}, end="")

    def _bar(self, logs: dict, end: str) -> None:
        total = self.params["samples"] if self.count_mode == "samples" else \
            self.params["steps"]
        width = 30
        done = int(width * self._seen / max(total, 1))
        bar = "=" * max(done - 1, 0) + (">" if done < width else "=") + "." * (width - done)
        if done == width:
            bar = "=" * width
        el = time.perf_counter() - self._t0
        steps = self._seen if self.count_mode == "steps" else \
            max(1, -(-self._seen // max(self.params.get("batch_size") or 1, 1)))
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

