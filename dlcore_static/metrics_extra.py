"""More of TF1's streaming ``tf.metrics`` (each ``(value, update_op)`` over local variables,
initialised by ``tf.local_variables_initializer()``, as ``metrics.py``):

    root_mean_squared_error   sqrt(running mean of (predictions - labels)^2)
    true_negatives            the running weighted count of (label false, prediction false)
    true_positives, false_positives, false_negatives   the same of their pairs
    mean_iou                  a running num_classes x num_classes confusion matrix ``cm``
                              (rows: labels, columns: predictions); the value is the mean over
                              classes with ``row + col - diag > 0`` of
                              ``diag / (row + col - diag)``; the update op returns ``cm``
"""

from __future__ import annotations

import numpy as np

from dlcore import ops as _ops

from . import metrics as _m
from .frontend import to_tensor
from .graph import get_default_graph
from .variables import LOCAL_VARIABLES, Variable

__all__ = ["false_negatives", "false_positives", "mean_iou", "root_mean_squared_error",
           "true_negatives", "true_positives"]


_collect = _m._collect


def root_mean_squared_error(labels, predictions, weights=None, metrics_collections=None,
                            updates_collections=None, name=None):
    """The square root of the running mean squared error: ``(value, update_op)``."""
    g = get_default_graph()
    with g.name_scope(name or "root_mean_squared_error"):
        mse, up = _m.mean_squared_error(labels, predictions, weights, name="")
        return _collect(_ops.sqrt(mse), _ops.sqrt(up), metrics_collections,
                        updates_collections)


def _count_condition(default, cond, labels, predictions, weights, metrics_collections,
                     updates_collections, name):
    g = get_default_graph()
    with g.name_scope(name or default):
        lb, pr, w = _m._binary(labels, predictions, weights)
        pr = _ops.reshape(_ops.cast(pr, np.bool_), (-1,))
        count = _m._local("count", np.float32)
        update = count.assign_add(_ops.sum(_ops.mul(_ops.cast(cond(lb, pr), np.float32), w)))
        return _collect(count.value(), update, metrics_collections, updates_collections)


def true_negatives(labels, predictions, weights=None, metrics_collections=None,
                   updates_collections=None, name=None):
    """The running weighted count of negatives predicted negative: ``(value, update_op)``."""
    return _count_condition(
        "true_negatives", lambda lb, pr: _ops.logical_and(_ops.logical_not(lb),
                                                          _ops.logical_not(pr)),
        labels, predictions, weights, metrics_collections, updates_collections, name)


def true_positives(labels, predictions, weights=None, metrics_collections=None,
                   updates_collections=None, name=None):
    """The running weighted count of positives predicted positive: ``(value, update_op)``
    (was the bool mask of this batch's true positives, not a metric)."""
    return _count_condition("true_positives", _m._true_positives, labels, predictions,
                            weights, metrics_collections, updates_collections, name)


def false_positives(labels, predictions, weights=None, metrics_collections=None,
                    updates_collections=None, name=None):
    """The running weighted count of negatives predicted positive: ``(value, update_op)``."""
    return _count_condition("false_positives", _m._false_positives, labels, predictions,
                            weights, metrics_collections, updates_collections, name)


def false_negatives(labels, predictions, weights=None, metrics_collections=None,
                    updates_collections=None, name=None):
    """The running weighted count of positives predicted negative: ``(value, update_op)``."""
    return _count_condition("false_negatives", _m._false_negatives, labels, predictions,
                            weights, metrics_collections, updates_collections, name)


def mean_iou(labels, predictions, num_classes, weights=None, metrics_collections=None,
             updates_collections=None, name=None):
    """The mean intersection-over-union of the classes seen so far: ``(value, update_op)``
    (the update op's value is the confusion matrix, as TF1's)."""
    n = int(num_classes)
    g = get_default_graph()
    with g.name_scope(name or "mean_iou"):
        lb = _ops.reshape(_ops.cast(to_tensor(labels), np.int64), (-1,))
        pr = _ops.reshape(_ops.cast(to_tensor(predictions), np.int64), (-1,))
        w = None if weights is None else _ops.reshape(_ops.cast(to_tensor(weights),
                                                                np.float64), (-1,))
        cm = Variable(np.zeros((n, n), np.float64), trainable=False, name="total_confusion_matrix",
                      collections=[LOCAL_VARIABLES, _m.METRIC_VARIABLES])
        a = _ops.one_hot(lb, n, np.float64)
        if w is not None:
            a = _ops.mul(a, _ops.expand_dims(w, -1))
        update = cm.assign_add(_ops.matmul(_ops.transpose(a), _ops.one_hot(pr, n, np.float64)))

        def iou(c):
            rows, cols = _ops.sum(c, 1), _ops.sum(c, 0)
            diag = _ops.sum(_ops.mul(c, np.eye(n)), 1)
            den = _ops.sub(_ops.add(rows, cols), diag)
            valid = _ops.sum(_ops.cast(_ops.not_equal(den, 0.0), np.float32))
            ratio = _ops.div(diag, _ops.where(_ops.greater(den, 0.0), den, _ops.ones_like(den)))
            return _ops.where(_ops.greater(valid, 0.0),
                              _ops.div(_ops.cast(_ops.sum(ratio), np.float32),
                                       _ops.maximum(valid, 1.0)), _ops.zeros_like(valid))
        value = iou(cm.value())
        return _collect(value, update, metrics_collections, updates_collections)


def install(metrics_module) -> None:
    """Bind the names under ``tf.metrics`` (never over an existing one)."""
    for n in __all__:
        if not hasattr(metrics_module, n):
            setattr(metrics_module, n, globals()[n])
