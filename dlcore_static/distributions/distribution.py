"""The ``Distribution`` base of ``tf.distributions`` (TensorFlow 1.15,
python/ops/distributions/distribution.py) and the KL registry (kullback_leibler.py).

A distribution holds tensors (its parameters) and builds graph ops on demand: every method is a
composite of dlcore ops, so gradients flow to the parameters through ``log_prob``, ``entropy``,
``kl_divergence`` and, for a ``FULLY_REPARAMETERIZED`` distribution, through ``sample``.

Shapes follow TensorFlow: ``sample(sample_shape)`` is ``sample_shape + batch_shape +
event_shape``; ``log_prob(x)`` broadcasts ``x`` against ``batch_shape + event_shape`` and returns
``batch``-shaped values.  Op names: ``<Name>/<method>/...`` as TF1's ``_name_scope``.

Subclasses define ``_batch_shape`` (a TensorShape), ``_batch_shape_tensor``, ``_event_shape``
and the private ``_sample_n``/``_log_prob``/``_prob``/``_entropy``/... they support; a missing
one raises TF's ``NotImplementedError`` naming the method and the class.
"""

from __future__ import annotations

import contextlib
import sys

import numpy as np

__all__ = [
    "FULLY_REPARAMETERIZED",
    "NOT_REPARAMETERIZED",
    "Distribution",
    "RegisterKL",
    "ReparameterizationType",
    "kl_divergence",
]


def _tf():
    """The ``tf`` namespace, read at call time (the package imports this one)."""
    return sys.modules["dlcore_static"]


class ReparameterizationType:
    """Whether samples are a differentiable function of the parameters."""

    def __init__(self, rep_type: str) -> None:
        self._rep_type = rep_type

    def __repr__(self) -> str:
        return f"<Reparameteriation Type: {self._rep_type}>"

    def __eq__(self, other) -> bool:
        return self is other

    __hash__ = object.__hash__


FULLY_REPARAMETERIZED = ReparameterizationType("FULLY_REPARAMETERIZED")
NOT_REPARAMETERIZED = ReparameterizationType("NOT_REPARAMETERIZED")


class Distribution:
    """A batch of probability distributions of one family (TF 1.15's interface)."""

    def __init__(self, dtype, reparameterization_type, validate_args, allow_nan_stats,
                 parameters=None, graph_parents=None, name=None) -> None:
        self._dtype = dtype
        self._reparameterization_type = reparameterization_type
        self._allow_nan_stats = bool(allow_nan_stats)
        self._validate_args = bool(validate_args)
        self._parameters = dict(parameters or {})
        self._parameters.pop("self", None)
        self._parameters.pop("__class__", None)     # (locals() of an __init__ using super())
        self._graph_parents = list(graph_parents or [])
        self._name = name

    # ------------------------------------------------------------------ properties
    @property
    def name(self) -> str:
        return self._name

    @property
    def dtype(self):
        return self._dtype

    @property
    def parameters(self) -> dict:
        return dict(self._parameters)

    @property
    def reparameterization_type(self):
        return self._reparameterization_type

    @property
    def allow_nan_stats(self) -> bool:
        return self._allow_nan_stats

    @property
    def validate_args(self) -> bool:
        return self._validate_args

    @property
    def batch_shape(self):
        return self._batch_shape()

    @property
    def event_shape(self):
        return self._event_shape()

    def batch_shape_tensor(self, name="batch_shape_tensor"):
        with self._name_scope(name):
            if self.batch_shape.is_fully_defined():
                return _tf().constant(self.batch_shape.as_list(), dtype=_tf().int32)
            return self._batch_shape_tensor()

    def event_shape_tensor(self, name="event_shape_tensor"):
        with self._name_scope(name):
            if self.event_shape.is_fully_defined():
                return _tf().constant(self.event_shape.as_list(), dtype=_tf().int32)
            return self._event_shape_tensor()

    def is_scalar_event(self, name="is_scalar_event"):
        return _tf().constant(self.event_shape.ndims == 0, name=name)

    def is_scalar_batch(self, name="is_scalar_batch"):
        return _tf().constant(self.batch_shape.ndims == 0, name=name)

    def _batch_shape(self):
        raise self._missing("batch_shape")

    def _batch_shape_tensor(self):
        raise self._missing("batch_shape_tensor")

    def _event_shape(self):
        return _tf().TensorShape([])

    def _event_shape_tensor(self):
        return _tf().constant([], dtype=_tf().int32)

    def copy(self, **override_parameters_kwargs):
        parameters = dict(self.parameters, **override_parameters_kwargs)
        return type(self)(**parameters)

    # ------------------------------------------------------------------ helpers
    @contextlib.contextmanager
    def _name_scope(self, name=None, values=None):
        tf = _tf()
        with tf.name_scope(self.name), tf.name_scope(name, values=values) as scope:
            yield scope

    def _missing(self, method: str):
        return NotImplementedError(f"{method} is not implemented: {type(self).__name__}")

    def _convert(self, value, name):
        """``value`` as a tensor: a tensor keeps its dtype, anything else takes the
        distribution's (TF's ``preferred_dtype``)."""
        tf = _tf()
        return value if isinstance(value, tf.Tensor) else \
            tf.convert_to_tensor(value, name=name, dtype=self.dtype)

    # ------------------------------------------------------------------ sampling
    def sample(self, sample_shape=(), seed=None, name="sample"):
        """Samples of shape ``sample_shape + batch_shape + event_shape``."""
        tf = _tf()
        with self._name_scope(name, values=[sample_shape]):
            static = _static_sample_shape(sample_shape)
            if static is not None:
                n = int(np.prod(static, dtype=np.int64)) if static else 1
                samples = self._sample_n(n, seed)
                if static == [n]:         # TF's final reshape, a no-op here: its name kept
                    return tf.identity(samples, name="Reshape")
                rest = tf.shape(samples)[1:]
                out = tf.reshape(samples, tf.concat([tf.constant(static, tf.int32), rest], 0))
                out.set_shape(tf.TensorShape(static).concatenate(samples.shape[1:]))
                return out
            shape = tf.reshape(tf.cast(tf.convert_to_tensor(sample_shape), tf.int32), [-1])
            n = tf.reduce_prod(shape)
            samples = self._sample_n(n, seed)
            return tf.reshape(samples, tf.concat([shape, tf.shape(samples)[1:]], 0))

    def _sample_n(self, n, seed=None):
        raise self._missing("sample_n")

    # ------------------------------------------------------------------ densities
    def log_prob(self, value, name="log_prob"):
        with self._name_scope(name, values=[value]):
            value = self._convert(value, "value")
            try:
                return self._log_prob(value)
            except NotImplementedError:
                return _tf().log(self._prob(value))

    def prob(self, value, name="prob"):
        with self._name_scope(name, values=[value]):
            value = self._convert(value, "value")
            try:
                return self._prob(value)
            except NotImplementedError:
                return _tf().exp(self._log_prob(value))

    def log_cdf(self, value, name="log_cdf"):
        with self._name_scope(name, values=[value]):
            value = self._convert(value, "value")
            try:
                return self._log_cdf(value)
            except NotImplementedError:
                return _tf().log(self._cdf(value))

    def cdf(self, value, name="cdf"):
        with self._name_scope(name, values=[value]):
            value = self._convert(value, "value")
            try:
                return self._cdf(value)
            except NotImplementedError:
                return _tf().exp(self._log_cdf(value))

    def survival_function(self, value, name="survival_function"):
        with self._name_scope(name, values=[value]):
            value = self._convert(value, "value")
            try:
                return self._survival_function(value)
            except NotImplementedError:
                return 1.0 - self._cdf(value)

    def log_survival_function(self, value, name="log_survival_function"):
        with self._name_scope(name, values=[value]):
            value = self._convert(value, "value")
            try:
                return self._log_survival_function(value)
            except NotImplementedError:
                return _tf().log1p(-self._cdf(value))

    def quantile(self, value, name="quantile"):
        with self._name_scope(name, values=[value]):
            return self._quantile(self._convert(value, "value"))

    def _log_prob(self, value):
        raise self._missing("log_prob")

    def _prob(self, value):
        raise self._missing("prob")

    def _log_cdf(self, value):
        raise self._missing("log_cdf")

    def _cdf(self, value):
        raise self._missing("cdf")

    def _survival_function(self, value):
        raise self._missing("survival_function")

    def _log_survival_function(self, value):
        raise self._missing("log_survival_function")

    def _quantile(self, value):
        raise self._missing("quantile")

    # ------------------------------------------------------------------ statistics
    def entropy(self, name="entropy"):
        with self._name_scope(name):
            return self._entropy()

    def mean(self, name="mean"):
        with self._name_scope(name):
            return self._mean()

    def mode(self, name="mode"):
        with self._name_scope(name):
            return self._mode()

    def variance(self, name="variance"):
        with self._name_scope(name):
            try:
                return self._variance()
            except NotImplementedError:
                return _tf().square(self._stddev())

    def stddev(self, name="stddev"):
        with self._name_scope(name):
            try:
                return self._stddev()
            except NotImplementedError:
                return _tf().sqrt(self._variance())

    def covariance(self, name="covariance"):
        with self._name_scope(name):
            return self._covariance()

    def _entropy(self):
        raise self._missing("entropy")

    def _mean(self):
        raise self._missing("mean")

    def _mode(self):
        raise self._missing("mode")

    def _variance(self):
        raise self._missing("variance")

    def _stddev(self):
        raise self._missing("stddev")

    def _covariance(self):
        raise self._missing("covariance")

    def kl_divergence(self, other, name="kl_divergence"):
        with self._name_scope(name):
            return kl_divergence(self, other)

    def cross_entropy(self, other, name="cross_entropy"):
        with self._name_scope(name):
            return self.entropy() + kl_divergence(self, other)

    def __str__(self) -> str:
        return (f"tf.distributions.{type(self).__name__}(\"{self.name}\""
                f", batch_shape={self.batch_shape}, event_shape={self.event_shape}, "
                f"dtype={_tf().as_dtype(self.dtype).name})")

    def __repr__(self) -> str:
        return (f"<tf.distributions.{type(self).__name__} '{self.name}' "
                f"batch_shape={self.batch_shape} event_shape={self.event_shape} "
                f"dtype={_tf().as_dtype(self.dtype).name}>")


def _static_sample_shape(sample_shape):
    """``sample_shape`` as a list of Python ints, or None when it is a tensor."""
    if isinstance(sample_shape, (int, np.integer)):
        return [int(sample_shape)]
    if isinstance(sample_shape, np.ndarray) or isinstance(sample_shape, (list, tuple)) and \
            all(isinstance(d, (int, np.integer)) for d in sample_shape):
        dims = [int(d) for d in np.asarray(sample_shape, dtype=np.int64).reshape(-1)]
        if any(d < 0 for d in dims):
            raise ValueError(f"sample: sample_shape {dims} has a negative dimension")
        return dims
    return None


# ---------------------------------------------------------------------- KL registry
_DIVERGENCES: dict[tuple[type, type], object] = {}


def _registered_kl(type_a: type, type_b: type):
    """The KL function of the closest registered pair of classes (TF's MRO search)."""
    best, best_dist = None, None
    for i, a in enumerate(type_a.__mro__):
        for j, b in enumerate(type_b.__mro__):
            fn = _DIVERGENCES.get((a, b))
            if fn is not None and (best_dist is None or i + j < best_dist):
                best, best_dist = fn, i + j
    return best


def kl_divergence(distribution_a, distribution_b, allow_nan_stats=True, name=None):
    """KL(distribution_a || distribution_b), batch-shaped, from the registered function of
    the pair's classes (NotImplementedError naming both when none is registered)."""
    fn = _registered_kl(type(distribution_a), type(distribution_b))
    if fn is None:
        raise NotImplementedError(
            f"No KL(distribution_a || distribution_b) registered for distribution_a type "
            f"{type(distribution_a).__name__} and distribution_b type "
            f"{type(distribution_b).__name__}")
    tf = _tf()
    with tf.name_scope("KullbackLeibler"):
        kl_t = fn(distribution_a, distribution_b, name=name)
        if allow_nan_stats:
            return kl_t
        kl_t = tf.identity(kl_t, name="kl")
        text = (f"KL calculation between {distribution_a.name} and {distribution_b.name} "
                "returned NaN values (and was called with allow_nan_stats=False). Values:")
        with tf.control_dependencies([tf.Assert(
                tf.logical_not(tf.reduce_any(tf.is_nan(kl_t))), [text, kl_t])]):
            return tf.identity(kl_t, name="checked_kl")


class RegisterKL:
    """Decorator: ``@RegisterKL(Normal, Normal) def _kl(a, b, name=None): ...``."""

    def __init__(self, dist_cls_a: type, dist_cls_b: type) -> None:
        self._key = (dist_cls_a, dist_cls_b)

    def __call__(self, kl_fn):
        if not callable(kl_fn):
            raise TypeError(f"kl_fn must be callable, received: {kl_fn}")
        if self._key in _DIVERGENCES:
            raise ValueError(f"KL({self._key[0].__name__} || {self._key[1].__name__}) has "
                             f"already been registered to: {_DIVERGENCES[self._key]}")
        _DIVERGENCES[self._key] = kl_fn
        return kl_fn
