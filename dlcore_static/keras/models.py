"""``Sequential``: Keras on the static engine.

A Sequential model owns a ``Graph`` and a ``Session``.  ``compile`` builds, in that graph, the
input placeholder, every layer, the target placeholder, the loss (the mean over the batch of
the per-sample loss), the metrics and the optimizer's update op, then initialises the
variables.  ``fit`` runs ``[update, loss, metrics]`` once per batch through ``Session.run``;
``evaluate`` and ``predict`` run the same graph without the update.
"""

from __future__ import annotations

import sys
import warnings

import numpy as np

from dlcore import ops as _ops

from .. import dtypes as _dtypes
from ..array_ops import placeholder, placeholder_with_default
from ..graph import Graph
from ..session import Session
from ..variables import global_variables_initializer
from . import callbacks as _callbacks
from . import losses as _losses
from . import optimizers as _optimizers
from .layers.core import Layer

_FIT_KEYS = {"batch_size", "epochs", "verbose", "callbacks", "validation_split",
             "validation_data", "shuffle", "class_weight", "sample_weight", "initial_epoch",
             "steps_per_epoch", "validation_steps"}


class Sequential:
    """A linear stack of layers: ``Sequential([Dense(...), ...])`` or ``.add(layer)``."""

    def __init__(self, layers=None, name: str | None = None, device=None):
        self.name = name or "sequential"
        self.layers: list[Layer] = []
        self.graph = Graph()
        self.device = device
        self._session: Session | None = None
        self._compiled = False
        self._built = False
        self.history = None
        for layer in layers or []:
            self.add(layer)

    def add(self, layer: Layer) -> None:
        if not isinstance(layer, Layer):
            raise TypeError(f"The added layer must be an instance of class Layer. Found: {layer}")
        if not self.layers and layer.input_shape_arg is None:
            raise ValueError("The first layer in a Sequential model must get an `input_shape` "
                             "or `input_dim` argument.")
        if self._built:
            raise RuntimeError("dlcore Sequential: add layers before compile()")
        layer._model = self
        self.layers.append(layer)

    # -- graph construction
    def _build(self) -> None:
        if self._built:
            return
        with self.graph.as_default():
            shape = (None,) + tuple(self.layers[0].input_shape_arg)
            self._x = placeholder(_dtypes.float32, shape, name="input")
            self._training = placeholder_with_default(False, (), name="keras_learning_phase")
            out = self._x
            for layer in self.layers:
                out = layer(out, self._training)
            self._y_pred = out
        self._built = True

    def compile(self, optimizer="rmsprop", loss=None, metrics=None, loss_weights=None,
                **kwargs) -> None:
        if loss is None:
            raise ValueError("compile needs a `loss`")
        self._build()
        opt = _optimizers.get(optimizer)
        loss_fn = _losses.get(loss)
        self._loss_name = loss if isinstance(loss, str) else getattr(loss, "__name__", "loss")
        with self.graph.as_default():
            out = self._y_pred
            sparse = self._loss_name == "sparse_categorical_crossentropy"
            y_shape = (None, 1) if sparse else tuple(out.aval.shape)
            self._y = placeholder(_dtypes.float32, y_shape, name="target")
            with self.graph.name_scope("loss"):
                self._loss = _ops.mean(loss_fn(self._y, out))
            self._metric_names, self._metrics = [], []
            for m in metrics or []:
                name, t = self._metric(m, out, sparse)
                self._metric_names.append(name)
                self._metrics.append(t)
            with self.graph.name_scope("training"):
                self._train_op = opt.build().minimize(self._loss)
            init = global_variables_initializer()
        self._session = Session(graph=self.graph, device=self.device)
        self._session.run(init)
        self.optimizer = opt
        self._compiled = True

    def _metric(self, m, out, sparse: bool):
        if m in ("accuracy", "acc"):
            with self.graph.name_scope("metrics"):
                if sparse:
                    truth = _ops.cast(_ops.squeeze(self._y, -1), "int64")
                    hit = _ops.equal(truth, _ops.argmax(out, -1))
                elif out.aval.shape[-1] == 1:
                    hit = _ops.equal(_ops.greater(self._y, 0.5), _ops.greater(out, 0.5))
                else:
                    hit = _ops.equal(_ops.argmax(self._y, -1), _ops.argmax(out, -1))
                return m, _ops.mean(_ops.cast(hit, "float32"))
        fn = _losses.get(m)
        with self.graph.name_scope("metrics"):
            return (m if isinstance(m, str) else fn.__name__), _ops.mean(fn(self._y, out))

    def _check_compiled(self) -> None:
        if not self._compiled:
            raise RuntimeError("You must compile your model before training/testing. Use "
                               "`model.compile(optimizer, loss)`.")

    def _targets(self, y) -> np.ndarray:
        y = np.asarray(y, dtype=np.float32)
        if y.ndim == 1:
            y = y.reshape(-1, 1)
        return y

    # -- training
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose=1, callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, initial_epoch=0,
            **kwargs):
        if "nb_epoch" in kwargs:
            warnings.warn("The `nb_epoch` argument in `fit` has been renamed `epochs`.",
                          UserWarning, stacklevel=2)
            epochs = kwargs.pop("nb_epoch")
        unknown = {k: v for k, v in kwargs.items() if k not in _FIT_KEYS}
        if unknown:
            raise TypeError(f"Unrecognized keyword arguments: {unknown}")
        unsupported = sorted(k for k, v in kwargs.items() if v is not None)
        if unsupported:
            raise NotImplementedError(f"dlcore_static.keras: fit({', '.join(unsupported)}=...) "
                                      "is not supported yet")
        self._check_compiled()
        x = np.asarray(x, dtype=np.float32)
        y = self._targets(y)
        batch_size = 32 if batch_size is None else int(batch_size)
        val = None
        if validation_data is not None:
            val = (np.asarray(validation_data[0], np.float32), self._targets(validation_data[1]))
        elif validation_split and 0.0 < validation_split < 1.0:
            split_at = int(len(x) * (1.0 - validation_split))     # the last samples, unshuffled
            x, val = x[:split_at], (x[split_at:], y[split_at:])
            y = y[:split_at]
        history = _callbacks.History()
        cbs: list = [history]
        if verbose:
            cbs.append(_callbacks.ProgbarLogger(verbose, sys.stdout))
        cbs += list(callbacks or [])
        n = len(x)
        params = {"batch_size": batch_size, "epochs": epochs, "steps": -(-n // batch_size),
                  "samples": n, "verbose": verbose, "do_validation": val is not None,
                  "metrics": ["loss"] + self._metric_names}
        for cb in cbs:
            cb.set_model(self)
            cb.set_params(params)
            cb.on_train_begin()
        sess = self._session
        fetches = [self._train_op, self._loss] + self._metrics
        self.stop_training = False
        for epoch in range(initial_epoch, epochs):
            for cb in cbs:
                cb.on_epoch_begin(epoch)
            order = np.random.permutation(n) if shuffle else np.arange(n)
            sums = np.zeros(1 + len(self._metrics))
            for b, start in enumerate(range(0, n, batch_size)):
                idx = order[start:start + batch_size]
                for cb in cbs:
                    cb.on_batch_begin(b)
                xb, yb = (x[idx], y[idx]) if shuffle else (x[start:start + batch_size],
                                                          y[start:start + batch_size])
                out = sess.run(fetches, {self._x: xb, self._y: yb, self._training: True})
                vals = [float(v) for v in out[1:]]
                sums += np.array(vals) * len(idx)
                logs = dict(zip(["loss"] + self._metric_names, vals), batch=b, size=len(idx))
                for cb in cbs:
                    cb.on_batch_end(b, {k: v for k, v in logs.items() if k != "batch"})
            logs = dict(zip(["loss"] + self._metric_names, (sums / max(n, 1)).tolist()))
            if val is not None:
                v = self.evaluate(val[0], val[1], batch_size=batch_size, verbose=0)
                v = v if isinstance(v, list) else [v]
                logs.update({f"val_{k}": vv for k, vv in zip(["loss"] + self._metric_names, v)})
            for cb in cbs:
                cb.on_epoch_end(epoch, logs)
            if self.stop_training:
                break
        for cb in cbs:
            cb.on_train_end()
        history.params = params
        history.model = self
        self.history = history
        return history

    def evaluate(self, x=None, y=None, batch_size=None, verbose=1, **kwargs):
        """The loss (and metrics) averaged over the samples: a float, or [loss, *metrics]."""
        self._check_compiled()
        x = np.asarray(x, dtype=np.float32)
        y = self._targets(y)
        batch_size = 32 if batch_size is None else int(batch_size)
        sums = np.zeros(1 + len(self._metrics))
        for start in range(0, len(x), batch_size):
            xb, yb = x[start:start + batch_size], y[start:start + batch_size]
            out = self._session.run([self._loss] + self._metrics, {self._x: xb, self._y: yb})
            sums += np.array([float(v) for v in out]) * len(xb)
        res = (sums / max(len(x), 1)).tolist()
        if verbose:
            print(f"{len(x)}/{len(x)} - " + " - ".join(
                f"{k}: {v:.4f}" for k, v in zip(["loss"] + self._metric_names, res)))
        return res[0] if not self._metrics else res

    def predict(self, x, batch_size=None, verbose=0, **kwargs) -> np.ndarray:
        if self._session is None:
            self._build()
            with self.graph.as_default():
                init = global_variables_initializer()
            self._session = Session(graph=self.graph, device=self.device)
            self._session.run(init)
        x = np.asarray(x, dtype=np.float32)
        batch_size = 32 if batch_size is None else int(batch_size)
        outs = [self._session.run(self._y_pred, {self._x: x[s:s + batch_size]})
                for s in range(0, len(x), batch_size)]
        return np.concatenate(outs, axis=0) if outs else np.zeros((0,) + self.output_shape[1:])

    # -- inspection
    @property
    def output_shape(self):
        self._build()
        return tuple(self._y_pred.aval.shape)

    def count_params(self) -> int:
        self._build()
        return sum(layer.count_params() for layer in self.layers)

    def summary(self, print_fn=print) -> None:
        self._build()
        line = "_" * 65
        print_fn(f'Model: "{self.name}"')
        print_fn(line)
        print_fn(f"{'Layer (type)':<29}{'Output Shape':<26}{'Param #':<10}")
        print_fn("=" * 65)
        for i, layer in enumerate(self.layers):
            shape = "(" + ", ".join("None" if d is None else str(d)
                                    for d in layer.output_shape) + ")"
            print_fn(f"{layer.name + ' (' + type(layer).__name__ + ')':<29}{shape:<26}"
                     f"{layer.count_params():<10}")
            print_fn("=" * 65 if i == len(self.layers) - 1 else line)
        total = self.count_params()
        trainable = sum(int(np.prod(v.aval.shape)) for layer in self.layers
                        for v in layer.weights if v.trainable)
        print_fn(f"Total params: {total:,}")
        print_fn(f"Trainable params: {trainable:,}")
        print_fn(f"Non-trainable params: {total - trainable:,}")
        print_fn(line)

    def get_weights(self) -> list:
        self._check_compiled()
        return self._session.run([w for layer in self.layers for w in layer.weights])

    def set_weights(self, weights) -> None:
        self._check_compiled()
        ws = [w for layer in self.layers for w in layer.weights]
        for w, v in zip(ws, weights):
            w.load(v, self._session)

    @property
    def weights(self) -> list:
        return [w for layer in self.layers for w in layer.weights]

    trainable_weights = weights
