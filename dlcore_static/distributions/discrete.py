"""``tf.distributions.Categorical`` and ``Bernoulli`` (TensorFlow 1.15,
python/ops/distributions/{categorical,bernoulli}.py), composites of dlcore ops.

    Categorical(logits | probs):  log_prob(k) = log_softmax(logits)[k]
        (= -sparse_softmax_cross_entropy(k, logits), k broadcast against the batch)
        entropy = -sum(softmax(l) log_softmax(l));  sample: tf.multinomial on the 2-D logits
        KL(a || b) = sum(softmax(l_a) (log_softmax(l_a) - log_softmax(l_b)))
    Bernoulli(logits | probs):    log_prob(x) = -sigmoid_cross_entropy(x, logits)
        entropy = -l (sigmoid(l) - 1) + softplus(-l);  sample = cast(u < p),  u ~ U[0, 1)
        KL(a || b) = sigmoid(l_a)(sp(-l_b) - sp(-l_a)) + sigmoid(-l_a)(sp(l_b) - sp(l_a))

    Multinomial(total_count n, logits | probs):  event_shape [K]
        log_prob(x) = lgamma(n+1) - sum(lgamma(x+1)) + sum(x log_softmax(l));  mean = n p
        covariance = n (diag(p) - p p^T);  sample: n categorical draws one-hot and summed

All are NOT_REPARAMETERIZED (samples are integers, int32 unless ``dtype``); gradients flow to
the logits or probabilities through log_prob, entropy and KL (the REINFORCE estimator).
"""

from __future__ import annotations

import numpy as np

from .continuous import n_vector
from .distribution import NOT_REPARAMETERIZED, Distribution, RegisterKL, _tf

__all__ = ["Bernoulli", "Categorical", "Multinomial"]


def logits_and_probs(logits, probs, multidimensional: bool, op: str):
    """TF's ``distribution_util.get_logits_and_probs`` (without validation)."""
    tf = _tf()
    if (probs is None) == (logits is None):
        raise ValueError("Must pass probs or logits, but not both.")
    if probs is None:
        logits = tf.convert_to_tensor(logits, name="logits")
        if not logits.dtype.is_floating:
            raise TypeError(f"{op}: logits must be floating-point, got {logits.dtype.name}")
        with tf.name_scope("probs"):
            probs = tf.nn.softmax(logits) if multidimensional else tf.sigmoid(logits)
        return logits, probs
    probs = tf.convert_to_tensor(probs, name="probs")
    if not probs.dtype.is_floating:
        raise TypeError(f"{op}: probs must be floating-point, got {probs.dtype.name}")
    with tf.name_scope("logits"):
        logits = tf.log(probs) if multidimensional else tf.log(probs) - tf.log1p(-probs)
    return logits, probs


def _check_rank(t, at_least: int, op: str, what: str):
    if t.shape.ndims is not None and t.shape.ndims < at_least:
        raise ValueError(f"{op}: {what} must have rank at least {at_least}, got shape "
                         f"{t.shape}")


# ---------------------------------------------------------------------- Categorical
class Categorical(Distribution):
    """A categorical distribution over ``{0, ..., K-1}`` per batch member (the last axis of
    ``logits`` or ``probs``)."""

    def __init__(self, logits=None, probs=None, dtype=None, validate_args=False,
                 allow_nan_stats=True, name="Categorical"):
        parameters = dict(locals())
        tf = _tf()
        dtype = tf.int32 if dtype is None else tf.as_dtype(dtype)
        with tf.name_scope(name, values=[logits, probs]) as scope_name:
            self._logits, self._probs = logits_and_probs(logits, probs, True, "Categorical")
            _check_rank(self._logits, 1, "Categorical", "logits")
            dims = self._logits.shape.as_list() if self._logits.shape.ndims is not None \
                else None
            if dims is not None and dims[-1] is not None:
                self._event_size = tf.constant(dims[-1], dtype=tf.int32, name="event_size")
            else:
                self._event_size = tf.shape(self._logits)[-1]
            self._static_event_size = None if dims is None else dims[-1]
        super().__init__(dtype=dtype, reparameterization_type=NOT_REPARAMETERIZED,
                         validate_args=validate_args, allow_nan_stats=allow_nan_stats,
                         parameters=parameters, graph_parents=[self._logits, self._probs],
                         name=scope_name)

    @property
    def event_size(self):
        return self._event_size

    @property
    def logits(self):
        return self._logits

    @property
    def probs(self):
        return self._probs

    def _batch_shape(self):
        s = self._logits.shape
        return _tf().TensorShape(None if s.ndims is None else s.as_list()[:-1])

    def _batch_shape_tensor(self):
        return _tf().shape(self._logits)[:-1]

    def _sample_n(self, n, seed=None):
        tf = _tf()
        if not isinstance(n, int):
            raise NotImplementedError("Categorical.sample: sample_shape must be Python ints "
                                      "here (tf.multinomial takes a static num_samples)")
        if self._logits.shape.ndims == 2:
            logits_2d = self._logits
        else:
            logits_2d = tf.reshape(self._logits, [-1, self._event_size])
        sample_dtype = tf.int64 if self.dtype.np.itemsize > 4 else tf.int32
        draws = tf.multinomial(logits_2d, n, seed=seed, output_dtype=sample_dtype)
        batch = self.batch_shape
        shape = [n] + batch.as_list() if batch.is_fully_defined() else \
            tf.concat([[n], self.batch_shape_tensor()], 0)
        draws = tf.reshape(tf.transpose(draws), shape)
        return tf.cast(draws, self.dtype)

    def _event_and_logits(self, k):
        tf = _tf()
        if not (k.dtype.is_integer or k.dtype == self.dtype):
            raise TypeError(f"Categorical.log_prob: `value` should have integer `dtype` or "
                            f"`self.dtype` ({self.dtype.name}), got {k.dtype.name}")
        k = tf.cast(k, tf.int32)
        logits = self._logits
        if not (k.shape.is_fully_defined() and logits.shape.is_fully_defined() and
                k.shape.as_list() == logits.shape.as_list()[:-1]):
            logits = logits * tf.ones_like(tf.expand_dims(k, -1), dtype=logits.dtype)
            k = k * tf.ones(tf.shape(logits)[:-1], dtype=k.dtype)
        return k, logits

    def _log_prob(self, k):
        tf = _tf()
        k, logits = self._event_and_logits(k)
        return -tf.nn.sparse_softmax_cross_entropy_with_logits(labels=k, logits=logits)

    def _prob(self, k):
        return _tf().exp(self._log_prob(k))

    def _cdf(self, k):
        tf = _tf()
        k, logits = self._event_and_logits(k)
        probs = tf.nn.softmax(logits)
        size = tf.shape(logits)[-1]
        below = tf.cast(tf.less(tf.range(size), tf.expand_dims(k, -1) + 1), probs.dtype)
        return tf.reduce_sum(probs * below, axis=-1)

    def _entropy(self):
        tf = _tf()
        return -tf.reduce_sum(tf.nn.log_softmax(self._logits) * self._probs, axis=-1)

    def _mode(self):
        tf = _tf()
        ret = tf.cast(tf.argmax(self._logits, axis=-1), self.dtype)
        return ret


@RegisterKL(Categorical, Categorical)
def _kl_categorical_categorical(a, b, name=None):
    tf = _tf()
    with tf.name_scope(name, "kl_categorical_categorical", values=[a.logits, b.logits]):
        delta_log_probs1 = tf.nn.log_softmax(a.logits) - tf.nn.log_softmax(b.logits)
        return tf.reduce_sum(tf.nn.softmax(a.logits) * delta_log_probs1, axis=-1)


# ---------------------------------------------------------------------- Bernoulli
class Bernoulli(Distribution):
    """Bernoulli distributions: 1 with probability ``probs`` (= sigmoid(logits)), else 0."""

    def __init__(self, logits=None, probs=None, dtype=None, validate_args=False,
                 allow_nan_stats=True, name="Bernoulli"):
        parameters = dict(locals())
        tf = _tf()
        dtype = tf.int32 if dtype is None else tf.as_dtype(dtype)
        with tf.name_scope(name, values=[logits, probs]) as scope_name:
            self._logits, self._probs = logits_and_probs(logits, probs, False, "Bernoulli")
        super().__init__(dtype=dtype, reparameterization_type=NOT_REPARAMETERIZED,
                         validate_args=validate_args, allow_nan_stats=allow_nan_stats,
                         parameters=parameters, graph_parents=[self._logits, self._probs],
                         name=scope_name)

    @property
    def logits(self):
        return self._logits

    @property
    def probs(self):
        return self._probs

    def _batch_shape(self):
        return self._logits.shape

    def _batch_shape_tensor(self):
        return _tf().shape(self._logits)

    def _sample_n(self, n, seed=None):
        tf = _tf()
        batch = self.batch_shape
        if isinstance(n, int) and batch.is_fully_defined():
            shape = [n] + batch.as_list()
        else:
            shape = tf.concat([n_vector(n), self.batch_shape_tensor()], 0)
        uniform = tf.random_uniform(shape, seed=seed, dtype=self._probs.dtype)
        return tf.cast(tf.less(uniform, self._probs), self.dtype)

    def _log_prob(self, event):
        tf = _tf()
        event = tf.cast(event, self._logits.dtype)
        logits = self._logits
        if not (event.shape.is_fully_defined() and logits.shape.is_fully_defined() and
                event.shape.as_list() == logits.shape.as_list()):
            logits, event = tf.ones_like(event) * logits, tf.ones_like(logits) * event
        return -tf.nn.sigmoid_cross_entropy_with_logits(labels=event, logits=logits)

    def _prob(self, event):
        return _tf().exp(self._log_prob(event))

    def _entropy(self):
        tf = _tf()
        return -self._logits * (tf.sigmoid(self._logits) - 1.0) + tf.nn.softplus(-self._logits)

    def _mean(self):
        return _tf().identity(self._probs)

    def _variance(self):
        return self._mean() * (1.0 - self._probs)

    def _mode(self):
        return _tf().cast(self._probs > 0.5, self.dtype)


@RegisterKL(Bernoulli, Bernoulli)
def _kl_bernoulli_bernoulli(a, b, name=None):
    tf = _tf()
    with tf.name_scope(name, "kl_bernoulli_bernoulli", values=[a.logits, b.logits]):
        delta_probs0 = tf.nn.softplus(-b.logits) - tf.nn.softplus(-a.logits)
        delta_probs1 = tf.nn.softplus(b.logits) - tf.nn.softplus(a.logits)
        return tf.sigmoid(a.logits) * delta_probs0 + tf.sigmoid(-a.logits) * delta_probs1


# ---------------------------------------------------------------------- Multinomial
class Multinomial(Distribution):
    """Counts of ``total_count`` draws over K classes (the last axis of logits/probs).
    ``sample`` needs a constant ``total_count`` here (TF also samples a fed one)."""

    def __init__(self, total_count, logits=None, probs=None, validate_args=False,
                 allow_nan_stats=True, name="Multinomial"):
        parameters = dict(locals())
        tf = _tf()
        with tf.name_scope(name, values=[total_count, logits, probs]) as scope_name:
            self._logits, self._probs = logits_and_probs(logits, probs, True, "Multinomial")
            _check_rank(self._logits, 1, "Multinomial", "logits")
            self._total_count = tf.convert_to_tensor(total_count, name="total_count",
                                                     dtype=self._logits.dtype)
            if validate_args:
                with tf.control_dependencies([tf.assert_non_negative(
                        self._total_count, message="total_count must be non-negative.")]):
                    self._total_count = tf.identity(self._total_count)
            self._mean_val = self._total_count[..., None] * self._probs
        super().__init__(dtype=self._probs.dtype, reparameterization_type=NOT_REPARAMETERIZED,
                         validate_args=validate_args, allow_nan_stats=allow_nan_stats,
                         parameters=parameters,
                         graph_parents=[self._total_count, self._logits, self._probs],
                         name=scope_name)

    @property
    def total_count(self):
        return self._total_count

    @property
    def logits(self):
        return self._logits

    @property
    def probs(self):
        return self._probs

    def _batch_shape(self):
        s = self._mean_val.shape
        return _tf().TensorShape(None if s.ndims is None else s.as_list()[:-1])

    def _batch_shape_tensor(self):
        return _tf().shape(self._mean_val)[:-1]

    def _event_shape(self):
        s = self._logits.shape
        return _tf().TensorShape(None if s.ndims is None else s.as_list()[-1:])

    def _event_shape_tensor(self):
        return _tf().shape(self._logits)[-1:]

    def _sample_n(self, n, seed=None):
        tf = _tf()
        from ..constant_op import constant_value
        counts = constant_value(self._total_count)
        k = self.event_shape.as_list()[0] if self.event_shape.is_fully_defined() else None
        if not isinstance(n, int) or counts is None or k is None or \
                not self._mean_val.shape.is_fully_defined():
            raise NotImplementedError("Multinomial.sample: needs a constant total_count, a "
                                      "known number of classes and batch, and Python-int "
                                      "sample_shape here (tf.multinomial takes a static "
                                      "num_samples)")
        batch = self.batch_shape.as_list()
        counts = np.broadcast_to(np.asarray(counts), batch).astype(np.int64)
        draws_n = int(counts.max()) if counts.size else 0
        logits = tf.reshape(self._logits + tf.zeros_like(self._mean_val), [-1, k])
        rows = int(np.prod(batch, dtype=np.int64))
        draws = tf.multinomial(tf.tile(logits, [n, 1]), draws_n, seed=seed)   # [n*rows, N]
        mask = (np.arange(draws_n)[None, :] < np.tile(counts.reshape(-1), n)[:, None])
        onehot = tf.one_hot(draws, k, dtype=self.dtype) * \
            tf.constant(mask[..., None].astype(self.dtype.np))
        x = tf.reduce_sum(onehot, axis=1)                                   # [n*rows, k]
        return tf.reshape(x, [n] + batch + [k]) if rows else tf.zeros([n] + batch + [k],
                                                                        self.dtype)

    def _valid_counts(self, counts):
        """TF's _maybe_assert_valid_sample: non-negative integer counts summing to
        total_count, checked at run time with validate_args."""
        if not self.validate_args:
            return counts
        tf = _tf()
        checks = [tf.assert_non_negative(counts, message="counts must be non-negative.")]
        if not counts.dtype.is_integer:
            checks.append(tf.assert_equal(counts, tf.round(counts), message="counts cannot "
                                          "contain fractional components."))
        checks.append(tf.assert_equal(self._total_count, tf.reduce_sum(counts, -1),
                                      message="counts must sum to `self.total_count`"))
        with tf.control_dependencies(checks):
            return tf.identity(counts)

    def _log_prob(self, counts):
        tf = _tf()
        counts = self._valid_counts(counts)
        log_norm = tf.lgamma(self._total_count + 1.0) - tf.reduce_sum(tf.lgamma(counts + 1.0),
                                                                      axis=-1)
        return tf.reduce_sum(counts * tf.nn.log_softmax(self._logits), axis=-1) + log_norm

    def _prob(self, counts):
        return _tf().exp(self._log_prob(counts))

    def _mean(self):
        return _tf().identity(self._mean_val)

    def _variance(self):
        return self._mean_val * (1.0 - self._probs)

    def _covariance(self):
        tf = _tf()
        p = self._probs * tf.ones_like(self._mean_val)
        n = self._total_count[..., None, None]
        outer = p[..., :, None] * p[..., None, :]
        return n * (tf.matrix_diag(p) - outer)
