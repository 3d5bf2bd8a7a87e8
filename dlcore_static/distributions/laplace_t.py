"""``tf.distributions.Laplace`` and ``StudentT`` (TensorFlow 1.15,
python/ops/distributions/{laplace,student_t}.py), composites of dlcore ops.

    Laplace(loc, scale):  z = (x - loc) / scale;  log_prob = -|z| - log(2 scale)
        cdf = 1/2 + sign(z) (1 - exp(-|z|)) / 2;  entropy = log(2) + 1 + log(scale)
        mean = mode = loc;  stddev = sqrt(2) scale
        sample = loc - scale sign(u) log1p(-|u|),  u ~ U(-1, 1)   (FULLY_REPARAMETERIZED)
    StudentT(df, loc, scale):  y = (x - loc) / scale
        log_prob = -(df + 1)/2 log1p(y^2 / df) - log|scale| - log(df)/2 - log(pi)/2
                   - lgamma(df/2) + lgamma((df + 1)/2)
        cdf = betainc(df/2, 1/2, df / (y^2 + df)) / 2 for y < 0 (1 minus it above)
        entropy = log|scale| + log(df)/2 + lbeta(df/2, 1/2)
                  + (df + 1)/2 (digamma((df + 1)/2) - digamma(df/2))
        mean = loc (NaN where df <= 1);  variance = scale^2 df / (df - 2) (inf for
        1 < df <= 2, NaN for df <= 1);  mode = loc
        sample = loc + scale n / sqrt(g / df),  n ~ N(0, 1),  g ~ Gamma(df/2, 1/2)
        (FULLY_REPARAMETERIZED: exact gradients to loc and scale, the gamma draw's implicit
        gradient to df)
"""

from __future__ import annotations

import hashlib
import math

import numpy as np

from .continuous import (
    LocScale,
    broadcast_dynamic,
    broadcast_static,
    float_params,
    n_vector,
    validated,
)
from .distribution import FULLY_REPARAMETERIZED, Distribution, _tf

__all__ = ["Laplace", "StudentT"]


def gen_new_seed(seed, salt: str):
    """TF's ``distribution_util.gen_new_seed``: a second op seed derived from ``seed``."""
    if seed is None:
        return None
    digest = hashlib.md5((str(seed) + salt).encode("utf-8")).hexdigest()
    return int(digest[:8], 16) & 0x7FFFFFFF


def _ones_batch(dist):
    tf = _tf()
    batch = dist.batch_shape
    if batch.is_fully_defined():
        return tf.ones(batch.as_list(), dtype=dist.dtype)
    return tf.ones(dist.batch_shape_tensor(), dtype=dist.dtype)


def _shape(dist, n):
    """``[n] + batch_shape``, static when it is known."""
    tf = _tf()
    if isinstance(n, int) and dist.batch_shape.is_fully_defined():
        return [n] + dist.batch_shape.as_list()
    return tf.concat([n_vector(n), dist.batch_shape_tensor()], 0)


# ---------------------------------------------------------------------- Laplace
class Laplace(LocScale, Distribution):
    """The Laplace distribution of location ``loc`` and scale ``scale``."""

    def __init__(self, loc, scale, validate_args=False, allow_nan_stats=True, name="Laplace"):
        parameters = dict(locals())
        tf = _tf()
        with tf.name_scope(name, values=[loc, scale]) as scope_name:
            loc, scale = float_params("Laplace", loc=loc, scale=scale)
            if validate_args:
                scale = validated(scale, tf.assert_positive, "scale must be positive")
            self._loc = tf.identity(loc, name="loc")
            self._scale = tf.identity(scale, name="scale")
            broadcast_static(loc.shape, scale.shape, "Laplace")
        super().__init__(dtype=self._loc.dtype, reparameterization_type=FULLY_REPARAMETERIZED,
                         validate_args=validate_args, allow_nan_stats=allow_nan_stats,
                         parameters=parameters, graph_parents=[self._loc, self._scale],
                         name=scope_name)

    def _sample_n(self, n, seed=None):
        tf = _tf()
        np_dtype = self.dtype.as_numpy_dtype
        low = float(np.nextafter(np_dtype(-1.0), np_dtype(0.0)))
        u = tf.random_uniform(_shape(self, n), minval=low, maxval=1.0, dtype=self.dtype,
                              seed=seed)
        return self.loc - self.scale * tf.sign(u) * tf.log1p(-tf.abs(u))

    def _z(self, x):
        return (x - self.loc) / self.scale

    def _log_unnormalized_prob(self, x):
        return -_tf().abs(self._z(x))

    def _log_normalization(self):
        return math.log(2.0) + _tf().log(self.scale)

    def _log_prob(self, x):
        return self._log_unnormalized_prob(x) - self._log_normalization()

    def _prob(self, x):
        return _tf().exp(self._log_prob(x))

    @staticmethod
    def _log_cdf_laplace(z):
        """TF's ``special_math.log_cdf_laplace``."""
        tf = _tf()
        lower = -math.log(2.0) + z
        upper = tf.log1p(-0.5 * tf.exp(-tf.abs(z)))
        return tf.where_v2(z < 0.0, lower, upper)

    def _log_cdf(self, x):
        return self._log_cdf_laplace(self._z(x))

    def _log_survival_function(self, x):
        return self._log_cdf_laplace(-self._z(x))

    def _cdf(self, x):
        tf = _tf()
        z = self._z(x)
        return 0.5 + 0.5 * tf.sign(z) * (1.0 - tf.exp(-tf.abs(z)))

    def _entropy(self):
        tf = _tf()
        scale = self.scale + tf.zeros_like(self.loc)
        return math.log(2.0) + 1.0 + tf.log(scale)

    def _mean(self):
        return self.loc + _tf().zeros_like(self.scale)

    def _stddev(self):
        return math.sqrt(2.0) * self.scale + _tf().zeros_like(self.loc)

    def _median(self):
        return self._mean()

    def _mode(self):
        return self._mean()


# ---------------------------------------------------------------------- StudentT
class StudentT(LocScale, Distribution):
    """Student's t distribution of ``df`` degrees of freedom, location ``loc`` and scale
    ``scale``."""

    def __init__(self, df, loc, scale, validate_args=False, allow_nan_stats=True,
                 name="StudentT"):
        parameters = dict(locals())
        tf = _tf()
        with tf.name_scope(name, values=[df, loc, scale]) as scope_name:
            df, loc, scale = float_params("StudentT", df=df, loc=loc, scale=scale)
            if validate_args:
                df = validated(df, tf.assert_positive, "df must be positive")
            self._df = tf.identity(df, name="df")
            self._loc = tf.identity(loc, name="loc")
            self._scale = tf.identity(scale, name="scale")
            broadcast_static(broadcast_static(df.shape, loc.shape, "StudentT"), scale.shape,
                             "StudentT")
        super().__init__(dtype=self._scale.dtype, reparameterization_type=FULLY_REPARAMETERIZED,
                         validate_args=validate_args, allow_nan_stats=allow_nan_stats,
                         parameters=parameters, graph_parents=[self._df, self._loc, self._scale],
                         name=scope_name)

    @property
    def df(self):
        return self._df

    def _batch_shape(self):
        return broadcast_static(broadcast_static(self._df.shape, self._loc.shape, "StudentT"),
                                self._scale.shape, "StudentT")

    def _batch_shape_tensor(self):
        return broadcast_dynamic(self._df, self._loc, self._scale)

    def _sample_n(self, n, seed=None):
        tf = _tf()
        if not isinstance(n, int):
            raise NotImplementedError("StudentT.sample: sample_shape must be Python ints here "
                                      "(tf.random_gamma takes a static shape)")
        normal = tf.random_normal(_shape(self, n), dtype=self.dtype, seed=seed)
        df = self.df * _ones_batch(self)
        gamma = tf.random_gamma([n], 0.5 * df, beta=0.5, dtype=self.dtype,
                                seed=gen_new_seed(seed, salt="student_t"))
        samples = normal * tf.rsqrt(gamma / df)
        return samples * self.scale + self.loc

    def _log_unnormalized_prob(self, x):
        y = (x - self.loc) / self.scale
        return -0.5 * (self.df + 1.0) * _tf().log1p(y ** 2.0 / self.df)

    def _log_normalization(self):
        tf = _tf()
        return (tf.log(tf.abs(self.scale)) + 0.5 * tf.log(self.df) + 0.5 * np.log(np.pi)
                + tf.lgamma(0.5 * self.df) - tf.lgamma(0.5 * (self.df + 1.0)))

    def _log_prob(self, x):
        return self._log_unnormalized_prob(x) - self._log_normalization()

    def _cdf(self, x):
        tf = _tf()
        y = (x - self.loc) / tf.abs(self.scale)
        x_t = self.df / (y ** 2.0 + self.df)
        neg_cdf = 0.5 * tf.math.betainc(0.5 * self.df, 0.5 * tf.ones_like(x_t), x_t)
        return tf.where_v2(y < 0.0, neg_cdf, 1.0 - neg_cdf)

    def _entropy(self):
        tf = _tf()
        df = self.df * _ones_batch(self)
        half = 0.5 * df
        lbeta = tf.lgamma(half) + math.lgamma(0.5) - tf.lgamma(half + 0.5)
        return (tf.log(tf.abs(self.scale)) + 0.5 * tf.log(self.df) + lbeta
                + 0.5 * (self.df + 1.0) * (tf.digamma(0.5 * (self.df + 1.0))
                                           - tf.digamma(0.5 * self.df)))

    def _mean(self):
        tf = _tf()
        ones = _ones_batch(self)
        mean = self.loc * ones
        if self.allow_nan_stats:
            return tf.where_v2(self.df > ones, mean, ones * np.nan)
        with tf.control_dependencies([tf.assert_less(
                tf.ones([], dtype=self.dtype), self.df,
                message="mean not defined for components of df <= 1")]):
            return tf.identity(mean)

    def _variance(self):
        tf = _tf()
        ones = _ones_batch(self)
        denom = tf.where_v2(self.df > 2.0, self.df - 2.0, tf.ones_like(self.df))
        var = ones * tf.square(self.scale) * self.df / denom
        defined = tf.where_v2(self.df * ones > 2.0, var, ones * np.inf)
        if self.allow_nan_stats:
            return tf.where_v2(self.df > ones, defined, ones * np.nan)
        with tf.control_dependencies([tf.assert_less(
                tf.ones([], dtype=self.dtype), self.df,
                message="variance not defined for components of df <= 1")]):
            return tf.identity(defined)

    def _mode(self):
        return _tf().identity(self.loc)
