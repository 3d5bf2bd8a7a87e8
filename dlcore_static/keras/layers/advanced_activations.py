"""Keras activation layers with parameters: ``LeakyReLU``, ``PReLU`` (a learned slope per
unit), ``ELU``, ``ThresholdedReLU``, ``ReLU``, ``Softmax``."""

from __future__ import annotations

import warnings

from dlcore import ops as _ops

from ..engine import Layer


class LeakyReLU(Layer):
    """Keras 3's: ``negative_slope`` (Keras 2's ``alpha`` is taken with Keras 3's warning)."""

    def __init__(self, negative_slope=0.3, **kwargs):
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
            warnings.warn("Argument `alpha` is deprecated. Use `negative_slope` instead.",
                          stacklevel=2)
        super().__init__(**kwargs)
        if negative_slope is None or negative_slope < 0:
            raise ValueError("The negative_slope value of a Leaky ReLU layer cannot be None "
                             "or negative value. Expected a float. Received: "
                             f"negative_slope={negative_slope}")
        self.supports_masking = True
        self.negative_slope = float(negative_slope)

    def call(self, x):
        return _ops.leaky_relu(x, self.negative_slope)


class PReLU(Layer):
    """``x`` where positive, ``alpha * x`` elsewhere, ``alpha`` a weight shaped like a sample
    (dimensions in ``shared_axes`` share one alpha)."""

    def __init__(self, alpha_initializer="zeros", alpha_regularizer=None,
                 alpha_constraint=None, shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.alpha_initializer = alpha_initializer
        self.alpha_regularizer = alpha_regularizer
        self.alpha_constraint = alpha_constraint
        self.shared_axes = [] if shared_axes is None else (
            list(shared_axes) if isinstance(shared_axes, (list, tuple)) else [shared_axes])

    def build(self, input_shape):
        shape = list(input_shape[1:])
        for ax in self.shared_axes:
            shape[ax - 1] = 1
        self.alpha = self.add_weight("alpha", tuple(shape), initializer=self.alpha_initializer,
                                     regularizer=self.alpha_regularizer,
                                     constraint=self.alpha_constraint)

    def call(self, x):
        pos = _ops.relu(x)
        neg = _ops.mul(self.alpha, _ops.sub(x, _ops.abs(x)))
        return _ops.add(pos, _ops.mul(neg, 0.5))


class ELU(Layer):
    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.alpha = float(alpha)

    def call(self, x):
        return _ops.elu(x, self.alpha)


class ThresholdedReLU(Layer):
    def __init__(self, theta=1.0, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.theta = float(theta)

    def call(self, x):
        return _ops.mul(x, _ops.cast(_ops.greater(x, self.theta), x.aval.dtype))


class ReLU(Layer):
    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.max_value, self.negative_slope = max_value, float(negative_slope)

    def call(self, x):
        y = _ops.leaky_relu(x, self.negative_slope) if self.negative_slope else _ops.relu(x)
        return _ops.minimum(y, float(self.max_value)) if self.max_value is not None else y


class Softmax(Layer):
    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.axis = axis

    def call(self, x):
        return _ops.softmax(x, self.axis)
