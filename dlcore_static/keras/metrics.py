"""Keras metrics by function or name: the accuracies, and every loss (``'mae'``, ...)."""

from __future__ import annotations

from typing import Any

import numpy as np

from dlcore import ops as _ops

from . import _metric_state as _ms
from . import losses as _losses


def _f(x):
    return _ops.cast(x, np.float32)


def binary_accuracy(y_true, y_pred):
    return _ops.mean(_f(_ops.equal(y_true, _ops.rint(y_pred))), -1)


def categorical_accuracy(y_true, y_pred):
    return _f(_ops.equal(_ops.argmax(y_true, -1), _ops.argmax(y_pred, -1)))


def sparse_categorical_accuracy(y_true, y_pred):
    t = y_true
    if t.aval.ndim == y_pred.aval.ndim:
        t = _ops.squeeze(t, -1)
    return _f(_ops.equal(_ops.cast(t, np.int64), _ops.argmax(y_pred, -1)))


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    from ..math_api import in_top_k
    return _f(in_top_k(y_pred, _ops.argmax(y_true, -1), k))


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5):
    from ..math_api import in_top_k
    t = y_true
    if t.aval.ndim == y_pred.aval.ndim:
        t = _ops.squeeze(t, -1)
    return _f(in_top_k(y_pred, _ops.cast(t, np.int64), k))


_TABLE = {f.__name__: f for f in (binary_accuracy, categorical_accuracy,
                                  sparse_categorical_accuracy, top_k_categorical_accuracy,
                                  sparse_top_k_categorical_accuracy)}


# Keras 2.3+/3: the metric classes that are means of per-sample values, and the loss
# functions under their metric names
from .losses import (  # noqa: F401 - re-exported, keras.metrics.X  # noqa: F401
    MAE,
    MAPE,
    MSE,
    MSLE,
    binary_crossentropy,
    categorical_crossentropy,
    categorical_hinge,
    cosine_similarity,
    hinge,
    huber,
    kl_divergence,
    kullback_leibler_divergence,
    log_cosh,
    logcosh,
    mae,
    mape,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
    mse,
    msle,
    poisson,
    sparse_categorical_crossentropy,
    squared_hinge,
)
from .metric_classes import (  # noqa: F401 - re-exported
    Accuracy,
    BinaryAccuracy,
    BinaryCrossentropy,
    CategoricalCrossentropy,
    CosineSimilarity,
    KLDivergence,
    LogCoshError,
    Mean,
    MeanMetricWrapper,
    Metric,
    Poisson,
    SparseCategoricalCrossentropy,
    Sum,
    _wrapper,
    binary_accuracy,
)
from .metric_classes import per_sample as _per_sample

CategoricalAccuracy = _wrapper("CategoricalAccuracy", categorical_accuracy,
                               "categorical_accuracy")
SparseCategoricalAccuracy = _wrapper("SparseCategoricalAccuracy", sparse_categorical_accuracy,
                                     "sparse_categorical_accuracy")
TopKCategoricalAccuracy = _wrapper("TopKCategoricalAccuracy", top_k_categorical_accuracy,
                                   "top_k_categorical_accuracy", (("k", 5),))
SparseTopKCategoricalAccuracy = _wrapper("SparseTopKCategoricalAccuracy",
                                         sparse_top_k_categorical_accuracy,
                                         "sparse_top_k_categorical_accuracy", (("k", 5),))
MeanSquaredError = _wrapper("MeanSquaredError", mean_squared_error, "mean_squared_error")
MeanAbsoluteError = _wrapper("MeanAbsoluteError", mean_absolute_error, "mean_absolute_error")
MeanAbsolutePercentageError = _wrapper("MeanAbsolutePercentageError",
                                       mean_absolute_percentage_error,
                                       "mean_absolute_percentage_error")
MeanSquaredLogarithmicError = _wrapper("MeanSquaredLogarithmicError",
                                       mean_squared_logarithmic_error,
                                       "mean_squared_logarithmic_error")
Hinge = _wrapper("Hinge", hinge, "hinge")
SquaredHinge = _wrapper("SquaredHinge", squared_hinge, "squared_hinge")
CategoricalHinge = _wrapper("CategoricalHinge", categorical_hinge, "categorical_hinge")

_TABLE["binary_accuracy"] = binary_accuracy

from .confusion_metrics import (  # noqa: F401 - keras.metrics.Precision, ...
    AUC,
    FalseNegatives,
    FalsePositives,
    Precision,
    Recall,
    TrueNegatives,
    TruePositives,
)
from .confusion_metrics import compiled as _compiled_confusion
from .confusion_metrics import is_confusion as _is_confusion


def get(identifier):
    if _is_confusion(identifier):       # counts over the epoch, not a per-sample function
        return _compiled_confusion(identifier)
    if isinstance(identifier, MeanMetricWrapper):
        return _per_sample(identifier)
    if isinstance(identifier, type) and issubclass(identifier, MeanMetricWrapper):
        cls: Any = identifier          # (a generated class: its arguments have defaults)
        return _per_sample(cls())
    if _ms.is_user_metric(identifier):     # a user's update_state/result: over the epoch
        return _ms.compiled(identifier)
    if isinstance(identifier, type) and issubclass(identifier, Metric) and \
            getattr(identifier.update_state, "_dlcore_wrapped", False):
        return _ms.compiled(identifier())
    if isinstance(identifier, Metric):
        raise TypeError(f"compile(metrics=...): {type(identifier).__name__} is not a metric "
                         "of (y_true, y_pred); give it to update_state yourself")
    if callable(identifier):
        return identifier
    if identifier in _TABLE:
        return _TABLE[identifier]
    return _losses.get(identifier)


def accuracy_for(loss_name: str, output_shape) -> object:
    """Which accuracy ``'accuracy'``/``'acc'`` means, as Keras chooses it from the loss and the
    output shape."""
    if loss_name in ("binary_crossentropy",) or (output_shape and output_shape[-1] == 1):
        return binary_accuracy
    if loss_name == "sparse_categorical_crossentropy":
        return sparse_categorical_accuracy
    return categorical_accuracy
