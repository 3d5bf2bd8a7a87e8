"""Keras's metric classes whose value is a (weighted) mean of a per-sample function
(``MeanMetricWrapper``: ``SparseCategoricalAccuracy()``, ``BinaryAccuracy(threshold)``,
``MeanSquaredError()``, ...) and ``Mean``/``Sum``.

In ``model.compile(metrics=[...])`` such an object counts as its per-sample function under the
metric's ``name`` (``'sparse_categorical_accuracy'`` in the History), averaged over the samples
as Keras does for these metrics.  Used on their own (TF1 graph mode, as tf.keras in a graph),
a metric keeps ``total`` and ``count`` in two local variables (initialised by
``tf.local_variables_initializer()`` or a Keras session): ``update_state(y_true, y_pred,
sample_weight)`` returns the update op, ``result()`` the tensor ``total / count`` (0 before any
update), ``reset_state()`` sets both to 0 in the Keras session, and calling the metric
returns its result after the update.

A user's subclass with its own ``update_state`` (Keras's protocol: ``add_weight`` in
``__init__``, ``result()``, ``reset_state()``) runs as ``_metric_state`` describes: its
assignments grouped into the op ``update_state`` returns, in ``compile`` a metric over the
epoch (reset when an epoch or an evaluation begins).

(The classes of the metric functions defined in ``metrics.py``/``losses.py``, such as
``SparseCategoricalAccuracy`` and ``MeanSquaredError``, are made there with ``_wrapper``.)
Metrics whose value is not a mean of per-sample values (Precision, Recall, AUC, IoU,
RootMeanSquaredError) are not here: averaging them per batch would give a different number.
"""

from __future__ import annotations

import numpy as np

from dlcore import ops as _ops

from .. import metrics as _tf_metrics
from ..graph import get_default_graph
from . import backend as K
from . import _metric_state as _ms
from . import loss_classes as _lc


def _f32(x):
    return _ops.cast(x, np.float32)


def accuracy(y_true, y_pred):
    """1 where ``y_true == y_pred`` exactly (Keras's ``Accuracy``)."""
    p = K._to_tensor(y_pred)
    return _f32(_ops.equal(_lc._float(y_true, p), p))      # y_true in y_pred's dtype


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """Per sample: the mean over the last axis of ``y_true == (y_pred > threshold)``."""
    p = K._to_tensor(y_pred)
    t = K._to_tensor(y_true)
    hit = _ops.equal(_f32(t), _f32(_ops.greater(p, float(threshold))))
    return _ops.mean(_f32(hit), -1)


class Metric:
    """A streaming mean of per-sample values in two local variables."""

    def __init__(self, name=None, dtype=None, **kwargs):
        if kwargs:
            raise TypeError(f"{type(self).__name__}: unexpected keyword argument "
                            f"'{next(iter(kwargs))}'")
        self.name = name or _lc._snake(type(self).__name__)
        self.dtype = dtype or "float32"
        self._total = self._count = None

    def __init_subclass__(cls, **kwargs):
        """A user's ``update_state``/``reset_state`` (Keras's protocol) recorded as graph ops
        (see ``_metric_state``)."""
        super().__init_subclass__(**kwargs)
        if cls.__module__.startswith("dlcore_static."):
            return                                  # (dlcore's own: update_state returns its op)
        for meth, wrap in (("update_state", _ms.wrap_update), ("reset_state", _ms.wrap_reset),
                           ("reset_states", _ms.wrap_reset)):
            f = cls.__dict__.get(meth)
            if f is not None and not getattr(f, "_dlcore_wrapped", False):
                setattr(cls, meth, wrap(f))
        if "reset_states" in cls.__dict__ and "reset_state" not in cls.__dict__:
            setattr(cls, "reset_state", cls.__dict__["reset_states"])   # (Keras 2's name)

    def add_weight(self, name=None, shape=(), initializer="zeros", dtype=None,
                   aggregation="sum", synchronization="auto", **kwargs):
        """A non-trainable metric variable (Keras's ``Metric.add_weight``)."""
        return _ms.add_weight(self, name, shape, initializer, dtype)

    def add_variable(self, shape=(), initializer="zeros", dtype=None, aggregation="sum",
                     name=None):
        """Keras 3's name of ``add_weight``."""
        return _ms.add_weight(self, name, shape, initializer, dtype)

    def _vars(self):
        if self._total is None:
            g = get_default_graph()          # (outside control contexts: Keras' init_scope)
            with g.control_dependencies(None), g.name_scope(self.name + "/"):
                self._total = _tf_metrics._local("total", np.float32)
                self._count = _tf_metrics._local("count", np.float32)
        return self._total, self._count

    @property
    def variables(self) -> list:
        added = list(self.__dict__.get("_added") or [])
        return added if self._total is None else [self._total, self._count] + added

    def _values(self, *args):
        raise NotImplementedError

    def update_state(self, *args, sample_weight=None):
        v = _f32(self._values(*args))
        total, count = self._vars()
        if sample_weight is None:
            w = _ops.full_like(v, 1.0)
        else:
            sw = K._to_tensor(sample_weight)
            if sw.aval.ndim == v.aval.ndim + 1 and sw.aval.shape[-1] == 1:
                sw = _ops.squeeze(sw, -1)          # (n, 1) weights of per-sample values
            if sw.aval.ndim > v.aval.ndim:
                raise ValueError(f"{self.name}: sample_weight of rank above the values'")
            w = _ops.broadcast_like(_f32(sw), v)
        from ..control_flow import group
        return _ms.record(self, group(total.assign_add(_ops.sum(_ops.mul(v, w))),
                                  count.assign_add(_ops.sum(w))))

    def result(self):
        total, count = self._vars()
        return _tf_metrics._safe_div(total.value(), count.value())

    def reset_state(self) -> None:
        if self._total is not None:
            K.batch_set_value([(self._total, 0.0), (self._count, 0.0)])
        _ms.zero_added(self)

    def reset_states(self) -> None:
        self.reset_state()

    def __call__(self, *args, sample_weight=None):
        from ..graph import control_dependencies
        with control_dependencies([self.update_state(*args, sample_weight=sample_weight)]):
            return _ops.add(_ms._as_tensor(self.result()), 0.0)

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}


class Mean(Metric):
    """The weighted mean of the values given to ``update_state(values, sample_weight)``."""

    def update_state(self, values, sample_weight=None):  # type: ignore[override]
        return Metric.update_state(self, values, sample_weight=sample_weight)

    def _values(self, values):
        return K._to_tensor(values)


class Sum(Metric):
    """The weighted sum of the values given (``result`` is ``total``)."""

    update_state = Mean.update_state  # type: ignore[assignment]

    def _values(self, values):
        return K._to_tensor(values)

    def result(self):
        return self._vars()[0].value()


class MeanMetricWrapper(Metric):
    """The mean of ``fn(y_true, y_pred, **kwargs)`` over the samples."""

    def update_state(self, y_true, y_pred, sample_weight=None):  # type: ignore[override]
        return Metric.update_state(self, y_true, y_pred, sample_weight=sample_weight)

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name, dtype=dtype)
        self._fn, self._fn_kwargs = fn, kwargs

    def _values(self, y_true, y_pred):
        return self._fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self) -> dict:
        return {**super().get_config(), **self._fn_kwargs}


def _wrapper(class_name: str, fn, default_name: str, params: tuple = ()):
    def __init__(self, *args, name=default_name, dtype=None, **kwargs):
        values = _lc._bind_params(class_name, params, args, kwargs, " besides name and dtype")
        MeanMetricWrapper.__init__(self, fn, name=name, dtype=dtype, **values)
    return type(class_name, (MeanMetricWrapper,), {"__init__": __init__,
                                                  "__doc__": f"Keras's ``{class_name}``: the "
                                                  f"mean of ``{fn.__name__}``."})


Accuracy = _wrapper("Accuracy", accuracy, "accuracy")
BinaryAccuracy = _wrapper("BinaryAccuracy", binary_accuracy, "binary_accuracy",
                          (("threshold", 0.5),))
BinaryCrossentropy = _wrapper("BinaryCrossentropy", _lc.binary_crossentropy,
                              "binary_crossentropy",
                              (("from_logits", False), ("label_smoothing", 0.0)))
CategoricalCrossentropy = _wrapper("CategoricalCrossentropy", _lc.categorical_crossentropy,
                                   "categorical_crossentropy",
                                   (("from_logits", False), ("label_smoothing", 0.0)))
SparseCategoricalCrossentropy = _wrapper("SparseCategoricalCrossentropy",
                                         _lc.sparse_categorical_crossentropy,
                                         "sparse_categorical_crossentropy",
                                         (("from_logits", False),))
KLDivergence = _wrapper("KLDivergence", _lc.kl_divergence, "kl_divergence")
Poisson = _wrapper("Poisson", _lc.poisson, "poisson")
LogCoshError = _wrapper("LogCoshError", _lc.log_cosh, "logcosh")


def _cosine(y_true, y_pred, axis=-1):
    return _ops.neg(_lc.cosine_similarity(y_true, y_pred, axis))


_cosine.__name__ = "cosine_similarity"
CosineSimilarity = _wrapper("CosineSimilarity", _cosine, "cosine_similarity", (("axis", -1),))


def per_sample(metric: MeanMetricWrapper):
    """``compile``'s per-sample function of a metric object, named as the metric."""
    def fn(y_true, y_pred):
        return metric._values(y_true, y_pred)
    fn.__name__ = metric.name
    return fn
