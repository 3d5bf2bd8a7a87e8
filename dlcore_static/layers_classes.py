"""TF1's ``tf.layers`` classes (``tf.layers.Conv2D(32, 3)(x)``, ``MaxPooling2D``, ``Dropout``,
``Flatten``, ``BatchNormalization``, ...), next to the functions in ``layers``/``layers_conv``.

An object made once and called several times shares its variables, as in TF1: the convolution
classes are ``layers_conv.Conv`` with a fixed rank (its kernel and bias made on the first
call); ``BatchNormalization`` calls ``tf.layers.batch_normalization`` in the variable scope of
its first call with ``reuse=True`` afterwards.  The pooling, ``Flatten`` and ``Dropout``
classes hold their arguments and call the functions (``Dropout(rate)(x, training=...)``).
"""

from __future__ import annotations

from typing import Any

from . import layers as _layers
from . import layers_conv as _lc
from . import layers_conv3d as _lc3

__all__ = ["AveragePooling1D", "AveragePooling2D", "AveragePooling3D", "BatchNormalization",
           "Conv1D", "Conv2D", "Conv2DTranspose", "Conv3D", "Conv3DTranspose", "Dropout",
           "Flatten", "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "SeparableConv1D",
           "SeparableConv2D"]


class Conv1D(_lc.Conv):
    def __init__(self, filters, kernel_size, strides=1, padding="valid",
                 data_format="channels_last", dilation_rate=1, activation=None, use_bias=True,
                 kernel_initializer=None, bias_initializer=None, trainable=True, name=None,
                 **kw):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate,
                         activation, use_bias, kernel_initializer, bias_initializer, trainable,
                         name, rank=1, **kw)


class Conv2D(_lc.Conv):
    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid",
                 data_format="channels_last", dilation_rate=(1, 1), activation=None,
                 use_bias=True, kernel_initializer=None, bias_initializer=None, trainable=True,
                 name=None, **kw):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate,
                         activation, use_bias, kernel_initializer, bias_initializer, trainable,
                         name, rank=2, **kw)


class Conv3D(_lc.Conv):
    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid",
                 data_format="channels_last", dilation_rate=(1, 1, 1), activation=None,
                 use_bias=True, kernel_initializer=None, bias_initializer=None, trainable=True,
                 name=None, **kw):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate,
                         activation, use_bias, kernel_initializer, bias_initializer, trainable,
                         name, rank=3, **kw)


class Conv2DTranspose(_lc.Conv):
    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid",
                 data_format="channels_last", activation=None, use_bias=True,
                 kernel_initializer=None, bias_initializer=None, trainable=True, name=None,
                 **kw):
        super().__init__(filters, kernel_size, strides, padding, data_format, 1, activation,
                         use_bias, kernel_initializer, bias_initializer, trainable, name,
                         rank=2, transpose=True, **kw)


class Conv3DTranspose(_lc.Conv):
    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid",
                 data_format="channels_last", activation=None, use_bias=True,
                 kernel_initializer=None, bias_initializer=None, trainable=True, name=None,
                 **kw):
        super().__init__(filters, kernel_size, strides, padding, data_format, 1, activation,
                         use_bias, kernel_initializer, bias_initializer, trainable, name,
                         rank=3, transpose=True, **kw)


class SeparableConv1D(_lc3.SeparableConv):
    """TF1's ``tf.layers.SeparableConv1D``: ``separable_conv1d`` as an object."""

    def __init__(self, filters, kernel_size, strides=1, padding="valid",
                 data_format="channels_last", dilation_rate=1, depth_multiplier=1, **kw):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate,
                         depth_multiplier, rank=1, **kw)


class SeparableConv2D(_lc3.SeparableConv):
    """TF1's ``tf.layers.SeparableConv2D``: ``separable_conv2d`` as an object."""

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid",
                 data_format="channels_last", dilation_rate=(1, 1), depth_multiplier=1, **kw):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate,
                         depth_multiplier, rank=2, **kw)


class _Pool:
    _fn: Any = None

    def __init__(self, pool_size, strides, padding="valid", data_format="channels_last",
                 name=None, **_ignored):
        self.pool_size, self.strides, self.padding = pool_size, strides, padding
        self.data_format, self.name = data_format, name

    def __call__(self, inputs):
        return type(self)._fn(inputs, self.pool_size, self.strides, self.padding,
                              self.data_format, name=self.name)


class MaxPooling1D(_Pool):
    _fn = staticmethod(_lc.max_pooling1d)


class MaxPooling2D(_Pool):
    _fn = staticmethod(_lc.max_pooling2d)


class MaxPooling3D(_Pool):
    _fn = staticmethod(_lc3.max_pooling3d)


class AveragePooling1D(_Pool):
    _fn = staticmethod(_lc.average_pooling1d)


class AveragePooling2D(_Pool):
    _fn = staticmethod(_lc.average_pooling2d)


class AveragePooling3D(_Pool):
    _fn = staticmethod(_lc3.average_pooling3d)


class Flatten:
    def __init__(self, data_format=None, name=None, **_ignored):
        self.name = name

    def __call__(self, inputs):
        return _layers.flatten(inputs, name=self.name)


class Dropout:
    def __init__(self, rate=0.5, noise_shape=None, seed=None, name=None, **_ignored):
        self.rate, self.noise_shape, self.seed, self.name = rate, noise_shape, seed, name

    def __call__(self, inputs, training=False):
        return _layers.dropout(inputs, rate=self.rate, noise_shape=self.noise_shape,
                               seed=self.seed, training=training, name=self.name)


class BatchNormalization:
    """``tf.layers.batch_normalization`` as an object: the first call makes the variables in a
    new scope, later calls reuse them."""

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 name=None, **kwargs):
        self.kwargs = dict(axis=axis, momentum=momentum, epsilon=epsilon, center=center,
                           scale=scale, **kwargs)
        self.name = name
        self._scope = None

    def __call__(self, inputs, training=False):
        from .graph import get_default_graph
        from .layer_scope import unique_scope
        g = get_default_graph()
        if self._scope is None:
            with unique_scope(self.name, "batch_normalization") as vs:
                self._scope = vs                # (the scope's unique name, taken once)
            before = set(g.get_collection("variables"))
            out = _lc.batch_normalization(inputs, training=training, name=self._scope,
                                          **self.kwargs)
            self.variables = [v for v in g.get_collection("variables") if v not in before]
            return out
        return _lc.batch_normalization(inputs, training=training, name=self._scope,
                                       reuse=True, **self.kwargs)


def install(layers_module) -> None:
    """Bind the classes under ``tf.layers`` (never over an existing name)."""
    for n in __all__:
        if not hasattr(layers_module, n):
            setattr(layers_module, n, globals()[n])
