"""Keras layers that tutorial programs use besides the core ones: normalization and noise.

    LayerNormalization   y = (x - mean) / sqrt(var + epsilon) * gamma + beta, the moments over
                         ``axis`` (default the last) of each sample; gamma, beta of those axes
    UnitNormalization    y = x / sqrt(max(sum(x^2, axis), 1e-12))
    GaussianNoise        training: x + N(0, stddev^2) per element; otherwise x
    GaussianDropout      training: x * N(1, rate / (1 - rate)) per element; otherwise x
    AlphaDropout         training: dropped inputs set to SELU's -lambda*alpha, then the affine
                         map that keeps mean and variance (Keras's formula); otherwise x
    SpatialDropout1D/2D/3D   Dropout with one draw per (sample, channel): whole feature maps
    ActivityRegularization   identity, adding l1 * sum|y| + l2 * sum y^2 to the model's losses
    Rescaling            y = x * scale + offset;   Identity   y = x

The learning phase (``training`` argument, else ``K.learning_phase()``) switches the noise as
Dropout does.
"""

from __future__ import annotations

import numpy as np

from dlcore import ops as _ops

from .. import backend as K
from .. import constraints, regularizers
from ..engine import Layer

__all__ = ["ActivityRegularization", "AlphaDropout", "GaussianDropout", "GaussianNoise",
           "Identity", "LayerNormalization", "Rescaling", "SpatialDropout1D",
           "SpatialDropout2D", "SpatialDropout3D", "UnitNormalization"]


def _phase(x, noisy, training):
    """``noisy`` while training, ``x`` otherwise (a fed learning phase picks at run time)."""
    training = K.learning_phase() if training is None else training
    if training is False or training == 0:
        return x
    if training is True or training == 1:
        return noisy()
    return _ops.where(training, noisy(), x)


class LayerNormalization(Layer):
    """Normalises each sample over ``axis`` (an int or a list), then scales and shifts."""

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.axis = list(axis) if isinstance(axis, (list, tuple)) else [int(axis)]
        self.epsilon, self.center, self.scale = float(epsilon), center, scale
        self._inits = (gamma_initializer, beta_initializer)
        self._regs = (regularizers.get(gamma_regularizer), regularizers.get(beta_regularizer))
        self._cons = (constraints.get(gamma_constraint), constraints.get(beta_constraint))
        self.supports_masking = True

    def build(self, input_shape) -> None:
        nd = len(input_shape)
        axes = sorted(a % nd for a in self.axis)
        if any(not 0 < a < nd for a in axes):
            raise ValueError(f"Invalid axis: {self.axis} for an input of rank {nd}")
        dims = tuple(input_shape[a] for a in axes)
        if None in dims:
            raise ValueError(f"Axis {self.axis} of input tensor should have a defined dimension "
                             f"but the layer received an input with shape {input_shape}.")
        self._axes, self._shape = tuple(axes), dims
        self.gamma = self.add_weight(name="gamma", shape=dims, initializer=self._inits[0],
                                     regularizer=self._regs[0], constraint=self._cons[0]) \
            if self.scale else None
        self.beta = self.add_weight(name="beta", shape=dims, initializer=self._inits[1],
                                    regularizer=self._regs[1], constraint=self._cons[1]) \
            if self.center else None
        self.built = True

    def call(self, x):
        nd = x.aval.ndim
        mean = _ops.mean(x, self._axes, keepdims=True)
        var = _ops.mean(_ops.square(_ops.sub(x, mean)), self._axes, keepdims=True)
        y = _ops.mul(_ops.sub(x, mean), _ops.rsqrt(_ops.add(var, self.epsilon)))
        bshape = [1] * nd
        for a, d in zip(self._axes, self._shape):
            bshape[a] = d
        if self.gamma is not None:
            y = _ops.mul(y, _ops.reshape(self.gamma.value(), tuple(bshape)))
        if self.beta is not None:
            y = _ops.add(y, _ops.reshape(self.beta.value(), tuple(bshape)))
        return y

    def compute_output_shape(self, input_shape):
        return input_shape


class UnitNormalization(Layer):
    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def call(self, x):
        return K.l2_normalize(x, self.axis)          # x * rsqrt(max(sum(x^2, axis), 1e-12))


class GaussianNoise(Layer):
    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.stddev, self.seed = float(stddev), seed
        self.supports_masking = True

    def call(self, x, training=None):
        from ...random_ops import _random

        def noisy():
            z = _random("RandomStandardNormal", None, x.dtype, self.seed, None, like=x,
                        mean=0.0, stddev=1.0)
            return _ops.add(x, _ops.mul(z, self.stddev))
        return _phase(x, noisy, training)


class GaussianDropout(Layer):
    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate, self.seed = float(rate), seed
        self.supports_masking = True

    def call(self, x, training=None):
        from ...random_ops import _random
        if not 0 < self.rate < 1:
            return x

        def noisy():
            z = _random("RandomStandardNormal", None, x.dtype, self.seed, None, like=x,
                        mean=0.0, stddev=1.0)
            std = float(np.sqrt(self.rate / (1.0 - self.rate)))
            return _ops.mul(x, _ops.add(_ops.mul(z, std), 1.0))
        return _phase(x, noisy, training)


class AlphaDropout(Layer):
    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        if noise_shape is not None:             # (was silently ignored)
            raise NotImplementedError("AlphaDropout: noise_shape is not supported by dlcore")
        super().__init__(**kwargs)
        self.rate, self.seed = float(rate), seed
        self.supports_masking = True

    def call(self, x, training=None):
        from ...random_ops import random_uniform_like
        if not 0 < self.rate < 1:
            return x
        alpha_p = -1.6732632423543772848170429916717 * 1.0507009873554804934193349852946
        r = self.rate
        a = ((1 - r) * (1 + r * alpha_p ** 2)) ** -0.5
        b = -a * alpha_p * r

        def noisy():
            keep = _ops.cast(_ops.greater_equal(random_uniform_like(x, seed=self.seed), r),
                             x.aval.dtype)
            y = _ops.add(_ops.mul(x, keep), _ops.mul(_ops.sub(1.0, keep), alpha_p))
            return _ops.add(_ops.mul(y, a), b)
        return _phase(x, noisy, training)


class _SpatialDropout(Layer):
    _rank = 1

    def __init__(self, rate, data_format=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate, self.seed = float(rate), seed
        self.data_format = data_format or ("channels_last" if self._rank == 1
                                           else K.image_data_format())
        if self.data_format not in ("channels_last", "channels_first"):
            raise ValueError(f"`data_format` must be 'channels_last' or 'channels_first'. "
                             f"Received: data_format={data_format}")

    def call(self, x, training=None):
        from ...random_ops import random_uniform_like
        if self.rate == 0:
            return x
        if x.aval.ndim != self._rank + 2:
            raise ValueError(f"{type(self).__name__} expects an input of rank "
                             f"{self._rank + 2}, got shape {x.shape}")
        first = self.data_format == "channels_first"
        pick = [slice(None)] * x.aval.ndim          # one draw per (sample, channel)
        for a in (range(2, x.aval.ndim) if first else range(1, x.aval.ndim - 1)):
            pick[a] = slice(0, 1)

        def noisy():
            u = random_uniform_like(_ops.getitem(x, tuple(pick)), seed=self.seed)
            keep = _ops.div(_ops.cast(_ops.greater_equal(u, self.rate), x.aval.dtype),
                            1.0 - self.rate)
            return _ops.mul(x, keep)
        return _phase(x, noisy, training)


class SpatialDropout1D(_SpatialDropout):
    _rank = 1


class SpatialDropout2D(_SpatialDropout):
    _rank = 2


class SpatialDropout3D(_SpatialDropout):
    _rank = 3


class ActivityRegularization(Layer):
    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        super().__init__(activity_regularizer=regularizers.L1L2(l1=l1, l2=l2), **kwargs)
        self.l1, self.l2 = float(l1), float(l2)
        self.supports_masking = True

    def call(self, x):
        return x


class Rescaling(Layer):
    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale, self.offset = scale, offset

    def call(self, x):
        if x.aval.dtype.kind in "iu":
            x = _ops.cast(x, np.float32)
        return _ops.add(_ops.mul(x, self.scale), self.offset)


class Identity(Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, x):
        return x
