"""``tf.contrib.layers``: ``xavier_initializer`` (Glorot) and ``variance_scaling_initializer``."""

from __future__ import annotations

from .. import dtypes as _dtypes
from .. import initializers as _init
from ..layers import dense as fully_connected_dense


def xavier_initializer(uniform: bool = True, seed=None, dtype=_dtypes.float32):
    """Glorot: U(-l, l), l = sqrt(6 / (fan_in + fan_out)); or a normal with the same variance."""
    if uniform:
        return _init.GlorotUniform(seed, dtype)
    return _init.VarianceScaling(1.0, "fan_avg", "truncated_normal", seed, dtype)


xavier_initializer_conv2d = xavier_initializer


def variance_scaling_initializer(factor=2.0, mode="FAN_IN", uniform=False, seed=None,
                                 dtype=_dtypes.float32):
    return _init.VarianceScaling(factor, mode.lower(), "uniform" if uniform else
                                 "truncated_normal", seed, dtype)


def fully_connected(inputs, num_outputs, activation_fn=None, weights_initializer=None,
                    scope=None, **_ignored):
    from ..nn import relu
    act = relu if activation_fn == "default" else activation_fn
    return fully_connected_dense(inputs, num_outputs, act,
                                 kernel_initializer=weights_initializer or xavier_initializer(),
                                 name=scope)


def flatten(inputs, outputs_collections=None, scope=None):
    """``tf.contrib.layers.flatten``: (batch, everything else)."""
    from ..layers import flatten as _flatten
    return _flatten(inputs, name=scope)
