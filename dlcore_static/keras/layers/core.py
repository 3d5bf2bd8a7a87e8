"""Keras core layers: ``Dense``, ``Activation``, ``Dropout``, ``Flatten``.

A layer is configured when constructed and *built* (its variables created in the model's graph)
the first time it is called on a tensor.  Keras 1 names (``output_dim``, ``init``, ``p``) are
converted with a warning (see ``legacy.py``).
"""

from __future__ import annotations

import numpy as np

from dlcore import ops as _ops

from ... import initializers as _init
from ...variables import Variable
from .. import activations, legacy


class Layer:
    """Base class: ``build(input_shape)`` makes the weights, ``call(x, training)`` the ops."""

    _counts: dict = {}

    def __init__(self, name: str | None = None, input_shape=None, input_dim=None,
                 batch_input_shape=None, trainable: bool = True):
        cls = type(self).__name__.lower()
        if name is None:
            i = Layer._counts.get(cls, 0) + 1
            Layer._counts[cls] = i
            name = f"{cls}_{i}"
        self.name = name
        if input_dim is not None and input_shape is None:
            input_shape = (input_dim,)
        if batch_input_shape is not None:
            input_shape = tuple(batch_input_shape[1:])
        self.input_shape_arg = None if input_shape is None else tuple(input_shape)
        self.trainable = trainable
        self.built = False
        self.weights: list[Variable] = []
        self.output_shape = None

    def build(self, input_shape) -> None:
        self.built = True

    def __call__(self, x, training=None):
        from ...graph import get_default_graph
        with get_default_graph().name_scope(self.name):
            if not self.built:
                self.build(tuple(x.aval.shape))
                self.built = True
            y = self.call(x, training)
        self.output_shape = tuple(y.aval.shape)
        return y

    def call(self, x, training=None):
        raise NotImplementedError

    def add_weight(self, name: str, shape, initializer, trainable: bool = True) -> Variable:
        init = _init.get(initializer)
        v = Variable(lambda: init(shape), name=name, trainable=trainable and self.trainable)
        self.weights.append(v)
        return v

    def count_params(self) -> int:
        return int(sum(np.prod(v.aval.shape) for v in self.weights))

    def get_weights(self) -> list:
        model = getattr(self, "_model", None)
        if model is None or model._session is None:
            raise RuntimeError("The layer's weights exist only after the model is compiled")
        return model._session.run(self.weights)

    def set_weights(self, values) -> None:
        for v, val in zip(self.weights, values):
            v.load(val, self._model._session)


class Dense(Layer):
    """``activation(x @ kernel + bias)``."""

    def __init__(self, units=None, activation=None, use_bias: bool = True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", **kwargs):
        if units is not None and "output_dim" in kwargs:
            raise TypeError("For the `units` argument, the layer received both the legacy "
                            "keyword argument `output_dim` and the Keras 2 keyword argument "
                            "`units`. Stick to the latter!")
        kwargs = legacy.convert("Dense", kwargs, {"output_dim": "units",
                                                  "init": "kernel_initializer",
                                                  "bias": "use_bias"},
                                args=() if units is None else (units,))
        if "units" in kwargs:
            units = kwargs.pop("units")
        kernel_initializer = kwargs.pop("kernel_initializer", kernel_initializer)
        use_bias = kwargs.pop("use_bias", use_bias)
        base = {k: kwargs.pop(k) for k in ("name", "input_shape", "input_dim",
                                           "batch_input_shape", "trainable") if k in kwargs}
        if kwargs:
            raise TypeError(f"Keyword argument not understood: {sorted(kwargs)}")
        if units is None:
            raise TypeError("Dense needs `units`")
        super().__init__(**base)
        self.units = int(units)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = kernel_initializer
        self.bias_initializer = bias_initializer

    def build(self, input_shape) -> None:
        d = input_shape[-1]
        if d is None:
            raise ValueError("The last dimension of the inputs to `Dense` should be defined. "
                             "Found `None`.")
        self.kernel = self.add_weight("kernel", (d, self.units), self.kernel_initializer)
        self.bias = self.add_weight("bias", (self.units,), self.bias_initializer) \
            if self.use_bias else None

    def call(self, x, training=None):
        y = _ops.matmul(x, self.kernel)
        if self.bias is not None:
            y = _ops.add(y, self.bias)
        return self.activation(y)


class Activation(Layer):
    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)

    def call(self, x, training=None):
        return self.activation(x)


class Dropout(Layer):
    """At training time zero each input with probability ``rate`` and scale by 1/(1-rate)."""

    def __init__(self, rate=None, noise_shape=None, seed=None, **kwargs):
        kwargs = legacy.convert("Dropout", kwargs, {"p": "rate"})
        if "rate" in kwargs:
            rate = kwargs.pop("rate")
        super().__init__(**kwargs)
        self.rate = float(rate)
        self.seed = seed

    def call(self, x, training=None):
        from ...random_ops import random_uniform_like
        if training is None or self.rate == 0:
            return x
        u = random_uniform_like(x, seed=self.seed)
        keep = _ops.div(_ops.cast(_ops.greater_equal(u, self.rate), x.aval.dtype),
                        1.0 - self.rate)
        return _ops.mul(x, _ops.where(training, keep, 1.0))


class Flatten(Layer):
    def call(self, x, training=None):
        rest = int(np.prod(x.aval.shape[1:]))
        return _ops.reshape(x, (-1, rest))


class InputLayer(Layer):
    def call(self, x, training=None):
        return x
