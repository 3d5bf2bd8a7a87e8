"""``tf.distributions.Normal``, ``Uniform`` and ``Beta`` (TensorFlow 1.15,
python/ops/distributions/{normal,uniform,beta}.py), composites of dlcore ops.

    Normal(loc, scale):   z = (x - loc) / scale
        log_prob = -z^2/2 - log(sqrt(2 pi) scale);  cdf = ndtr(z);  entropy = log(sqrt(2 pi e) scale)
        sample   = loc + scale * eps,  eps ~ N(0, 1)   (FULLY_REPARAMETERIZED: d sample / d loc = 1,
                                                        d sample / d scale = eps)
        KL(a || b) = (mu_a - mu_b)^2 / (2 s_b^2) + (r - 1 - log r) / 2,   r = s_a^2 / s_b^2
    Uniform(low, high):   prob = 1 / (high - low) on [low, high), 0 elsewhere (nan at nan)
        sample = low + (high - low) * u,  u ~ U[0, 1)      (FULLY_REPARAMETERIZED)
    Beta(c1, c0):         log_prob = (c1 - 1) log x + (c0 - 1) log1p(-x) - lbeta(c1, c0)
        sample = g1 / (g1 + g0),  g_i ~ Gamma(c_i)   (FULLY_REPARAMETERIZED, as TF 1.15: the
                                                      gamma draws' implicit gradients)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .distribution import FULLY_REPARAMETERIZED, Distribution, RegisterKL, _tf

__all__ = ["Beta", "LocScale", "Normal", "Uniform"]


# ---------------------------------------------------------------------- helpers
def broadcast_static(a, b, op: str):
    """The broadcast of two TensorShapes (unknown dims stay unknown); ValueError naming
    ``op`` and both shapes when they cannot broadcast."""
    tf = _tf()
    if a.ndims is None or b.ndims is None:
        return tf.TensorShape(None)
    x, y = a.as_list(), b.as_list()
    n = max(len(x), len(y))
    x = [1] * (n - len(x)) + x
    y = [1] * (n - len(y)) + y
    out = []
    for p, q in zip(x, y):
        if p == 1 or p == q:
            out.append(q)
        elif q == 1:
            out.append(p)
        elif p is None or q is None:
            out.append(q if p is None else p)
        else:
            raise ValueError(f"{op}: Incompatible shapes for broadcasting: {a} and {b}")
    return tf.TensorShape(out)


def broadcast_dynamic(*tensors):
    """The run-time broadcast shape of ``tensors`` (int32)."""
    tf = _tf()
    total = tf.zeros_like(tensors[0])
    for t in tensors[1:]:
        total = total + tf.zeros_like(t)
    return tf.shape(total)


def float_params(op: str, **values):
    """The parameters as tensors of one floating dtype: tensors keep theirs, Python numbers
    and arrays take the first tensor's (float32 when none is a tensor).  TypeError naming
    ``op`` when the tensors' dtypes differ or are not floating."""
    tf = _tf()
    known = [v.dtype for v in values.values() if isinstance(v, tf.Tensor)]
    dtype = known[0] if known else None
    out = {}
    for k, v in values.items():
        out[k] = tf.convert_to_tensor(v, name=k, dtype=None if isinstance(v, tf.Tensor)
                                      else dtype)
    dts = {k: v.dtype for k, v in out.items()}
    first = next(iter(dts.values()))
    if any(d != first for d in dts.values()):
        raise TypeError(f"{op}: parameters must have the same dtype, got " +
                        ", ".join(f"{k}: {tf.as_dtype(d).name}" for k, d in dts.items()))
    if not tf.as_dtype(first).is_floating:
        raise TypeError(f"{op}: parameters must be floating-point, got "
                        f"{tf.as_dtype(first).name}")
    return tuple(out.values())


def validated(tensor, check, message):
    """``tensor`` behind a run-time assertion (``validate_args=True``)."""
    tf = _tf()
    with tf.control_dependencies([check(tensor, message=message)]):
        return tf.identity(tensor)


def n_vector(n):
    """``[n]`` as an int32 vector (``n`` a Python int or a scalar tensor)."""
    tf = _tf()
    if isinstance(n, int):
        return tf.constant([n], dtype=tf.int32)
    return tf.reshape(tf.cast(n, tf.int32), [1])


def sample_shape(n, batch):
    """``[n] + batch`` as a Python list when both are known, else None."""
    if isinstance(n, int) and batch.is_fully_defined():
        return [n] + batch.as_list()
    return None


def ndtr(z):
    tf = _tf()
    return 0.5 * tf.math.erfc(-z / math.sqrt(2.0))


def log_ndtr(z):
    """log(ndtr(z)) without underflow: the asymptotic series below -lower (TF's
    special_math.log_ndtr with series order 3), log1p(-ndtr(-z)) above ``upper``."""
    tf = _tf()
    f64 = z.dtype == tf.float64
    lower, upper = (-20.0, 8.0) if f64 else (-10.0, 5.0)
    mid = tf.clip_by_value(z, lower, upper)
    hi = tf.maximum(z, upper)
    lo = tf.minimum(z, lower)
    x2 = tf.square(lo)
    series = 1.0 - 1.0 / x2 + 3.0 / tf.square(x2) - 15.0 / (x2 * tf.square(x2))
    asym = -0.5 * x2 - tf.log(-lo) - 0.5 * math.log(2 * math.pi) + tf.log(series)
    return tf.where(z > upper, tf.log1p(-ndtr(-hi)),
                    tf.where(z < lower, asym, tf.log(ndtr(mid))))


class LocScale:
    """The ``loc``/``scale`` parameters of a location-scale family and its batch shape, their
    broadcast (Normal, Laplace; StudentT's properties)."""

    _loc: Any
    _scale: Any

    @property
    def loc(self):
        return self._loc

    @property
    def scale(self):
        return self._scale

    def _batch_shape(self):
        return broadcast_static(self._loc.shape, self._scale.shape, type(self).__name__)

    def _batch_shape_tensor(self):
        return broadcast_dynamic(self._loc, self._scale)


# ---------------------------------------------------------------------- Normal
class Normal(LocScale, Distribution):
    """The normal distribution of mean ``loc`` and standard deviation ``scale``."""

    def __init__(self, loc, scale, validate_args=False, allow_nan_stats=True, name="Normal"):
        parameters = dict(locals())
        tf = _tf()
        with tf.name_scope(name, values=[loc, scale]) as scope_name:
            loc, scale = float_params("Normal", loc=loc, scale=scale)
            if validate_args:
                scale = validated(scale, tf.assert_positive, "scale must be positive")
            self._loc, self._scale = tf.identity(loc), tf.identity(scale)
            broadcast_static(loc.shape, scale.shape, "Normal")
        super().__init__(dtype=self._scale.dtype, reparameterization_type=FULLY_REPARAMETERIZED,
                         validate_args=validate_args, allow_nan_stats=allow_nan_stats,
                         parameters=parameters, graph_parents=[self._loc, self._scale],
                         name=scope_name)

    @staticmethod
    def param_shapes(sample_shape):
        return {"loc": sample_shape, "scale": sample_shape}

    def _sample_n(self, n, seed=None):
        tf = _tf()
        shape = sample_shape(n, self.batch_shape)
        if shape is None:
            shape = tf.concat([n_vector(n), self.batch_shape_tensor()], 0)
        eps = tf.random_normal(shape, mean=0.0, stddev=1.0, dtype=self.loc.dtype, seed=seed)
        return eps * self.scale + self.loc

    def _z(self, x):
        with _tf().name_scope("standardize", values=[x]):
            return (x - self.loc) / self.scale

    def _log_prob(self, x):
        tf = _tf()
        return -0.5 * tf.square(self._z(x)) - (0.5 * math.log(2.0 * math.pi) +
                                              tf.log(self.scale))

    def _prob(self, x):
        return _tf().exp(self._log_prob(x))

    def _log_cdf(self, x):
        return log_ndtr(self._z(x))

    def _cdf(self, x):
        return ndtr(self._z(x))

    def _log_survival_function(self, x):
        return log_ndtr(-self._z(x))

    def _survival_function(self, x):
        return ndtr(-self._z(x))

    def _quantile(self, p):
        return _tf().math.ndtri(p) * self.scale + self.loc

    def _entropy(self):
        tf = _tf()
        scale = self.scale * tf.ones_like(self.loc)
        return 0.5 * math.log(2.0 * math.pi * math.e) + tf.log(scale)

    def _mean(self):
        return self.loc * _tf().ones_like(self.scale)

    def _stddev(self):
        return self.scale * _tf().ones_like(self.loc)

    def _variance(self):
        return _tf().square(self._stddev())

    _mode = _mean


@RegisterKL(Normal, Normal)
def _kl_normal_normal(n_a, n_b, name=None):
    tf = _tf()
    with tf.name_scope(name, "kl_normal_normal", [n_a.loc, n_b.loc]):
        s_a_squared = tf.square(n_a.scale)
        s_b_squared = tf.square(n_b.scale)
        ratio = s_a_squared / s_b_squared
        return (tf.square(n_a.loc - n_b.loc) / (2.0 * s_b_squared) +
                0.5 * (ratio - 1.0 - tf.log(ratio)))


# ---------------------------------------------------------------------- Uniform
class Uniform(Distribution):
    """The uniform distribution on ``[low, high)``."""

    def __init__(self, low=0.0, high=1.0, validate_args=False, allow_nan_stats=True,
                 name="Uniform"):
        parameters = dict(locals())
        tf = _tf()
        with tf.name_scope(name, values=[low, high]) as scope_name:
            low, high = float_params("Uniform", low=low, high=high)
            if validate_args:
                with tf.control_dependencies([tf.assert_less(
                        low, high, message="uniform not defined when low >= high.")]):
                    low = tf.identity(low)
            self._low, self._high = tf.identity(low), tf.identity(high)
            broadcast_static(low.shape, high.shape, "Uniform")
        super().__init__(dtype=self._low.dtype, reparameterization_type=FULLY_REPARAMETERIZED,
                         validate_args=validate_args, allow_nan_stats=allow_nan_stats,
                         parameters=parameters, graph_parents=[self._low, self._high],
                         name=scope_name)

    @property
    def low(self):
        return self._low

    @property
    def high(self):
        return self._high

    def range(self, name="range"):
        with self._name_scope(name):
            return self.high - self.low

    def _batch_shape(self):
        return broadcast_static(self._low.shape, self._high.shape, "Uniform")

    def _batch_shape_tensor(self):
        return broadcast_dynamic(self._low, self._high)

    def _sample_n(self, n, seed=None):
        tf = _tf()
        shape = sample_shape(n, self.batch_shape)
        if shape is None:
            shape = tf.concat([n_vector(n), self.batch_shape_tensor()], 0)
        u = tf.random_uniform(shape, dtype=self.dtype, seed=seed)
        return self.low + self.range() * u

    def _prob(self, x):
        tf = _tf()
        zeros = tf.zeros_like(x * self.low)
        ones = 1.0 / (tf.ones_like(x) * self.range())
        inside = tf.where(tf.logical_or(x < self.low, x >= self.high), zeros, ones)
        return tf.where(tf.is_nan(x + zeros), x + zeros, inside)

    def _log_prob(self, x):
        return _tf().log(self._prob(x))

    def _cdf(self, x):
        tf = _tf()
        shape = tf.ones_like(x * self.low)
        x, low, high = x * shape, self.low * shape, self.high * shape
        result_if_not_big = tf.where(x < low, tf.zeros_like(x), (x - low) / (high - low))
        return tf.where(x >= high, tf.ones_like(x), result_if_not_big)

    def _entropy(self):
        return _tf().log(self.range())

    def _mean(self):
        return (self.low + self.high) / 2.0

    def _variance(self):
        return _tf().square(self.range()) / 12.0

    def _stddev(self):
        return self.range() / math.sqrt(12.0)


# ---------------------------------------------------------------------- Beta
class Beta(Distribution):
    """The Beta distribution on (0, 1) with ``concentration1`` (alpha) and
    ``concentration0`` (beta)."""

    def __init__(self, concentration1=None, concentration0=None, validate_args=False,
                 allow_nan_stats=True, name="Beta"):
        parameters = dict(locals())
        tf = _tf()
        with tf.name_scope(name, values=[concentration1, concentration0]) as scope_name:
            c1, c0 = float_params("Beta", concentration1=concentration1,
                                concentration0=concentration0)
            if validate_args:
                c1 = validated(c1, tf.assert_positive, "Concentration parameter must be "
                                                       "positive.")
                c0 = validated(c0, tf.assert_positive, "Concentration parameter must be "
                                                       "positive.")
            self._concentration1, self._concentration0 = tf.identity(c1), tf.identity(c0)
            broadcast_static(c1.shape, c0.shape, "Beta")
            self._total_concentration = self._concentration1 + self._concentration0
        super().__init__(dtype=self._total_concentration.dtype,
                         reparameterization_type=FULLY_REPARAMETERIZED,
                         validate_args=validate_args, allow_nan_stats=allow_nan_stats,
                         parameters=parameters,
                         graph_parents=[self._concentration1, self._concentration0],
                         name=scope_name)

    @property
    def concentration1(self):
        return self._concentration1

    @property
    def concentration0(self):
        return self._concentration0

    @property
    def total_concentration(self):
        return self._total_concentration

    def _batch_shape(self):
        return self._total_concentration.shape

    def _batch_shape_tensor(self):
        return _tf().shape(self._total_concentration)

    def _sample_n(self, n, seed=None):
        tf = _tf()
        if not isinstance(n, int):
            raise NotImplementedError("Beta.sample: sample_shape must be Python ints here "
                                      "(tf.random_gamma takes a static shape)")
        ones = tf.ones_like(self.total_concentration)
        g1 = tf.random_gamma([n], self.concentration1 * ones, dtype=self.dtype, seed=seed)
        seed2 = None if seed is None else (int(seed) * 7919 + 17) % (2 ** 31)   # "beta" salt
        g0 = tf.random_gamma([n], self.concentration0 * ones, dtype=self.dtype, seed=seed2)
        return g1 / (g1 + g0)

    def _log_unnormalized_prob(self, x):
        tf = _tf()
        return (self.concentration1 - 1.0) * tf.log(x) + \
            (self.concentration0 - 1.0) * tf.log1p(-x)

    def _log_normalization(self):
        tf = _tf()
        return (tf.lgamma(self.concentration1) + tf.lgamma(self.concentration0) -
                tf.lgamma(self.total_concentration))

    def _log_prob(self, x):
        return self._log_unnormalized_prob(x) - self._log_normalization()

    def _prob(self, x):
        return _tf().exp(self._log_prob(x))

    def _cdf(self, x):
        return _tf().math.betainc(self.concentration1, self.concentration0, x)

    def _entropy(self):
        tf = _tf()
        return (self._log_normalization()
                - (self.concentration1 - 1.0) * tf.digamma(self.concentration1)
                - (self.concentration0 - 1.0) * tf.digamma(self.concentration0)
                + (self.total_concentration - 2.0) * tf.digamma(self.total_concentration))

    def _mean(self):
        return self._concentration1 / self._total_concentration

    def _variance(self):
        s = self.total_concentration
        return self._mean() * (1.0 - self._mean()) / (1.0 + s)

    def _mode(self):
        tf = _tf()
        mode = (self.concentration1 - 1.0) / (self.total_concentration - 2.0)
        if self.allow_nan_stats:
            nan = tf.zeros_like(mode) + np.nan
            ok = tf.logical_and(self.concentration1 > 1.0, self.concentration0 > 1.0)
            return tf.where(ok, mode, nan)
        with tf.control_dependencies([
                tf.assert_less(tf.ones([], dtype=self.dtype), self.concentration1,
                               message="Mode undefined for concentration1 <= 1."),
                tf.assert_less(tf.ones([], dtype=self.dtype), self.concentration0,
                               message="Mode undefined for concentration0 <= 1.")]):
            return tf.identity(mode)


@RegisterKL(Beta, Beta)
def _kl_beta_beta(d1, d2, name=None):
    tf = _tf()

    def delta(fn, is_property=True):
        fn1, fn2 = getattr(d1, fn), getattr(d2, fn)
        return (fn2 - fn1) if is_property else (fn2() - fn1())

    with tf.name_scope(name, "kl_beta_beta", values=[d1.total_concentration,
                                                     d2.total_concentration]):
        return (delta("_log_normalization", is_property=False)
                - tf.digamma(d1.concentration1) * delta("concentration1")
                - tf.digamma(d1.concentration0) * delta("concentration0")
                + tf.digamma(d1.total_concentration) * delta("total_concentration"))
