"""The base of Keras callbacks: ``Callback`` (a no-op for every event, with ``model`` and
``params`` set by ``fit``) and ``CallbackList`` (calls each callback in order).

Keras 3's hooks: ``on_train_batch_begin/end`` (by default ``on_batch_begin/end``, the Keras 2
names), ``on_test_*`` (``evaluate``, and ``fit``'s validation) and ``on_predict_*``.  A batch's
logs are the metrics' running values over the epoch so far (the average of the batch values,
weighted by batch size; a confusion metric's own value), without Keras 2's ``batch``/``size``.
A callback written for Keras 2 (``on_batch_begin/end`` overridden, not the Keras 3 names) and
the training loop's own (``_RAW``: BaseLogger, the progress bar) get Keras 2's logs: each
batch's values with its ``batch`` and ``size``.

Every callback module imports these from here, so the module that collects the callbacks
(``callbacks``) and those that define more of them (``callbacks_extra``,
``tensorboard_callback``) do not import each other.
"""

from __future__ import annotations

from typing import Any


class Callback:
    def __init__(self):
        self.model: Any = None          # the Model, given by set_model before any event
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
    def on_train_batch_begin(self, batch, logs=None): self.on_batch_begin(batch, logs)
    def on_train_batch_end(self, batch, logs=None): self.on_batch_end(batch, logs)
    def on_test_begin(self, logs=None): pass
    def on_test_end(self, logs=None): pass
    def on_test_batch_begin(self, batch, logs=None): pass
    def on_test_batch_end(self, batch, logs=None): pass
    def on_predict_begin(self, logs=None): pass
    def on_predict_end(self, logs=None): pass
    def on_predict_batch_begin(self, batch, logs=None): pass
    def on_predict_batch_end(self, batch, logs=None): pass


class Running:
    """The running values of batch logs (see the module docstring); ``stateful``: the names
    whose batch value is already the running one."""

    def __init__(self, stateful=()):
        self.stateful, self.sums = set(stateful), {}

    def add(self, logs: dict) -> dict:
        n = logs.get("size", 0) or 1
        out = {}
        for k, v in logs.items():
            if k in ("batch", "size"):
                continue
            if k in self.stateful:
                out[k] = v
            else:
                s, c = self.sums.get(k, (0.0, 0))
                self.sums[k] = (s + v * n, c + n)
                out[k] = self.sums[k][0] / self.sums[k][1]
        return out


class CallbackList:
    """Calls each callback in order (they share one logs dict per event, as in Keras)."""

    def __init__(self, callbacks):
        self.callbacks = list(callbacks)
        self.model = None
        self._running = Running()

    def set_model(self, model):
        self.model = model
        for c in self.callbacks:
            c.set_model(model)

    def set_params(self, params):
        for c in self.callbacks:
            c.set_params(params)

    def _call(self, name, *args):
        for c in self.callbacks:
            getattr(c, name)(*args)

    def restart(self) -> None:
        """A new epoch (or evaluation) for the running values of the batch logs."""
        from .confusion_metrics import stateful_names
        self._running = Running(stateful_names(self.model) if self.model is not None else ())

    def _batch(self, name: str, keras2: str, batch, logs: dict, running: bool) -> None:
        mine = self._running.add(logs) if running else {}
        for c in self.callbacks:
            if name not in getattr(c, "__dict__", ()) and (
                    getattr(c, "_RAW", False) or getattr(type(c), name, None) is
                    getattr(Callback, name)):        # (Keras 2's hook: Keras 2's logs)
                getattr(c, keras2)(batch, logs)
            else:
                getattr(c, name)(batch, dict(mine))

    def on_train_begin(self, logs=None): self._call("on_train_begin", logs or {})
    def on_train_end(self, logs=None): self._call("on_train_end", dict(logs or {}))

    def on_epoch_begin(self, epoch, logs=None):
        self.restart()
        self._call("on_epoch_begin", epoch, logs or {})

    def on_epoch_end(self, epoch, logs=None): self._call("on_epoch_end", epoch, logs)

    def on_batch_begin(self, batch, logs=None):
        self._batch("on_train_batch_begin", "on_batch_begin", batch, logs or {}, False)

    def on_batch_end(self, batch, logs=None):
        self._batch("on_train_batch_end", "on_batch_end", batch, logs or {}, True)

    def on_test_begin(self, logs=None):
        self.restart()
        self._call("on_test_begin", logs or {})

    def on_test_end(self, logs=None): self._call("on_test_end", logs or {})

    def on_test_batch_begin(self, batch, logs=None):
        self._call("on_test_batch_begin", batch, logs or {})

    def on_test_batch_end(self, batch, logs=None):
        self._call("on_test_batch_end", batch, self._running.add(logs or {}))

    def on_predict_begin(self, logs=None): self._call("on_predict_begin", logs or {})
    def on_predict_end(self, logs=None): self._call("on_predict_end", logs or {})

    def on_predict_batch_begin(self, batch, logs=None):
        self._call("on_predict_batch_begin", batch, logs or {})

    def on_predict_batch_end(self, batch, logs=None):
        self._call("on_predict_batch_end", batch, logs or {})


def callback_list(model, callbacks, params: dict | None = None):
    """``evaluate``/``predict``'s ``callbacks=``: a CallbackList on ``model`` (``fit``'s own,
    for its validation, as it is); None when there are none."""
    if isinstance(callbacks, CallbackList) or not callbacks:
        return callbacks or None
    cbl = CallbackList(callbacks)
    cbl.set_model(model)
    cbl.set_params(params or {})
    return cbl
