"""Keras losses: ``f(y_true, y_pred)`` -> one value per sample (the model averages them)."""

from __future__ import annotations

from dlcore import ops as _ops

EPSILON = 1e-7


def mean_squared_error(y_true, y_pred):
    d = _ops.sub(y_pred, y_true)
    return _ops.mean(_ops.mul(d, d), -1)


def mean_absolute_error(y_true, y_pred):
    return _ops.mean(_ops.abs(_ops.sub(y_pred, y_true)), -1)


def categorical_crossentropy(y_true, y_pred):
    """``y_pred`` are probabilities (after softmax), clipped away from 0 and 1."""
    p = _ops.clip(y_pred, EPSILON, 1.0 - EPSILON)
    return _ops.neg(_ops.sum(_ops.mul(y_true, _ops.log(p)), -1))


def sparse_categorical_crossentropy(y_true, y_pred):
    depth = y_pred.aval.shape[-1]
    labels = _ops.cast(y_true, "int64")
    if labels.aval.ndim == y_pred.aval.ndim:
        labels = _ops.squeeze(labels, -1)
    return categorical_crossentropy(_ops.one_hot(labels, depth, y_pred.aval.dtype), y_pred)


def binary_crossentropy(y_true, y_pred):
    p = _ops.clip(y_pred, EPSILON, 1.0 - EPSILON)
    one = _ops.sub(1.0, y_true)
    ll = _ops.add(_ops.mul(y_true, _ops.log(p)), _ops.mul(one, _ops.log(_ops.sub(1.0, p))))
    return _ops.neg(_ops.mean(ll, -1))


mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error

_TABLE = {"mean_squared_error": mean_squared_error, "mse": mean_squared_error,
          "mean_absolute_error": mean_absolute_error, "mae": mean_absolute_error,
          "categorical_crossentropy": categorical_crossentropy,
          "sparse_categorical_crossentropy": sparse_categorical_crossentropy,
          "binary_crossentropy": binary_crossentropy}


def get(identifier):
    if callable(identifier):
        return identifier
    try:
        return _TABLE[identifier]
    except KeyError:
        raise ValueError(f"Unknown loss function: {identifier}") from None
