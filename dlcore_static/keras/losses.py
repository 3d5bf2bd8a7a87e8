"""Keras losses: ``f(y_true, y_pred)`` -> one value per sample (the mean over the last axis),
by function or by name (``'mse'``, ``'categorical_crossentropy'``, ...).  Probabilities are
clipped to ``[eps, 1 - eps]`` as in Keras."""

from __future__ import annotations

from dlcore import ops as _ops

from . import backend as K

EPSILON = 1e-7


def _clip(x, lo, hi):
    return _ops.minimum(_ops.maximum(x, lo), hi)


def mean_squared_error(y_true, y_pred):
    return _ops.mean(_ops.square(_ops.sub(y_pred, y_true)), -1)


def mean_absolute_error(y_true, y_pred):
    return _ops.mean(_ops.abs(_ops.sub(y_pred, y_true)), -1)


def mean_absolute_percentage_error(y_true, y_pred):
    diff = _ops.abs(_ops.div(_ops.sub(y_true, y_pred),
                             _clip(_ops.abs(y_true), K.epsilon(), float("inf"))))
    return _ops.mul(_ops.mean(diff, -1), 100.0)


def mean_squared_logarithmic_error(y_true, y_pred):
    a = _ops.log(_ops.add(_clip(y_pred, K.epsilon(), float("inf")), 1.0))
    b = _ops.log(_ops.add(_clip(y_true, K.epsilon(), float("inf")), 1.0))
    return _ops.mean(_ops.square(_ops.sub(a, b)), -1)


def squared_hinge(y_true, y_pred):
    return _ops.mean(_ops.square(_ops.maximum(_ops.sub(1.0, _ops.mul(y_true, y_pred)), 0.0)),
                     -1)


def hinge(y_true, y_pred):
    return _ops.mean(_ops.maximum(_ops.sub(1.0, _ops.mul(y_true, y_pred)), 0.0), -1)


def categorical_hinge(y_true, y_pred):
    pos = _ops.sum(_ops.mul(y_true, y_pred), -1)
    neg = _ops.max_(_ops.mul(_ops.sub(1.0, y_true), y_pred), -1)
    return _ops.maximum(_ops.add(_ops.sub(neg, pos), 1.0), 0.0)


def logcosh(y_true, y_pred):
    x = _ops.sub(y_pred, y_true)
    return _ops.mean(_ops.sub(_ops.add(x, _ops.softplus(_ops.mul(x, -2.0))), 0.6931471805599453),
                     -1)


def categorical_crossentropy(y_true, y_pred):
    """``y_pred`` are probabilities (after softmax); rows are renormalised and clipped."""
    return K.categorical_crossentropy(y_true, y_pred)


def sparse_categorical_crossentropy(y_true, y_pred):
    return K.sparse_categorical_crossentropy(y_true, y_pred)


def binary_crossentropy(y_true, y_pred):
    return _ops.mean(K.binary_crossentropy(y_true, y_pred), -1)


def kullback_leibler_divergence(y_true, y_pred):
    t = _clip(y_true, K.epsilon(), 1.0)
    p = _clip(y_pred, K.epsilon(), 1.0)
    return _ops.sum(_ops.mul(t, _ops.log(_ops.div(t, p))), -1)


def poisson(y_true, y_pred):
    return _ops.mean(_ops.sub(y_pred, _ops.mul(y_true, _ops.log(_ops.add(y_pred,
                                                                          K.epsilon())))), -1)


def cosine_proximity(y_true, y_pred):
    t = K.l2_normalize(y_true, -1)
    p = K.l2_normalize(y_pred, -1)
    return _ops.neg(_ops.sum(_ops.mul(t, p), -1))


mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence
cosine = cosine_proximity

_TABLE = {f.__name__: f for f in (
    mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
    mean_squared_logarithmic_error, squared_hinge, hinge, categorical_hinge, logcosh,
    categorical_crossentropy, sparse_categorical_crossentropy, binary_crossentropy,
    kullback_leibler_divergence, poisson, cosine_proximity)}
_TABLE.update({"mse": mse, "MSE": mse, "mae": mae, "MAE": mae, "mape": mape, "MAPE": mape,
               "msle": msle, "MSLE": msle, "kld": kld, "KLD": kld, "cosine": cosine})


# Keras 2.3+/3: the loss classes, and the functions with from_logits/label_smoothing
from .loss_classes import (  # noqa: F401 - re-exported, keras.losses.X
    BinaryCrossentropy,
    CategoricalCrossentropy,
    CosineSimilarity,
    Huber,
    KLDivergence,
    LogCosh,
    Loss,
    LossFunctionWrapper,
    Poisson,
    SparseCategoricalCrossentropy,
    _wrapper,
    binary_crossentropy,
    categorical_crossentropy,
    cosine_similarity,
    huber,
    kl_divergence,
    log_cosh,
    sparse_categorical_crossentropy,
)
from .loss_classes import per_sample as _per_sample

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

kullback_leibler_divergence = kld = KLD = kl_divergence
_TABLE.update({f.__name__: f for f in (binary_crossentropy, categorical_crossentropy,
                                       sparse_categorical_crossentropy, kl_divergence, huber,
                                       log_cosh, cosine_similarity)})
_TABLE.update({"kullback_leibler_divergence": kl_divergence, "kld": kl_divergence,
               "KLD": kl_divergence, "logcosh": log_cosh, "huber_loss": huber})


def get(identifier):
    if isinstance(identifier, Loss):
        return _per_sample(identifier)
    if isinstance(identifier, type) and issubclass(identifier, Loss):
        return _per_sample(identifier())
    if callable(identifier):
        return identifier
    try:
        return _TABLE[identifier]
    except (KeyError, TypeError):
        raise ValueError(f"Unknown loss function:{identifier}") from None
