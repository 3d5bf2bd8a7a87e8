"""``tf.contrib.distributions.MultivariateNormalDiag`` and ``Independent`` (TensorFlow 1.15's
contrib/distributions), as the VAE tutorials use them: a diagonal Gaussian posterior
``MultivariateNormalDiag(loc=mu, scale_diag=sigma)``, its KL to a standard-normal prior, and a
decoder likelihood ``Independent(Bernoulli(logits), reinterpreted_batch_ndims=...)``.

    MVNDiag(loc, d):   event_shape = [k];  d = scale_diag (+ scale_identity_multiplier)
        log_prob = sum_k(-z_k^2/2 - log|d_k|) - k/2 log(2 pi),  z = (x - loc) / d
        entropy  = sum_k log|d_k| + k/2 log(2 pi e);   sample = loc + d * eps  (reparameterized)
        KL(a || b) = sum_k [ (mu_a - mu_b)^2 / (2 d_b^2) + (r - 1 - log r) / 2 ],  r = d_a^2/d_b^2
    Independent(base, n):  the last n batch dimensions of ``base`` become event dimensions;
        log_prob, entropy and KL sum the base's over them.
"""

from __future__ import annotations

import math

from .continuous import broadcast_static, float_params, n_vector
from .distribution import FULLY_REPARAMETERIZED, Distribution, RegisterKL, _tf, kl_divergence

__all__ = ["Independent", "MultivariateNormalDiag"]


class MultivariateNormalDiag(Distribution):
    """A multivariate normal of mean ``loc`` and covariance ``diag(scale_diag)^2``."""

    def __init__(self, loc=None, scale_diag=None, scale_identity_multiplier=None,
                 validate_args=False, allow_nan_stats=True, name="MultivariateNormalDiag"):
        parameters_ = dict(locals())
        tf = _tf()
        if loc is None and scale_diag is None:
            raise ValueError("MultivariateNormalDiag: one of loc or scale_diag must be given "
                             "(the event size is read from them)")
        with tf.name_scope(name, values=[loc, scale_diag,
                                         scale_identity_multiplier]) as scope_name:
            given = {k: v for k, v in (("loc", loc), ("scale_diag", scale_diag),
                                       ("scale_identity_multiplier",
                                        scale_identity_multiplier)) if v is not None}
            conv = dict(zip(given, float_params("MultivariateNormalDiag", **given)))
            ref = conv["loc"] if "loc" in conv else conv["scale_diag"]
            if ref.shape.ndims is not None and ref.shape.ndims < 1:
                which = "loc" if loc is not None else "scale_diag"
                raise ValueError(f"MultivariateNormalDiag: {which} must have rank at least "
                                 f"1, got shape {ref.shape}")
            d = conv.get("scale_diag")
            mult = conv.get("scale_identity_multiplier")
            if d is None:
                d = tf.ones_like(conv["loc"]) if mult is None else \
                    mult[..., None] * tf.ones_like(conv["loc"]) if mult.shape.ndims else \
                    mult * tf.ones_like(conv["loc"])
            elif mult is not None:
                d = d + (mult[..., None] if mult.shape.ndims else mult)
            loc_t = conv.get("loc")
            if loc_t is None:
                loc_t = tf.zeros_like(d)
            if validate_args:
                with tf.control_dependencies([tf.assert_none_equal(
                        d, tf.zeros_like(d), message="Singular operator: diagonal contains "
                                                     "a zero.")]):
                    d = tf.identity(d)
            ld, dd = loc_t.shape.as_list(), d.shape.as_list()
            if loc_t.shape.ndims and d.shape.ndims and None not in (ld[-1], dd[-1]) and \
                    ld[-1] != dd[-1] and 1 not in (ld[-1], dd[-1]):
                raise ValueError(f"MultivariateNormalDiag: loc of shape {loc_t.shape} and "
                                 f"scale_diag of shape {d.shape} have different event sizes")
            self._loc = tf.identity(loc_t, name="loc")
            self._scale_diag = tf.identity(d, name="scale_diag")
            self._shape = broadcast_static(self._loc.shape, self._scale_diag.shape,
                                           "MultivariateNormalDiag")
        super().__init__(dtype=self._loc.dtype, reparameterization_type=FULLY_REPARAMETERIZED,
                         validate_args=validate_args, allow_nan_stats=allow_nan_stats,
                         parameters=parameters_, graph_parents=[self._loc, self._scale_diag],
                         name=scope_name)

    @property
    def loc(self):
        return self._loc

    @property
    def scale_diag(self):
        return self._scale_diag

    def _batch_shape(self):
        s = self._shape
        return _tf().TensorShape(None if s.ndims is None else s.as_list()[:-1])

    def _event_shape(self):
        s = self._shape
        return _tf().TensorShape(None if s.ndims is None else s.as_list()[-1:])

    def _full_shape(self):
        tf = _tf()
        return tf.shape(tf.zeros_like(self._loc) + tf.zeros_like(self._scale_diag))

    def _batch_shape_tensor(self):
        return self._full_shape()[:-1]

    def _event_shape_tensor(self):
        return self._full_shape()[-1:]

    def _sample_n(self, n, seed=None):
        tf = _tf()
        if isinstance(n, int) and self._shape.is_fully_defined():
            shape = [n] + self._shape.as_list()
        else:
            shape = tf.concat([n_vector(n), self._full_shape()], 0)
        eps = tf.random_normal(shape, dtype=self.dtype, seed=seed)
        return self._loc + self._scale_diag * eps

    def _log_prob(self, x):
        tf = _tf()
        z = (x - self._loc) / self._scale_diag
        k = tf.cast(self._full_shape()[-1], self.dtype)
        return (-0.5 * tf.reduce_sum(tf.square(z), axis=-1)
                - tf.reduce_sum(tf.log(tf.abs(self._scale_diag)) * tf.ones_like(z), axis=-1)
                - 0.5 * math.log(2.0 * math.pi) * k)

    def _prob(self, x):
        return _tf().exp(self._log_prob(x))

    def _entropy(self):
        tf = _tf()
        full = tf.log(tf.abs(self._scale_diag)) + tf.zeros_like(self._loc)
        return tf.reduce_sum(full + 0.5 * math.log(2.0 * math.pi * math.e), axis=-1)

    def _mean(self):
        return self._loc + _tf().zeros_like(self._scale_diag)

    _mode = _mean

    def _stddev(self):
        tf = _tf()
        return tf.abs(self._scale_diag) + tf.zeros_like(self._loc)

    def _variance(self):
        return _tf().square(self._stddev())

    def _covariance(self):
        return _tf().matrix_diag(self._variance())


@RegisterKL(MultivariateNormalDiag, MultivariateNormalDiag)
def _kl_mvn_diag(a, b, name=None):
    tf = _tf()
    with tf.name_scope(name, "kl_mvn", values=[a.loc, b.loc]):
        s_a, s_b = tf.square(a.scale_diag), tf.square(b.scale_diag)
        ratio = s_a / s_b
        per = tf.square(a.loc - b.loc) / (2.0 * s_b) + 0.5 * (ratio - 1.0 - tf.log(ratio))
        return tf.reduce_sum(per, axis=-1)


class Independent(Distribution):
    """``distribution`` with its last ``reinterpreted_batch_ndims`` batch dimensions read as
    event dimensions (all but the first when None)."""

    def __init__(self, distribution, reinterpreted_batch_ndims=None, validate_args=False,
                 name=None):
        parameters_ = dict(locals())
        tf = _tf()
        name = name or "Independent" + distribution.name.rstrip("/")
        batch = distribution.batch_shape
        if reinterpreted_batch_ndims is None:
            if batch.ndims is None:
                raise NotImplementedError("Independent: reinterpreted_batch_ndims=None needs "
                                          "a distribution of known batch rank")
            reinterpreted_batch_ndims = max(batch.ndims - 1, 0)
        n = int(reinterpreted_batch_ndims)
        if n < 0 or batch.ndims is not None and n > batch.ndims:
            raise ValueError(f"Independent: reinterpreted_batch_ndims ({n}) cannot exceed "
                             f"the distribution's batch rank ({batch.ndims})")
        self._distribution = distribution
        self._n = n
        with tf.name_scope(name) as scope_name:
            pass
        super().__init__(dtype=distribution.dtype,
                         reparameterization_type=distribution.reparameterization_type,
                         validate_args=validate_args,
                         allow_nan_stats=distribution.allow_nan_stats,
                         parameters=parameters_, graph_parents=[], name=scope_name)

    @property
    def distribution(self):
        return self._distribution

    @property
    def reinterpreted_batch_ndims(self) -> int:
        return self._n

    def _batch_shape(self):
        b = self._distribution.batch_shape
        return b if b.ndims is None else _tf().TensorShape(b.as_list()[:b.ndims - self._n])

    def _event_shape(self):
        b = self._distribution.batch_shape
        tail = _tf().TensorShape(None) if b.ndims is None else \
            _tf().TensorShape(b.as_list()[b.ndims - self._n:])
        return tail.concatenate(self._distribution.event_shape)

    def _batch_shape_tensor(self):
        b = self._distribution.batch_shape_tensor()
        return b[:_tf().size(b) - self._n]

    def _event_shape_tensor(self):
        tf = _tf()
        b = self._distribution.batch_shape_tensor()
        return tf.concat([b[tf.size(b) - self._n:],
                          self._distribution.event_shape_tensor()], 0)

    def _sum(self, x):
        if self._n == 0:
            return x
        return _tf().reduce_sum(x, axis=list(range(-self._n, 0)))

    def _sample_n(self, n, seed=None):
        return self._distribution.sample(n, seed=seed)

    def _log_prob(self, x):
        return self._sum(self._distribution.log_prob(x))

    def _prob(self, x):
        return _tf().exp(self._log_prob(x))

    def _entropy(self):
        return self._sum(self._distribution.entropy())

    def _mean(self):
        return self._distribution.mean()

    def _mode(self):
        return self._distribution.mode()

    def _variance(self):
        return self._distribution.variance()

    def _stddev(self):
        return self._distribution.stddev()


@RegisterKL(Independent, Independent)
def _kl_independent(a, b, name=None):
    if a.reinterpreted_batch_ndims != b.reinterpreted_batch_ndims:
        raise NotImplementedError("KL(Independent || Independent) needs equal "
                                  "reinterpreted_batch_ndims, got "
                                  f"{a.reinterpreted_batch_ndims} and "
                                  f"{b.reinterpreted_batch_ndims}")
    return a._sum(kl_divergence(a.distribution, b.distribution))
