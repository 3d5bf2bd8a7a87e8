"""The base of Keras callbacks: ``Callback`` (a no-op for every event, with ``model`` and
``params`` set by ``fit``) and ``CallbackList`` (calls each callback in order).

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


class CallbackList:
    """Calls each callback in order (they share one logs dict per event, as in Keras)."""

    def __init__(self, callbacks):
        self.callbacks = list(callbacks)

    def set_model(self, model):
        for c in self.callbacks:
            c.set_model(model)

    def set_params(self, params):
        for c in self.callbacks:
            c.set_params(params)

    def _call(self, name, *args):
        for c in self.callbacks:
            getattr(c, name)(*args)

    def on_train_begin(self, logs=None): self._call("on_train_begin", logs or {})
    def on_train_end(self, logs=None): self._call("on_train_end", logs or {})
    def on_epoch_begin(self, epoch, logs=None): self._call("on_epoch_begin", epoch, logs or {})
    def on_epoch_end(self, epoch, logs=None): self._call("on_epoch_end", epoch, logs)
    def on_batch_begin(self, batch, logs=None): self._call("on_batch_begin", batch, logs or {})
    def on_batch_end(self, batch, logs=None): self._call("on_batch_end", batch, logs or {})
