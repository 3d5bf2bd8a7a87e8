"""``keras.initializers``: Keras' initializer classes and names on dlcore_static's initializers.

The classes take Keras' arguments and defaults (``RandomNormal(mean=0.0, stddev=0.05)``,
``RandomUniform(minval=-0.05, maxval=0.05)``, ``TruncatedNormal(mean=0.0, stddev=0.05)``,
``VarianceScaling(scale=1.0, mode='fan_in', distribution='truncated_normal')``), and the
Keras 2 functions ``glorot_uniform(seed=None)``, ``he_normal(seed=None)``, ``lecun_normal``...
return the matching initializer.  ``get(name_or_object)`` knows every name Keras 3's
``keras.initializers.get`` does (snake case and class names).  Each instance is a callable
``init(shape, dtype=None)`` giving a graph tensor, what ``Layer.add_weight`` uses.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import initializers as _tf
from ..initializers import (
    Constant,
    GlorotNormal,
    GlorotUniform,
    Identity,
    Initializer,
    Ones,
    Orthogonal,
    VarianceScaling,
    Zeros,
    get,
)


class _Keras3Config:
    """Keras 3's ``get_config`` (its keys, e.g. ``{'seed', 'input_axes', 'output_axes'}``
    of ``HeNormal``) and ``from_config`` for the classes defined here (the TF1 classes
    re-exported above keep TF1's)."""

    _KEYS: tuple = ("seed", "input_axes", "output_axes")

    def get_config(self) -> dict:
        out: dict = {}
        for k in self._KEYS:
            v: Any = getattr(self, k, None)
            out[k] = v.item() if isinstance(v, np.generic) else v
        return out

    @classmethod
    def from_config(cls, config: dict):
        conf = dict(config)
        for k in ("input_axes", "output_axes"):      # (Keras 3's; only None is implemented)
            if conf.pop(k, None) is not None:
                raise ValueError(f"{cls.__name__}: {k} other than None is not supported "
                                 "by dlcore")
        return cls(**conf)


class RandomNormal(_Keras3Config, _tf.RandomNormal):
    _KEYS = ("seed", "mean", "stddev")

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(mean, stddev, seed)


class RandomUniform(_Keras3Config, _tf.RandomUniform):
    _KEYS = ("seed", "minval", "maxval")

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        super().__init__(minval, maxval, seed)


class TruncatedNormal(_Keras3Config, _tf.TruncatedNormal):
    _KEYS = ("seed", "mean", "stddev")

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(mean, stddev, seed)


class HeNormal(_Keras3Config, VarianceScaling):
    def __init__(self, seed=None):
        super().__init__(2.0, "fan_in", "truncated_normal", seed)


class HeUniform(_Keras3Config, VarianceScaling):
    def __init__(self, seed=None):
        super().__init__(2.0, "fan_in", "uniform", seed)


class LecunNormal(_Keras3Config, VarianceScaling):
    def __init__(self, seed=None):
        super().__init__(1.0, "fan_in", "truncated_normal", seed)


class LecunUniform(_Keras3Config, VarianceScaling):
    def __init__(self, seed=None):
        super().__init__(1.0, "fan_in", "uniform", seed)


zeros = zero = Zeros
ones = one = Ones
constant = Constant
random_normal = normal = RandomNormal
random_uniform = uniform = RandomUniform
truncated_normal = TruncatedNormal
variance_scaling = VarianceScaling
orthogonal = OrthogonalInitializer = Orthogonal
identity = IdentityInitializer = Identity
glorot_normal = GlorotNormal
glorot_uniform = GlorotUniform
he_normal = HeNormal
he_uniform = HeUniform
lecun_normal = LecunNormal
lecun_uniform = LecunUniform

__all__ = [
    "Constant",
    "GlorotNormal",
    "GlorotUniform",
    "HeNormal",
    "HeUniform",
    "Identity",
    "IdentityInitializer",
    "Initializer",
    "LecunNormal",
    "LecunUniform",
    "Ones",
    "Orthogonal",
    "OrthogonalInitializer",
    "RandomNormal",
    "RandomUniform",
    "TruncatedNormal",
    "VarianceScaling",
    "Zeros",
    "constant",
    "get",
    "glorot_normal",
    "glorot_uniform",
    "he_normal",
    "he_uniform",
    "identity",
    "lecun_normal",
    "lecun_uniform",
    "normal",
    "one",
    "ones",
    "orthogonal",
    "random_normal",
    "random_uniform",
    "truncated_normal",
    "uniform",
    "variance_scaling",
    "zero",
    "zeros",
]
