"""Keras core layers: ``Dense``, ``Activation``, ``Dropout``, ``Flatten``, ``Reshape``,
``Permute``, ``RepeatVector``, ``Lambda`` (and ``Layer``/``InputLayer``/``Input`` from the
engine).  Keras 1 names (``output_dim``, ``init``, ``p``) are converted with a warning (see
``legacy.py``).
"""

from __future__ import annotations

import numpy as np

from dlcore import ops as _ops

from .. import activations, constraints, legacy, regularizers
from .. import backend as K
from ..engine import Input, InputLayer, Layer  # noqa: F401 - re-exported
from . import _arg_checks as _checks


class Dense(Layer):
    """``activation(x @ kernel + bias)``."""

    def __init__(self, units=None, activation=None, use_bias: bool = True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, **kwargs):
        if units is not None and "output_dim" in kwargs:
            raise TypeError("For the `units` argument, the layer received both the legacy "
                            "keyword argument `output_dim` and the Keras 2 keyword argument "
                            "`units`. Stick to the latter!")
        kwargs = legacy.convert("Dense", kwargs, {"output_dim": "units",
                                                  "init": "kernel_initializer",
                                                  "bias": "use_bias", "W_regularizer":
                                                  "kernel_regularizer",
                                                  "b_regularizer": "bias_regularizer"},
                                args=() if units is None else (units,))
        if "units" in kwargs:
            units = kwargs.pop("units")
        kernel_initializer = kwargs.pop("kernel_initializer", kernel_initializer)
        use_bias = kwargs.pop("use_bias", use_bias)
        kernel_regularizer = kwargs.pop("kernel_regularizer", kernel_regularizer)
        bias_regularizer = kwargs.pop("bias_regularizer", bias_regularizer)
        kernel_constraint = kwargs.pop("kernel_constraint", None)
        bias_constraint = kwargs.pop("bias_constraint", None)
        if units is None:
            raise TypeError("Dense needs `units`")
        units = _checks.positive_units(units)
        super().__init__(**kwargs)
        self.supports_masking = True
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = kernel_initializer
        self.bias_initializer = bias_initializer
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)

    def build(self, input_shape) -> None:
        d = input_shape[-1]
        if d is None:
            raise ValueError("The last dimension of the inputs to `Dense` should be defined. "
                             "Found `None`.")
        self.kernel = self.add_weight("kernel", (d, self.units),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = self.add_weight("bias", (self.units,), initializer=self.bias_initializer,
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None

    def call(self, x):
        if x.aval.ndim > 2:
            from ...array_api import tensordot
            y = tensordot(x, self.kernel, [[x.aval.ndim - 1], [0]])
        else:
            y = _ops.matmul(x, self.kernel)
        if self.bias is not None:
            y = _ops.add(y, self.bias)
        return self.activation(y)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)


class Activation(Layer):
    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.activation = activations.get(activation)

    def call(self, x):
        return self.activation(x)


class Dropout(Layer):
    """While training (the learning phase), zero each input with probability ``rate`` and scale
    the rest by 1/(1-rate); identity otherwise."""

    def __init__(self, rate=None, noise_shape=None, seed=None, **kwargs):
        kwargs = legacy.convert("Dropout", kwargs, {"p": "rate"})
        if "rate" in kwargs:
            rate = kwargs.pop("rate")
        rate = _checks.rate(rate)
        super().__init__(**kwargs)
        self.supports_masking = True
        self.rate = rate
        self.seed = seed
        self.noise_shape = _checks.noise_shape(noise_shape)     # (was silently ignored)

    def call(self, x, training=None):
        return dropout(x, self.rate, self.seed, training, self.noise_shape)


def dropout(x, rate: float, seed, training, noise_shape=None):
    """Keras's dropout of ``x`` while training (``training`` None: the learning phase; a
    tensor: chosen at run time); one draw per element of ``noise_shape`` (None entries: x's
    dims), broadcast over the rest.  Also the attention layers' dropout of their weights."""
    from ...random_ops import random_uniform_like
    if rate == 0:
        return x
    training = K.learning_phase() if training is None else training
    if training is False or training == 0:
        return x
    like = x
    if noise_shape is not None:
        shape = tuple(x.aval.shape)
        if len(noise_shape) != len(shape) or any(
                d not in (None, 1) and shape[i] is not None and d != shape[i]
                for i, d in enumerate(noise_shape)):
            raise ValueError(f"Dropout: noise_shape {noise_shape} does not broadcast to the "
                             f"input's shape {shape}")
        idx = tuple(slice(0, 1) if d == 1 else slice(None) for d in noise_shape)
        like = _ops.getitem(x, idx)
    u = random_uniform_like(like, seed=seed)
    # rate 1 drops everything (Keras: zeros; dividing by 1 - rate made 0/0 = NaN)
    keep = _ops.mul(_ops.cast(_ops.greater_equal(u, rate), x.aval.dtype),
                    0.0 if rate >= 1 else 1.0 / (1.0 - rate))
    if training is True or training == 1:
        return _ops.mul(x, keep)
    return _ops.mul(x, _ops.where(training, keep, 1.0))


class Flatten(Layer):
    """Each sample as a vector; ``channels_first`` inputs are moved to channels-last first
    (Keras 3), so the order of the values does not depend on the format."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = _checks.data_format(data_format)

    def call(self, x):
        if self.data_format == "channels_first" and x.aval.ndim > 2:
            nd = x.aval.ndim
            x = _ops.transpose(x, (0, *range(2, nd), 1))
        rest = x.aval.shape[1:]
        if None in rest:
            raise ValueError(f"The shape of the input to \"Flatten\" is not fully defined (got "
                             f"{tuple(rest)}). Make sure to pass a complete \"input_shape\" or "
                             "\"batch_input_shape\" argument to the first layer in your model.")
        return _ops.reshape(x, (-1, int(np.prod(rest))))

    def compute_output_shape(self, input_shape):
        rest = tuple(input_shape)[1:]
        return (input_shape[0], None if None in rest else int(np.prod(rest)))


class Reshape(Layer):
    """Reshape each sample to ``target_shape`` (one entry may be -1)."""

    def __init__(self, target_shape, **kwargs):
        target_shape = _checks.target_shape(target_shape)
        super().__init__(**kwargs)
        self.target_shape = target_shape

    def call(self, x):
        return _ops.reshape(x, (-1,) + _fix_unknown(tuple(x.aval.shape[1:]), self.target_shape))


def _fix_unknown(rest: tuple, target: tuple) -> tuple:
    """``target`` with its -1 entry (if any) worked out from the sample shape ``rest``, as
    Keras's ``Reshape._fix_unknown_dimension`` (the batch stays -1, so it may be unknown)."""
    if -1 not in target:
        if None not in rest and int(np.prod(rest)) != int(np.prod(target)):
            # (it was built, and at run time its batch came out as N * prod(rest) / prod(target))
            raise ValueError(f"total size of new array must be unchanged, input_shape = "
                             f"{list(rest)}, output_shape = {list(target)}")
        return target
    if target.count(-1) > 1:
        raise ValueError("Can only specify one unknown dimension.")
    if None in rest:
        raise ValueError(f"Reshape: target_shape {target} has a -1 entry, which needs a fully "
                         f"known sample shape, got {rest}")
    known = int(np.prod([d for d in target if d != -1]))
    total = int(np.prod(rest))
    if known == 0 or total % known:
        raise ValueError(f"total size of new array must be unchanged, input_shape = "
                         f"{list(rest)}, output_shape = {list(target)}")
    return tuple(total // known if d == -1 else d for d in target)


class Permute(Layer):
    """Permute the non-batch dimensions: ``dims`` are 1-based, as in Keras."""

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        self.dims = tuple(int(d) for d in dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError(f"Invalid permutation `dims` for Permute Layer: {dims}. The set of "
                             "indices in `dims` must be consecutive and start from 1.")

    def call(self, x):
        return _ops.transpose(x, (0,) + self.dims)


class RepeatVector(Layer):
    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        self.n = int(n)

    def call(self, x):
        return K.repeat(x, self.n)


class Lambda(Layer):
    """A layer from a function of tensors: ``Lambda(lambda x: x ** 2)``."""

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        self.function = function
        self.arguments = arguments or {}
        self._output_shape = output_shape
        self.mask = mask
        self.supports_masking = mask is not None

    def call(self, inputs, mask=None):
        import inspect
        kw = dict(self.arguments)
        if mask is not None and "mask" in inspect.signature(self.function).parameters:
            kw["mask"] = mask
        return self.function(inputs, **kw)

    def compute_mask(self, inputs, mask=None):
        if callable(self.mask):
            return self.mask(inputs, mask)
        return self.mask if self.supports_masking else super().compute_mask(inputs, mask)

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            return input_shape
        if callable(self._output_shape):
            return self._output_shape(input_shape)
        return (input_shape[0],) + tuple(self._output_shape)
