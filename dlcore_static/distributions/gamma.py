"""``tf.distributions.Gamma``, ``Exponential`` and ``Dirichlet`` (TensorFlow 1.15,
python/ops/distributions/{gamma,exponential,dirichlet}.py), composites of dlcore ops.

    Gamma(c, rate):    log_prob = xlogy(c - 1, x) - rate x - (lgamma(c) - c log(rate))
        cdf = igamma(c, rate x);  entropy = c - log(rate) + lgamma(c) + (1 - c) digamma(c)
        mean = c / rate;  variance = c / rate^2;  mode = (c - 1) / rate (NaN where c <= 1)
        sample = tf.random_gamma(c, rate)     (FULLY_REPARAMETERIZED: the draw's implicit
                                               gradient to c, g / rate's to rate)
        KL(a || b) = (c_a - c_b) digamma(c_a) + lgamma(c_b) - lgamma(c_a)
                     + c_b log(rate_a) - c_b log(rate_b) + c_a (rate_b / rate_a - 1)
    Exponential(rate) = Gamma(1, rate):  sample = -log(u) / rate,  u ~ U[tiny, 1)
        (FULLY_REPARAMETERIZED); its mode is Gamma's at c = 1: NaN (TF 1.15 does not
        override it)
    Dirichlet(c):      event_shape [K];  log_prob = sum(xlogy(c - 1, x)) - lbeta(c)
        entropy = lbeta(c) + (c0 - K) digamma(c0) - sum((c - 1) digamma(c)),  c0 = sum(c)
        mean = c / c0;  variance = m (1 - m) / (1 + c0);  covariance: -m_i m_j / (1 + c0) off
        the diagonal;  mode = (c - 1) / (c0 - K) (NaN unless every c > 1)
        sample = g / sum(g),  g ~ Gamma(c)    (FULLY_REPARAMETERIZED)
        KL(a || b) = sum((a - b)(digamma(a) - digamma(a0))) - lbeta(a) + lbeta(b)

TF 1.15's Dirichlet mode tests ``reduce_all(c > 1, -1)`` against the (batch + event)-shaped
mode without expanding it (wrong for a batch as long as K); here the test is per batch member.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .continuous import broadcast_dynamic, broadcast_static, float_params, n_vector, validated
from .distribution import FULLY_REPARAMETERIZED, Distribution, RegisterKL, _tf

__all__ = ["Concentration", "Dirichlet", "Exponential", "Gamma"]


def _static_n(n, what: str) -> int:
    if not isinstance(n, int):
        raise NotImplementedError(f"{what}.sample: sample_shape must be Python ints here "
                                  "(tf.random_gamma takes a static shape)")
    return n


def _positive_sample(dist, x):
    """``x`` checked positive at run time under ``validate_args`` (TF's
    ``_maybe_assert_valid_sample``)."""
    if not dist.validate_args:
        return x
    return validated(x, _tf().assert_positive, "x must be positive")


# ---------------------------------------------------------------------- Gamma
class Gamma(Distribution):
    """The Gamma distribution of shape ``concentration`` and inverse scale ``rate``."""

    def __init__(self, concentration, rate, validate_args=False, allow_nan_stats=True,
                 name="Gamma"):
        parameters = dict(locals())
        tf = _tf()
        with tf.name_scope(name, values=[concentration, rate]) as scope_name:
            c, rate = float_params("Gamma", concentration=concentration, rate=rate)
            if validate_args:
                c = validated(c, tf.assert_positive, "concentration must be positive")
                rate = validated(rate, tf.assert_positive, "rate must be positive")
            self._concentration = tf.identity(c, name="concentration")
            self._rate = tf.identity(rate, name="rate")
            broadcast_static(c.shape, rate.shape, "Gamma")
        super().__init__(dtype=self._concentration.dtype,
                         reparameterization_type=FULLY_REPARAMETERIZED,
                         validate_args=validate_args, allow_nan_stats=allow_nan_stats,
                         parameters=parameters, graph_parents=[self._concentration, self._rate],
                         name=scope_name)

    @property
    def concentration(self):
        return self._concentration

    @property
    def rate(self):
        return self._rate

    def _batch_shape(self):
        return broadcast_static(self._concentration.shape, self._rate.shape, "Gamma")

    def _batch_shape_tensor(self):
        return broadcast_dynamic(self._concentration, self._rate)

    def _sample_n(self, n, seed=None):
        return _tf().random_gamma([_static_n(n, type(self).__name__)], self.concentration,
                                  beta=self.rate, dtype=self.dtype, seed=seed)

    def _log_unnormalized_prob(self, x):
        tf = _tf()
        x = _positive_sample(self, x)
        return tf.math.xlogy(self.concentration - 1.0, x) - self.rate * x

    def _log_normalization(self):
        tf = _tf()
        return tf.lgamma(self.concentration) - self.concentration * tf.log(self.rate)

    def _log_prob(self, x):
        return self._log_unnormalized_prob(x) - self._log_normalization()

    def _cdf(self, x):
        x = _positive_sample(self, x)
        return _tf().igamma(self.concentration, self.rate * x)

    def _entropy(self):
        tf = _tf()
        c = self.concentration
        return c - tf.log(self.rate) + tf.lgamma(c) + (1.0 - c) * tf.digamma(c)

    def _mean(self):
        return self.concentration / self.rate

    def _variance(self):
        return self.concentration / _tf().square(self.rate)

    def _stddev(self):
        return _tf().sqrt(self.concentration) / self.rate

    def _mode(self):
        tf = _tf()
        mode = (self.concentration - 1.0) / self.rate
        if self.allow_nan_stats:
            nan = tf.zeros_like(mode) + np.nan
            return tf.where_v2(self.concentration > 1.0, mode, nan)
        with tf.control_dependencies([tf.assert_less(
                tf.ones([], dtype=self.dtype), self.concentration,
                message="mode not defined when any concentration <= 1")]):
            return tf.identity(mode)


@RegisterKL(Gamma, Gamma)
def _kl_gamma_gamma(g0, g1, name=None):
    tf = _tf()
    with tf.name_scope(name, "kl_gamma_gamma", values=[g0.concentration, g0.rate,
                                                       g1.concentration, g1.rate]):
        return ((g0.concentration - g1.concentration) * tf.digamma(g0.concentration)
                + tf.lgamma(g1.concentration) - tf.lgamma(g0.concentration)
                + g1.concentration * tf.log(g0.rate) - g1.concentration * tf.log(g1.rate)
                + g0.concentration * (g1.rate / g0.rate - 1.0))


# ---------------------------------------------------------------------- Exponential
class Exponential(Gamma):
    """The exponential distribution of ``rate`` (``1 / mean``): Gamma(1, rate)."""

    def __init__(self, rate, validate_args=False, allow_nan_stats=True, name="Exponential"):
        parameters = dict(locals())
        tf = _tf()
        with tf.name_scope(name, values=[rate]) as scope_name:
            (rate,) = float_params("Exponential", rate=rate)
            self._rate_param = tf.identity(rate, name="rate")
        super().__init__(concentration=tf.ones([], dtype=self._rate_param.dtype),
                         rate=self._rate_param, validate_args=validate_args,
                         allow_nan_stats=allow_nan_stats, name=scope_name)
        self._parameters = {k: v for k, v in parameters.items()
                            if k not in ("self", "__class__")}
        self._graph_parents.append(self._rate_param)

    @property
    def rate(self):
        return self._rate_param

    def _log_survival_function(self, x):
        return self._log_prob(x) - _tf().log(self._rate_param)

    def _sample_n(self, n, seed=None):
        tf = _tf()
        rate = self._rate_param
        shape = [n] + rate.shape.as_list() if isinstance(n, int) and \
            rate.shape.is_fully_defined() else tf.concat([n_vector(n), tf.shape(rate)], 0)
        tiny = float(np.finfo(rate.dtype.as_numpy_dtype).tiny)
        u = tf.random_uniform(shape, minval=tiny, maxval=1.0, dtype=self.dtype, seed=seed)
        return -tf.log(u) / rate


# ---------------------------------------------------------------------- Dirichlet
class Concentration:
    """``concentration`` (its last axis the event) and ``total_concentration`` (its sum) of
    Dirichlet and DirichletMultinomial, and their batch and event shapes."""

    _concentration: Any
    _total_concentration: Any

    @property
    def concentration(self):
        return self._concentration

    @property
    def total_concentration(self):
        return self._total_concentration

    def _batch_shape(self):
        return self._total_concentration.shape

    def _batch_shape_tensor(self):
        return _tf().shape(self._total_concentration)

    def _event_shape(self):
        return self._concentration.shape[-1:]

    def _event_shape_tensor(self):
        return _tf().shape(self._concentration)[-1:]


class Dirichlet(Concentration, Distribution):
    """The Dirichlet distribution over the simplex of ``concentration``'s last axis."""

    def __init__(self, concentration, validate_args=False, allow_nan_stats=True,
                 name="Dirichlet"):
        parameters = dict(locals())
        tf = _tf()
        with tf.name_scope(name, values=[concentration]) as scope_name:
            (c,) = float_params("Dirichlet", concentration=concentration)
            if validate_args:
                c = validated(c, tf.assert_positive,
                              "Concentration parameter must be positive.")
                if c.shape.ndims != 0:          # (rank 0: the ValueError below)
                    with tf.control_dependencies([tf.assert_less(
                            1, tf.shape(c)[-1],
                            message="Concentration parameter must have event_size >= 2.")]):
                        c = tf.identity(c)
            if c.shape.ndims == 0:
                raise ValueError("Dirichlet: concentration must have rank at least 1, got "
                                 "shape ()")
            self._concentration = c
            self._total_concentration = tf.reduce_sum(c, -1)
        super().__init__(dtype=self._concentration.dtype,
                         reparameterization_type=FULLY_REPARAMETERIZED,
                         validate_args=validate_args, allow_nan_stats=allow_nan_stats,
                         parameters=parameters,
                         graph_parents=[self._concentration, self._total_concentration],
                         name=scope_name)

    def _k(self):
        tf = _tf()
        k = self._concentration.shape.as_list()[-1]
        if k is not None:
            return tf.constant(float(k), dtype=self.dtype)
        return tf.cast(self.event_shape_tensor()[0], self.dtype)

    def _sample_n(self, n, seed=None):
        tf = _tf()
        g = tf.random_gamma([_static_n(n, "Dirichlet")], self.concentration, dtype=self.dtype,
                            seed=seed)
        return g / tf.reduce_sum(g, -1, keepdims=True)

    def _log_unnormalized_prob(self, x):
        tf = _tf()
        if self.validate_args:
            with tf.control_dependencies([
                    tf.assert_positive(x, message="samples must be positive"),
                    tf.assert_near(tf.ones([], dtype=self.dtype), tf.reduce_sum(x, -1),
                                   message="sample last-dimension must sum to `1`")]):
                x = tf.identity(x)
        return tf.reduce_sum(tf.math.xlogy(self.concentration - 1.0, x), -1)

    def _log_normalization(self):
        return _tf().lbeta(self.concentration)

    def _log_prob(self, x):
        return self._log_unnormalized_prob(x) - self._log_normalization()

    def _prob(self, x):
        return _tf().exp(self._log_prob(x))

    def _entropy(self):
        tf = _tf()
        c, c0 = self.concentration, self.total_concentration
        return (self._log_normalization() + (c0 - self._k()) * tf.digamma(c0)
                - tf.reduce_sum((c - 1.0) * tf.digamma(c), -1))

    def _mean(self):
        return self.concentration / self.total_concentration[..., None]

    def _variance_scale_term(self):
        return _tf().rsqrt(1.0 + self.total_concentration[..., None])

    def _variance(self):
        scale = self._variance_scale_term()
        x = scale * self._mean()
        return x * (scale - x)

    def _covariance(self):
        tf = _tf()
        x = self._variance_scale_term() * self._mean()
        return tf.matrix_set_diag(-tf.matmul(x[..., None], x[..., None, :]), self._variance())

    def _mode(self):
        tf = _tf()
        mode = (self.concentration - 1.0) / (self.total_concentration[..., None] - self._k())
        if self.allow_nan_stats:
            ok = tf.reduce_all(self.concentration > 1.0, -1, keepdims=True)
            return tf.where_v2(ok, mode, tf.zeros_like(mode) + np.nan)
        with tf.control_dependencies([tf.assert_less(
                tf.ones([], self.dtype), self.concentration,
                message="Mode undefined when any concentration <= 1")]):
            return tf.identity(mode)


@RegisterKL(Dirichlet, Dirichlet)
def _kl_dirichlet_dirichlet(d1, d2, name=None):
    tf = _tf()
    with tf.name_scope(name, "kl_dirichlet_dirichlet", values=[d1.concentration,
                                                               d2.concentration]):
        digamma_sum_d1 = tf.digamma(tf.reduce_sum(d1.concentration, -1, keepdims=True))
        digamma_diff = tf.digamma(d1.concentration) - digamma_sum_d1
        concentration_diff = d1.concentration - d2.concentration
        return (tf.reduce_sum(concentration_diff * digamma_diff, -1)
                - tf.lbeta(d1.concentration) + tf.lbeta(d2.concentration))

