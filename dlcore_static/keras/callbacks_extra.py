"""Keras callbacks that steer training: EarlyStopping, ModelCheckpoint,
LearningRateScheduler, ReduceLROnPlateau (Keras 3's rules and messages), CSVLogger,
LambdaCallback, TerminateOnNaN."""

from __future__ import annotations

import csv
import os
import warnings
from typing import Any

import numpy as np

from . import _progbar
from . import backend as K
from .callback_base import Callback


def _print_msg(message: str) -> None:
    """Keras 3's ``io_utils.print_msg``: the message and a newline, to stdout, flushed (to
    logging while ``keras.config.disable_interactive_logging()`` holds)."""
    _progbar.print_msg(message)


class _MonitorCallback(Callback):
    """Keras 3's ``MonitorCallback``: ``monitor``, ``mode``, ``best`` (``None``: the first
    value is an improvement) and ``min_delta``; ``_is_improvement(current, reference)``.
    ``mode="auto"`` minimises a loss and asks the compiled metric of that name for its
    direction, and raises Keras 3's ValueError where there is none (``_set_monitor_op``)."""

    def __init__(self, monitor="val_loss", mode="auto", baseline=None, min_delta=0):
        super().__init__()
        if mode not in ("auto", "min", "max"):
            warnings.warn(f"{type(self).__name__} mode '{mode}' is unknown, fallback to auto "
                          "mode.", stacklevel=3)
            mode = "auto"
        self.monitor, self.mode, self.best = monitor, mode, baseline
        self.min_delta = abs(min_delta)
        self.monitor_op: Any = None              # (set at the first comparison, as Keras 3)

    def _set_monitor_op(self) -> None:
        """Keras 3's: ``min``/``max``; ``auto``: down for ``loss``, else the direction of the
        compiled metric of that name (accuracies, AUC, ... up; errors, crossentropies down),
        and Keras 3's ValueError where it cannot tell (a metric function of the user's, a
        per-output loss, a name no compiled metric has)."""
        up = None
        if self.mode in ("min", "max"):
            up = self.mode == "max"
        else:
            name = self.monitor.removeprefix("val_")
            up = False if name == "loss" else None
            specs = _compiled_metric_specs(getattr(self, "model", None))
            if name == "acc" and "acc" not in specs and "accuracy" in specs:
                name = "accuracy"           # Keras 2's 'acc' (_keras2_value)
            if name in specs and _direction(specs[name]) is not None:
                up = _direction(specs[name])
            if up is None:
                raise ValueError(
                    f"{type(self).__name__} callback received monitor={self.monitor}, but "
                    "Keras isn't able to automatically determine whether that metric should "
                    "be maximized or minimized. Pass `mode='max'` in order to monitor based "
                    "on the highest metric value, or pass `mode='min'` in order to use the "
                    "lowest value.")
        self.monitor_op = np.greater if up else np.less
        if not up:
            self.min_delta *= -1

    def _current(self, logs):
        """``logs[monitor]``; Keras 2's ``acc``/``val_acc`` where the logs have only
        ``accuracy``/``val_accuracy`` (compile's ``metrics=['accuracy']``: Keras 2.2 and
        tf.keras 1.15 logged it as ``acc``; Keras 2 examples monitor ``val_acc``)."""
        value = logs.get(self.monitor)
        if value is None and self.monitor in ("acc", "val_acc"):
            value = logs.get(self.monitor + "uracy")
        return value

    def _is_improvement(self, monitor_value, reference_value) -> bool:
        if self.monitor_op is None:
            self._set_monitor_op()
        if reference_value is None:
            return True
        return bool(self.monitor_op(monitor_value - self.min_delta, reference_value))


# Keras 3's metric directions (Metric._direction), by compile string and by class
_UP_NAMES = {"accuracy", "acc", "auc", "precision", "recall", "cosine_similarity", "r2_score",
             "f1_score", "fbeta_score"}
_DOWN_NAMES = {"mse", "mae", "mape", "msle", "kl_divergence", "poisson", "hinge",
               "squared_hinge", "categorical_hinge"}
_UP_CLASSES = {"AUC", "Accuracy", "BinaryAccuracy", "BinaryIoU", "CategoricalAccuracy",
               "ConcordanceCorrelation", "CosineSimilarity", "F1Score", "FBetaScore", "IoU",
               "MeanIoU", "OneHotIoU", "OneHotMeanIoU", "PearsonCorrelation", "Precision",
               "PrecisionAtRecall", "R2Score", "Recall", "RecallAtPrecision",
               "SensitivityAtSpecificity", "SparseCategoricalAccuracy",
               "SparseTopKCategoricalAccuracy", "SpecificityAtSensitivity",
               "TopKCategoricalAccuracy"}
_DOWN_CLASSES = {"BinaryCrossentropy", "CategoricalCrossentropy", "CategoricalHinge", "Hinge",
                 "KLDivergence", "LogCoshError", "MeanAbsoluteError",
                 "MeanAbsolutePercentageError", "MeanSquaredError",
                 "MeanSquaredLogarithmicError", "Poisson", "RootMeanSquaredError",
                 "SparseCategoricalCrossentropy", "SquaredHinge"}


def _direction(spec):
    """True (up), False (down) or None (Keras 3 cannot tell) for a compiled metric."""
    if isinstance(spec, str):
        if spec in _UP_NAMES or spec.endswith("accuracy"):
            return True
        if spec in _DOWN_NAMES or spec.endswith(("_error", "crossentropy")):
            return False
        return None
    if callable(spec) and not isinstance(spec, type) and hasattr(spec, "__name__"):
        from . import losses as _losses     # a loss function as a metric: down (Keras 3)
        return False if getattr(_losses, spec.__name__, None) is spec else None
    cls = type(spec).__name__
    return True if cls in _UP_CLASSES else False if cls in _DOWN_CLASSES else None


def _compiled_metric_specs(model) -> dict:
    """The metrics compile got, by the name the logs use."""
    if model is None:
        return {}
    specs = dict(model.__dict__.get("_metric_specs") or {})
    args = model.__dict__.get("_deferred_compile") or {}
    ms = args.get("metrics") if isinstance(args, dict) else None
    for m in (ms if isinstance(ms, (list, tuple)) else [ms] if ms else []):
        name = m if isinstance(m, str) else getattr(m, "name", None) or \
            getattr(m, "__name__", None)
        if name:
            specs.setdefault(name, m)
    return specs


class EarlyStopping(_MonitorCallback):
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs
    (counted from ``start_from_epoch``); with ``restore_best_weights`` the best epoch's
    weights are put back when training ends.  Keras 3's rules and messages (verbose=1):
    ``Epoch 7: early stopping``, ``Restoring model weights from the end of the best epoch: 5.``"""

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto",
                 baseline=None, restore_best_weights=False, start_from_epoch=0):
        super().__init__(monitor, mode, min_delta=min_delta)
        self.patience, self.verbose = patience, verbose
        self.baseline, self.restore_best_weights = baseline, restore_best_weights
        self.start_from_epoch = start_from_epoch
        self.wait = self.stopped_epoch = self.best_epoch = 0
        self.best_weights = None

    def on_train_begin(self, logs=None):
        self.wait = self.stopped_epoch = self.best_epoch = 0
        self.best = None
        self.best_weights = None

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:              # (Keras 3: once the metrics are built)
            self._set_monitor_op()
        current = self.get_monitor_value(logs)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.get_weights()
            self.best_epoch = epoch
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best, self.best_epoch = current, epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            _print_msg(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                _print_msg("Restoring model weights from the end of the best epoch: "
                           f"{self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)

    def get_monitor_value(self, logs):
        logs = logs or {}
        value = self._current(logs)
        if value is None:
            warnings.warn(f"Early stopping conditioned on metric `{self.monitor}` which is not "
                          f"available. Available metrics are: {','.join(list(logs.keys()))}",
                          stacklevel=3)
        return value


class ModelCheckpoint(_MonitorCallback):
    """Save the model (or its weights) after each epoch to
    ``filepath.format(epoch=..., **logs)``; with ``save_best_only`` only when ``monitor``
    improved on the best so far (``initial_value_threshold`` at first).  Keras 3's messages
    (verbose=1), each after a blank line: ``Epoch 3: val_loss improved from 0.51234 to
    0.49876, saving model to m.keras`` then ``Epoch 3: finished saving model to m.keras``;
    ``Epoch 4: val_loss did not improve from 0.49876``; ``Epoch 1: saving model to m.keras``.
    ``period`` (Keras 2: save every that many epochs) still works.

    The file's extension, checked as Keras 3 checks it (its ValueError and words): a model
    file ends in ``.keras`` or ``.h5`` (and Keras 2's ``.hdf5``), a weights file
    (``save_weights_only``) in ``.weights.h5``, or in a format dlcore's ``save_weights``
    documents for Keras 2 programs (``.h5``, ``.hdf5``, ``.npz``)."""

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto", save_freq="epoch",
                 initial_value_threshold=None, period=1):
        super().__init__(monitor, mode, initial_value_threshold)
        if save_freq != "epoch":
            raise ValueError(f"Unrecognized save_freq: {save_freq}. dlcore saves once an "
                             "epoch: save_freq='epoch' (an integer, every that many batches, "
                             "is not supported)")
        self.filepath, self.verbose, self.save_freq = os.fspath(filepath), verbose, save_freq
        if save_weights_only:
            if not self.filepath.endswith((".weights.h5", ".h5", ".hdf5", ".npz")):
                raise ValueError("When using `save_weights_only=True` in `ModelCheckpoint`, "
                                 "the filepath provided must end in `.weights.h5` (Keras "
                                 f"weights format). Received: filepath={self.filepath}")
        elif not self.filepath.endswith((".keras", ".h5", ".hdf5")):
            raise ValueError("The filepath provided must end in `.keras` (Keras model "
                             f"format). Received: filepath={self.filepath}")
        self.save_best_only, self.save_weights_only, self.period = (save_best_only,
                                                                    save_weights_only, period)
        self.epochs_since_last_save = 0

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        logs = logs or {}
        self.epochs_since_last_save += 1
        if self.epochs_since_last_save < self.period:
            return
        self.epochs_since_last_save = 0
        try:
            path = self.filepath.format(epoch=epoch + 1, **logs)
        except KeyError as e:
            raise KeyError(f'Failed to format this callback filepath: "{self.filepath}". '
                           f"Reason: {e}") from None
        if not self._should_save_model(epoch, logs, path):
            return
        if os.path.isdir(path):
            raise OSError("Please specify a non-directory filepath for ModelCheckpoint. "
                          f"Filepath used is an existing directory: {path}")
        if os.path.dirname(path):
            os.makedirs(os.path.dirname(path), exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(path, overwrite=True)
        else:
            self.model.save(path, overwrite=True)
        if self.verbose > 0:
            _print_msg(f"\nEpoch {epoch + 1}: finished saving model to {path}")

    def _should_save_model(self, epoch, logs, filepath) -> bool:
        if not self.save_best_only:
            if self.verbose > 0:
                _print_msg(f"\nEpoch {epoch + 1}: saving model to {filepath}")
            return True
        current = self._current(logs)
        if current is None:
            warnings.warn(f"Can save best model only with {self.monitor} available.",
                          stacklevel=3)
            return True
        if isinstance(current, np.ndarray) and current.ndim > 0:
            warnings.warn("Can save best model only when `monitor` is a scalar value. "
                          f"Received: {current}. Falling back to `save_best_only=False`.",
                          stacklevel=3)
            return True
        best_str = "None" if self.best is None else f"{self.best:.5f}"
        if self._is_improvement(current, self.best):
            if self.verbose > 0:
                _print_msg(f"\nEpoch {epoch + 1}: {self.monitor} improved from {best_str} to "
                           f"{current:.5f}, saving model to {filepath}")
            self.best = current
            return True
        if self.verbose > 0:
            _print_msg(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {best_str}")
        return False


class LearningRateScheduler(Callback):
    """Set the optimizer's learning rate to ``schedule(epoch, lr)`` (or ``schedule(epoch)``)
    at the start of each epoch; verbose=1 prints Keras 3's (after a blank line)
    ``Epoch 2: LearningRateScheduler setting learning rate to 0.05.``"""

    def __init__(self, schedule, verbose=0):
        super().__init__()
        self.schedule, self.verbose = schedule, verbose

    def on_epoch_begin(self, epoch, logs=None):
        opt = self.model.optimizer
        try:
            lr = float(K.get_value(opt.lr))
            lr = self.schedule(epoch, lr)
        except TypeError:
            lr = self.schedule(epoch)
        if not isinstance(lr, (float, np.float32, np.float64)):
            raise ValueError("The output of the `schedule` function should be a float. "
                             f"Got: {lr}")
        K.set_value(opt.lr, float(lr))
        if self.verbose > 0:
            _print_msg(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to "
                       f"{lr}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = float(K.get_value(self.model.optimizer.lr))


class ReduceLROnPlateau(_MonitorCallback):
    """Multiply the learning rate by ``factor`` when ``monitor`` stalled for ``patience``
    epochs (not below ``min_lr``; then wait ``cooldown`` epochs).  verbose=1 prints Keras 3's
    (after a blank line) ``Epoch 6: ReduceLROnPlateau reducing learning rate to 0.0005...``"""

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto",
                 min_delta=1e-4, cooldown=0, min_lr=0.0, **kwargs):
        if "epsilon" in kwargs:                    # Keras 2's name for min_delta
            min_delta = kwargs.pop("epsilon")
            warnings.warn("`epsilon` argument is deprecated and will be removed, use "
                          "`min_delta` instead.", UserWarning, stacklevel=2)
        super().__init__(monitor, mode, min_delta=min_delta)
        if factor >= 1.0:
            raise ValueError("ReduceLROnPlateau does not support a factor >= 1.0. "
                             f"Received factor={factor}")
        self.factor, self.patience, self.verbose = factor, patience, verbose
        self.cooldown, self.min_lr = cooldown, min_lr
        self.wait = self.cooldown_counter = 0

    def on_train_begin(self, logs=None):
        self.best = None
        self.wait = self.cooldown_counter = 0

    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        logs = logs if logs is not None else {}
        logs["learning_rate"] = float(K.get_value(self.model.optimizer.lr))
        current = self._current(logs)
        if current is None:
            warnings.warn("Learning rate reduction is conditioned on metric "
                          f"`{self.monitor}` which is not available. Available metrics are: "
                          f"{','.join(list(logs.keys()))}.", stacklevel=2)
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._is_improvement(current, self.best):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience:
                old = float(K.get_value(self.model.optimizer.lr))
                if old > np.float32(self.min_lr):
                    new = max(old * self.factor, self.min_lr)
                    K.set_value(self.model.optimizer.lr, new)
                    if self.verbose > 0:
                        _print_msg(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning "
                                   f"rate to {new}.")
                    self.cooldown_counter = self.cooldown
                    self.wait = 0


class CSVLogger(Callback):
    """One CSV row per epoch: ``epoch`` and the logs, in sorted key order."""

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.filename, self.sep, self.append = filename, separator, append
        self.keys = None

    def on_train_begin(self, logs=None):
        exists = self.append and os.path.exists(self.filename)
        self._has_header = exists and os.path.getsize(self.filename) > 0
        self._f = open(self.filename, "a" if self.append else "w", newline="")  # noqa: SIM115

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs)
        w = csv.writer(self._f, delimiter=self.sep)
        if not self._has_header:
            w.writerow(["epoch"] + self.keys)
            self._has_header = True
        w.writerow([epoch] + [logs.get(k, "NA") for k in self.keys])
        self._f.flush()

    def on_train_end(self, logs=None):
        self._f.close()


class LambdaCallback(Callback):
    """Callbacks from functions: ``on_epoch_end(epoch, logs)`` and the others.  Any hook
    name is taken (Keras 3's ``on_train_batch_begin/end``, ``on_test_batch_end``, ...,
    Keras 2's ``on_batch_begin/end``); it replaces that method on this instance, as Keras's
    ``self.__dict__.update(kwargs)``.  A keyword that names no hook is a TypeError (Keras
    stores it as an attribute and never calls it)."""

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None,
                 on_train_end=None, on_train_batch_begin=None, on_train_batch_end=None,
                 on_batch_begin=None, on_batch_end=None, **kwargs):
        super().__init__()
        for k in kwargs:
            if not (k.startswith("on_") and callable(getattr(Callback, k, None))):
                raise TypeError(f"LambdaCallback.__init__() got an unexpected keyword "
                                f"argument '{k}'")
        given = dict(on_epoch_begin=on_epoch_begin, on_epoch_end=on_epoch_end,
                     on_train_begin=on_train_begin, on_train_end=on_train_end,
                     on_train_batch_begin=on_train_batch_begin,
                     on_train_batch_end=on_train_batch_end, on_batch_begin=on_batch_begin,
                     on_batch_end=on_batch_end, **kwargs)
        for event, fn in given.items():
            if fn is not None:
                setattr(self, event, fn)


class TerminateOnNaN(Callback):
    """Stop when a batch's loss is NaN or infinite: ``model.stop_training`` and Keras 3's
    ``Batch 3: Invalid loss, terminating training``, or with ``raise_error`` a RuntimeError
    at once (the other callbacks' ``on_train_end`` do not run)."""

    def __init__(self, raise_error: bool = False):
        super().__init__()
        self.raise_error = raise_error

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and (np.isnan(loss) or np.isinf(loss)):
            if self.raise_error:
                raise RuntimeError(f"NaN or Inf loss encountered at batch {batch}. Loss value: "
                                   f"{loss}. Terminating training immediately.")
            _print_msg(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True
