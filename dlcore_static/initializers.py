"""Initializers: callables ``init(shape, dtype) -> Tensor`` used by layers and get_variable.

They build graph nodes (a constant or a random op); the values appear when the variable's
initializer runs.  ``glorot_uniform`` (Xavier) draws from U(-l, l) with
``l = sqrt(6 / (fan_in + fan_out))``; ``he_normal`` from a truncated normal with
``stddev = sqrt(2 / fan_in)``; ``variance_scaling`` is the general form.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from . import dtypes as _dtypes
from .array_ops import _shape_tuple
from .frontend import constant as _constant
from .graph import get_default_graph
from .random_ops import random_normal as _random_normal
from .random_ops import random_uniform as _random_uniform
from .random_ops import truncated_normal as _truncated_normal


def _fans(shape) -> tuple[float, float]:
    shape = tuple(shape)
    if len(shape) < 1:
        return 1.0, 1.0
    if len(shape) == 1:
        return float(shape[0]), float(shape[0])
    receptive = float(np.prod(shape[:-2])) if len(shape) > 2 else 1.0
    return shape[-2] * receptive, shape[-1] * receptive


class Initializer:
    """TF 1.15's ``init_ops.Initializer``: ``get_config()`` gives the constructor arguments
    named in ``_TF1_KEYS`` and, for a class with a dtype, ``'dtype'`` by name (what TF 1.15
    returns, e.g. ``{'seed': None, 'dtype': 'float32'}`` of ``glorot_uniform_initializer()``);
    ``from_config(config)`` is ``cls(**config)``.  Keras's classes (``keras.initializers``)
    override both with Keras 3's configuration."""

    _TF1_KEYS: tuple = ()

    def __call__(self, shape, dtype=None, partition_info=None):
        raise NotImplementedError

    def get_config(self) -> dict:
        out: dict = {k: getattr(self, k) for k in self._TF1_KEYS}
        if hasattr(self, "dtype"):
            out["dtype"] = _dtypes.as_dtype(self.dtype).name
        return out

    @classmethod
    def from_config(cls, config: dict):
        conf = dict(config)
        if "dtype" in conf:
            conf["dtype"] = _dtypes.as_dtype(conf["dtype"])
        return cls(**conf)


class Zeros(Initializer):
    def __init__(self, dtype=_dtypes.float32):
        self.dtype = dtype

    def __call__(self, shape, dtype=None, partition_info=None):
        return _constant(0, dtype or self.dtype, _shape_tuple(shape), name="zeros")


class Ones(Initializer):
    def __init__(self, dtype=_dtypes.float32):
        self.dtype = dtype

    def __call__(self, shape, dtype=None, partition_info=None):
        return _constant(1, dtype or self.dtype, _shape_tuple(shape), name="ones")


class Constant(Initializer):
    _TF1_KEYS: tuple = ("value",)

    def __init__(self, value=0, dtype=_dtypes.float32, verify_shape=False):
        self.value, self.dtype = value, dtype

    def __call__(self, shape, dtype=None, partition_info=None):
        return _constant(self.value, dtype or self.dtype, _shape_tuple(shape), name="Const")


class RandomNormal(Initializer):
    _TF1_KEYS: tuple = ("mean", "stddev", "seed")

    def __init__(self, mean=0.0, stddev=1.0, seed=None, dtype=_dtypes.float32):
        self.mean, self.stddev, self.seed, self.dtype = mean, stddev, seed, dtype

    def __call__(self, shape, dtype=None, partition_info=None):
        return _random_normal(_shape_tuple(shape), self.mean, self.stddev, dtype or self.dtype,
                             self.seed)


class TruncatedNormal(RandomNormal):
    def __call__(self, shape, dtype=None, partition_info=None):
        return _truncated_normal(_shape_tuple(shape), self.mean, self.stddev,
                                dtype or self.dtype, self.seed)


class RandomUniform(Initializer):
    _TF1_KEYS: tuple = ("minval", "maxval", "seed")

    def __init__(self, minval=-0.05, maxval=0.05, seed=None, dtype=_dtypes.float32):
        self.minval, self.maxval, self.seed, self.dtype = minval, maxval, seed, dtype

    def __call__(self, shape, dtype=None, partition_info=None):
        return _random_uniform(_shape_tuple(shape), self.minval, self.maxval,
                              dtype or self.dtype, self.seed)


class VarianceScaling(Initializer):
    """``scale / n`` variance, n = fan_in, fan_out or their average; normal or uniform."""

    _TF1_KEYS: tuple = ("scale", "mode", "distribution", "seed")

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None,
                 dtype=_dtypes.float32):
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"Invalid `mode` argument: {mode}")
        self.scale, self.mode, self.distribution = scale, mode, distribution
        self.seed, self.dtype = seed, dtype

    def __call__(self, shape, dtype=None, partition_info=None):
        shape = _shape_tuple(shape)
        fan_in, fan_out = _fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        var = self.scale / max(1.0, n)
        dt = dtype or self.dtype
        if self.distribution in ("normal", "truncated_normal"):
            # 0.8796... is the stddev of a unit normal truncated to [-2, 2]
            return _truncated_normal(shape, 0.0, math.sqrt(var) / 0.87962566103423978, dt,
                                    self.seed)
        if self.distribution == "untruncated_normal":
            return _random_normal(shape, 0.0, math.sqrt(var), dt, self.seed)
        limit = math.sqrt(3.0 * var)
        return _random_uniform(shape, -limit, limit, dt, self.seed)


class GlorotUniform(VarianceScaling):
    _TF1_KEYS: tuple = ("seed",)

    def __init__(self, seed=None, dtype=_dtypes.float32):
        super().__init__(1.0, "fan_avg", "uniform", seed, dtype)


class GlorotNormal(VarianceScaling):
    _TF1_KEYS: tuple = ("seed",)

    def __init__(self, seed=None, dtype=_dtypes.float32):
        super().__init__(1.0, "fan_avg", "truncated_normal", seed, dtype)


class Identity(Initializer):
    """``gain * I`` for a 2-D shape (``np.eye(rows, cols)``), Keras' ``identity``."""

    _TF1_KEYS: tuple = ("gain",)

    def __init__(self, gain=1.0, dtype=_dtypes.float32):
        self.gain, self.dtype = gain, dtype

    def __call__(self, shape, dtype=None, partition_info=None):
        shape = _shape_tuple(shape)
        if len(shape) != 2:
            raise ValueError(f"Identity matrix initializer can only be used for 2D matrices. "
                             f"Received: shape={shape} of rank {len(shape)}.")
        return _constant(self.gain * np.eye(*shape), dtype or self.dtype, shape,
                        name="identity")


class Orthogonal(Initializer):
    """``gain * Q`` with Q orthogonal: the QR factor (signs fixed by ``diag(R)``) of a
    standard normal ``(max(r, c), min(r, c))`` matrix, ``r = prod(shape[:-1])``,
    ``c = shape[-1]``, transposed when ``r < c`` (Keras' and TensorFlow's construction; the
    values are drawn when the graph is built, from NumPy's generator seeded by ``seed``)."""

    _TF1_KEYS: tuple = ("gain", "seed")

    def __init__(self, gain=1.0, seed=None, dtype=_dtypes.float32):
        self.gain, self.seed, self.dtype = gain, seed, dtype

    def __call__(self, shape, dtype=None, partition_info=None):
        shape = _shape_tuple(shape)
        if len(shape) < 2:
            raise ValueError(f"The tensor to initialize must be at least two-dimensional. "
                             f"Received: shape={shape} of rank {len(shape)}.")
        rows, cols = int(np.prod(shape[:-1])), int(shape[-1])
        rng = np.random.RandomState(self.seed) if self.seed is not None else np.random
        q, r = np.linalg.qr(rng.standard_normal((max(rows, cols), min(rows, cols))))
        q = q * np.sign(np.diag(r))
        q = q if rows >= cols else q.T
        return _constant((self.gain * q).reshape(shape), dtype or self.dtype, shape,
                        name="orthogonal")


def lecun_normal(seed=None):
    return VarianceScaling(1.0, "fan_in", "truncated_normal", seed)


def lecun_uniform(seed=None):
    return VarianceScaling(1.0, "fan_in", "uniform", seed)


def he_normal(seed=None):
    return VarianceScaling(2.0, "fan_in", "truncated_normal", seed)


def he_uniform(seed=None):
    return VarianceScaling(2.0, "fan_in", "uniform", seed)


def glorot_uniform_initializer(seed=None, dtype=_dtypes.float32):
    return GlorotUniform(seed, dtype)


def glorot_normal_initializer(seed=None, dtype=_dtypes.float32):
    """``tf.glorot_normal_initializer``: Xavier normal initialisation, a truncated normal with
    stddev ``sqrt(2 / (fan_in + fan_out))`` (TF 1.15's ``variance_scaling`` with scale 1,
    mode ``fan_avg``)."""
    return GlorotNormal(seed, dtype)


zeros = zeros_initializer = Zeros
ones = ones_initializer = Ones
constant_initializer = Constant
random_normal_initializer = RandomNormal
truncated_normal_initializer = TruncatedNormal
random_uniform_initializer = RandomUniform
variance_scaling_initializer = VarianceScaling
glorot_uniform = glorot_uniform_initializer
glorot_normal = glorot_normal_initializer
xavier = glorot_uniform_initializer
orthogonal_initializer = orthogonal = Orthogonal
identity = Identity
# tf.initializers.* (TensorFlow 1.15's v1 names): the initializer classes, not the ops
constant = Constant
random_normal = RandomNormal
random_uniform = RandomUniform
truncated_normal = TruncatedNormal
variance_scaling = VarianceScaling


def global_variables():
    """``tf.initializers.global_variables()``: ``tf.global_variables_initializer()``."""
    from .variables import global_variables_initializer
    return global_variables_initializer()


def local_variables():
    """``tf.initializers.local_variables()``: ``tf.local_variables_initializer()``."""
    from .variables import local_variables_initializer
    return local_variables_initializer()


def variables(var_list, name="init"):
    """``tf.initializers.variables(var_list)``: ``tf.variables_initializer(var_list)``."""
    from .variables import variables_initializer
    return variables_initializer(var_list, name)


def get(identifier):
    """An initializer from a Keras-style name ('glorot_uniform', 'zeros', ...) or object."""
    if identifier is None:
        return None
    if callable(identifier):
        return identifier
    # every name keras.initializers.get knows (Keras 3's ALL_OBJECTS_DICT, snake_case and
    # class names), with Keras' defaults (stddev 0.05, limits +-0.05)
    table: dict[str, Callable[[], Any]] = {
             "zeros": Zeros, "zero": Zeros, "ones": Ones, "one": Ones,
             "constant": lambda: Constant(0.0),
             "glorot_uniform": GlorotUniform, "glorot_normal": GlorotNormal,
             "he_normal": he_normal, "he_uniform": he_uniform,
             "lecun_normal": lecun_normal, "lecun_uniform": lecun_uniform,
             "random_normal": lambda: RandomNormal(0.0, 0.05),
             "normal": lambda: RandomNormal(0.0, 0.05),
             "uniform": RandomUniform, "random_uniform": RandomUniform,
             "truncated_normal": lambda: TruncatedNormal(0.0, 0.05),
             "variance_scaling": VarianceScaling, "identity": Identity,
             "orthogonal": Orthogonal}
    table.update({"Zeros": Zeros, "Ones": Ones, "Constant": table["constant"],
                  "GlorotUniform": GlorotUniform, "GlorotNormal": GlorotNormal,
                  "HeNormal": he_normal, "HeUniform": he_uniform,
                  "LecunNormal": lecun_normal, "LecunUniform": lecun_uniform,
                  "RandomNormal": table["random_normal"], "RandomUniform": RandomUniform,
                  "TruncatedNormal": table["truncated_normal"],
                  "VarianceScaling": VarianceScaling, "Identity": Identity,
                  "IdentityInitializer": Identity, "Orthogonal": Orthogonal,
                  "OrthogonalInitializer": Orthogonal})
    if identifier not in table:
        raise ValueError(f"Unknown initializer: {identifier}")
    return table[identifier]()


def add_to_collection(name, value) -> None:
    get_default_graph().add_to_collection(name, value)


def get_collection(key, scope=None) -> list:
    return get_default_graph().get_collection(key, scope)
