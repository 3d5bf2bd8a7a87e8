"""``tf.distributions.DirichletMultinomial`` (TensorFlow 1.15,
python/ops/distributions/dirichlet_multinomial.py), a composite of dlcore ops.

    DirichletMultinomial(n, alpha):  event_shape [K], counts summing to n
        log_prob(x) = lbeta(alpha + x) - lbeta(alpha) + lgamma(n + 1) - sum(lgamma(x + 1))
        mean = n alpha / alpha0;  variance = n m (1 - m) (n + alpha0) / (1 + alpha0),
        m = alpha / alpha0;  covariance: -n m_i m_j (n + alpha0) / (1 + alpha0) off the diagonal
        sample: p ~ Dirichlet(alpha) (the gamma draws' logs as logits), then n categorical
        draws of p, one-hot and summed   (NOT_REPARAMETERIZED; float counts of ``dtype``)

TF 1.15 defines no entropy or mode for it (NotImplementedError).  ``sample`` needs a constant
``total_count`` and Python-int ``sample_shape`` here (``tf.multinomial`` takes a static
``num_samples``), as ``Multinomial.sample``.
"""

from __future__ import annotations

import numpy as np

from .continuous import float_params
from .distribution import NOT_REPARAMETERIZED, Distribution, _tf
from .gamma import Concentration
from .laplace_t import gen_new_seed

__all__ = ["DirichletMultinomial"]


class DirichletMultinomial(Concentration, Distribution):
    """Counts of ``total_count`` draws over K classes whose probabilities are drawn from
    Dirichlet(``concentration``) (the last axis)."""

    def __init__(self, total_count, concentration, validate_args=False, allow_nan_stats=True,
                 name="DirichletMultinomial"):
        parameters = dict(locals())
        tf = _tf()
        with tf.name_scope(name, values=[total_count, concentration]) as scope_name:
            n, c = float_params("DirichletMultinomial", total_count=total_count,
                                concentration=concentration)
            if c.shape.ndims == 0:
                raise ValueError("DirichletMultinomial: concentration must have rank at least "
                                 "1, got shape ()")
            if validate_args:
                with tf.control_dependencies([
                        tf.assert_non_negative(n, message="total_count must be non-negative."),
                        tf.assert_positive(c, message="Concentration parameter must be "
                                           "positive.")]):
                    n, c = tf.identity(n), tf.identity(c)
            self._total_count = n
            self._concentration = c
            self._total_concentration = tf.reduce_sum(c, -1)
        super().__init__(dtype=self._concentration.dtype,
                         reparameterization_type=NOT_REPARAMETERIZED,
                         validate_args=validate_args, allow_nan_stats=allow_nan_stats,
                         parameters=parameters,
                         graph_parents=[self._total_count, self._concentration],
                         name=scope_name)

    @property
    def total_count(self):
        return self._total_count

    def _sample_n(self, n, seed=None):
        tf = _tf()
        from ..constant_op import constant_value
        counts = constant_value(self._total_count)
        k = self.event_shape.as_list()[0] if self.event_shape.is_fully_defined() else None
        if not isinstance(n, int) or counts is None or k is None or \
                not self.batch_shape.is_fully_defined():
            raise NotImplementedError("DirichletMultinomial.sample: needs a constant "
                                      "total_count, a known number of classes and batch, and "
                                      "Python-int sample_shape here (tf.multinomial takes a "
                                      "static num_samples)")
        batch = self.batch_shape.as_list()
        counts = np.broadcast_to(np.asarray(counts), batch).astype(np.int64)
        draws_n = int(counts.max()) if counts.size else 0
        rows = int(np.prod(batch, dtype=np.int64))
        if not rows or not draws_n:
            return tf.zeros([n] + batch + [k], self.dtype)
        alpha = self.concentration * tf.ones(batch + [k], dtype=self.dtype)
        logits = tf.reshape(tf.log(tf.random_gamma([n], alpha, dtype=self.dtype, seed=seed)),
                            [-1, k])                                        # [n*rows, k]
        draws = tf.multinomial(logits, draws_n,
                               seed=gen_new_seed(seed, salt="dirichlet_multinomial"))
        mask = np.arange(draws_n)[None, :] < np.tile(counts.reshape(-1), n)[:, None]
        onehot = tf.one_hot(draws, k, dtype=self.dtype) * \
            tf.constant(mask[..., None].astype(self.dtype.as_numpy_dtype))
        return tf.reshape(tf.reduce_sum(onehot, axis=1), [n] + batch + [k])

    def _valid_counts(self, counts):
        """TF's ``_maybe_assert_valid_sample`` (with ``validate_args``): non-negative whole
        counts summing to ``total_count``."""
        if not self.validate_args:
            return counts
        tf = _tf()
        with tf.control_dependencies([
                tf.assert_non_negative(counts, message="counts must be non-negative."),
                tf.assert_equal(counts, tf.round(counts),
                                message="counts cannot contain fractional components."),
                tf.assert_equal(self._total_count, tf.reduce_sum(counts, -1),
                                message="counts must sum to `self.total_count`")]):
            return tf.identity(counts)

    def _log_prob(self, counts):
        tf = _tf()
        counts = self._valid_counts(counts)
        ordered = tf.lbeta(self.concentration + counts) - tf.lbeta(self.concentration)
        combinations = tf.lgamma(self.total_count + 1.0) - \
            tf.reduce_sum(tf.lgamma(counts + 1.0), -1)
        return ordered + combinations

    def _prob(self, counts):
        return _tf().exp(self._log_prob(counts))

    def _mean(self):
        return self.total_count[..., None] * self.concentration / \
            self.total_concentration[..., None]

    def _variance_scale_term(self):
        c0 = self.total_concentration[..., None]
        return _tf().sqrt((1.0 + c0 / self.total_count[..., None]) / (1.0 + c0))

    def _variance(self):
        scale = self._variance_scale_term()
        x = scale * self._mean()
        return x * (self.total_count[..., None] * scale - x)

    def _covariance(self):
        tf = _tf()
        x = self._variance_scale_term() * self._mean()
        return tf.matrix_set_diag(-tf.matmul(x[..., None], x[..., None, :]), self._variance())
