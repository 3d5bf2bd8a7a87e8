"""Keras callbacks: ``History`` and ``BaseLogger`` (added to every fit), the progress-bar
logger; ``Callback`` and ``CallbackList`` come from ``callback_base``, EarlyStopping,
ModelCheckpoint, LearningRateScheduler, ReduceLROnPlateau, CSVLogger, LambdaCallback and
TerminateOnNaN from ``callbacks_extra``, TensorBoard from ``tensorboard_callback``.

``History.history`` is a dict of per-epoch lists (``loss``, metrics, ``val_*``); ``.epoch`` the
epoch indices; ``.params`` the fit's settings.  ``BaseLogger`` puts the sample-weighted epoch
averages of the batch metrics into the epoch's logs.
"""

from __future__ import annotations

import numpy as np

from . import _progbar
from .callback_base import Callback, CallbackList, callback_list  # noqa: F401
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

    _RAW = True         # (the loop's batch logs: each batch's values, its size)

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
        # Keras 3's epoch logs (CallbackList's pythonify_logs): the training and validation
        # results together, sorted by name ('accuracy', 'loss', 'val_accuracy', 'val_loss'),
        # Python floats; what later callbacks add (ReduceLROnPlateau's 'learning_rate') after.
        if logs is not None:
            got = {k: v / max(self._seen, 1) for k, v in self._totals.items()}
            got.update(logs)                       # (the validation results)
            logs.clear()
            for k in sorted(got):
                logs[k] = _pythonify(got[k])


def _pythonify(value):
    """Keras 3's ``pythonify_logs`` for one value: ``float(value)`` where that works."""
    try:
        return float(value) if np.ndim(value) == 0 else value
    except (TypeError, ValueError):
        return value


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


class ProgbarLogger(Callback):
    """Keras 3's: prints ``Epoch 2/5`` (when fit runs more than one epoch) and the bar of
    ``_progbar.Progbar`` over the epoch's steps (verbose=1: redrawn as the batches go, the
    running averages of the metrics; verbose=2: one line at the end of each epoch); the final
    line shows the epoch's logs (fit's sorted by name, as Keras 3's are; what the user's
    callbacks add after them), validation included.  fit adds it last, as Keras 3."""

    _RAW = True

    def __init__(self):
        super().__init__()
        self.seen = 0
        self.progbar: _progbar.Progbar | None = None
        self.target: int | None = None
        self.verbose = 1
        self.epochs = 1

    def set_params(self, params):
        super().set_params(params)
        verbose = params.get("verbose", 1)
        self.verbose = 1 if verbose == "auto" else verbose
        self.epochs = params.get("epochs", 1)
        self.target = params.get("steps")

    def on_epoch_begin(self, epoch, logs=None):
        from . import confusion_metrics
        self.seen, self.progbar = 0, None
        self._maybe_init_progbar()
        self._sums: dict = {}
        self._stateful = confusion_metrics.stateful_names(getattr(self, "model", None))
        if self.verbose and self.epochs > 1:
            _progbar.print_msg(f"Epoch {epoch + 1}/{self.epochs}")

    def _maybe_init_progbar(self) -> _progbar.Progbar:
        if self.progbar is None:
            self.progbar = _progbar.Progbar(target=self.target, verbose=self.verbose,
                                            unit_name="step", stateless_metrics=set())
        return self.progbar

    def on_batch_end(self, batch, logs=None):
        # Keras 3's batch logs are the metrics' running values: the average so far (weighted
        # by batch size) of dlcore's per-batch values, the confusion metrics' own
        logs = dict(logs or {})
        n = logs.pop("size", 0) or 1
        logs.pop("batch", None)
        shown = {}
        for k, v in logs.items():
            if k in self._stateful:
                shown[k] = v
            else:
                s, c = self._sums.get(k, (0.0, 0))
                self._sums[k] = (s + v * n, c + n)
                shown[k] = self._sums[k][0] / self._sums[k][1]
        bar = self._maybe_init_progbar()
        self.seen = batch + 1
        if self.verbose == 1:
            bar.update(self.seen, _progbar.keras3_sorted(
                shown, getattr(self.model, "_log_order", None)), finalize=False)

    def on_epoch_end(self, epoch, logs=None):
        bar = self._maybe_init_progbar()
        if self.target is None:
            self.target = self.seen
            bar.target = self.target
        bar.update(self.target, self._keras3_order(bar, logs or {}), finalize=True)

    def _keras3_order(self, bar: _progbar.Progbar, logs: dict) -> list:
        """Keras 3 sorts the epoch's logs before the callbacks see them, and the bar is the
        last callback: fit's own entries (training and validation metrics) by name, then what
        the user's callbacks added (``lr``, ...), in the order they added it."""
        own = set(self.params.get("metrics") or []) | set(bar._values_order)
        own |= {"val_" + k for k in own}
        return sorted((k, v) for k, v in logs.items() if k in own) + \
            [(k, v) for k, v in logs.items() if k not in own]
