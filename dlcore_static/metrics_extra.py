"""More of TF1's streaming ``tf.metrics`` (each ``(value, update_op)`` over local variables,
initialised by ``tf.local_variables_initializer()``, as ``metrics.py``):

    root_mean_squared_error   sqrt(running mean of (predictions - labels)^2)
    true_negatives            the running weighted count of (label false, prediction false)
    true_positives, false_positives, false_negatives   the same of their pairs
    mean_per_class_accuracy   per class: hits / examples; value: their mean over num_classes
    precision_at_thresholds, recall_at_thresholds   tp / (1e-7 + tp + fp or fn) per threshold
    percentage_below, mean_relative_error, mean_cosine_distance   means of TF's per-element terms
    mean_tensor               the element-wise running mean
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

__all__ = ["false_negatives", "false_positives", "mean_cosine_distance", "mean_iou",
           "mean_per_class_accuracy", "mean_relative_error", "mean_tensor", "percentage_below",
           "precision_at_thresholds", "recall_at_thresholds", "root_mean_squared_error",
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


def _in_classes(ids, n: int, what: str):
    """``ids`` after TF 1.15's confusion_matrix checks (run time: '`labels` contains negative
    values', '`labels` out of bound'; a one-hot of such an id counted nothing)."""
    from .debug_ops import assert_less, assert_non_negative
    g = get_default_graph()
    with g.control_dependencies([assert_non_negative(ids, message=f"`{what}` contains "
                                                                  "negative values")]):
        ids = _ops.identity(ids)
    with g.control_dependencies([assert_less(ids, _ops.cast(n, np.int64),
                                             message=f"`{what}` out of bound")]):
        return _ops.identity(ids)


def mean_iou(labels, predictions, num_classes, weights=None, metrics_collections=None,
             updates_collections=None, name=None):
    """The mean intersection-over-union of the classes seen so far: ``(value, update_op)``
    (the update op's value is the confusion matrix, as TF1's)."""
    n = int(num_classes)
    g = get_default_graph()
    with g.name_scope(name or "mean_iou"):
        lb = _in_classes(_ops.reshape(_ops.cast(to_tensor(labels), np.int64), (-1,)), n,
                         "labels")
        pr = _in_classes(_ops.reshape(_ops.cast(to_tensor(predictions), np.int64), (-1,)), n,
                         "predictions")
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


def mean_per_class_accuracy(labels, predictions, num_classes, weights=None,
                            metrics_collections=None, updates_collections=None, name=None):
    """TF 1.15's: per class, the running (weighted) fraction of its examples predicted right;
    the value is the mean over all ``num_classes`` (a class not seen counts 0), the update op
    returns the per-class vector.  Locals ``mean_accuracy/total`` and ``.../count``."""
    from .tensor_shape import TensorShape
    n = int(num_classes)
    g = get_default_graph()
    with g.name_scope(name or "mean_accuracy"):
        lb = _ops.cast(to_tensor(labels), np.int64)
        pr = to_tensor(predictions)
        if lb.aval.ndim > 1:
            lb = _ops.reshape(lb, (-1,))
        if pr.aval.ndim > 1:
            pr = _ops.reshape(pr, (-1,))
        TensorShape(pr.aval.shape).assert_is_compatible_with(TensorShape(lb.aval.shape))
        total, count = _m._local_vec("total", n), _m._local_vec("count", n)
        # TF's scatter_add of the labels into total: 'indices[2] = 5 is not in [0, 3)' at run
        # time (a one-hot of an out-of-range label counted nothing)
        from ._index_checks import checked_gather_indices
        lb = checked_gather_indices(lb, total.value(), 0, "ScatterAdd")
        hit = _ops.cast(_ops.equal(_ops.cast(pr, np.int64), lb), np.float32)
        ones = _ops.ones_like(hit)
        if weights is not None:
            w = _ops.reshape(_ops.cast(to_tensor(weights), np.float32), (-1,))
            hit, ones = _ops.mul(hit, w), _ops.mul(ones, w)
        oh = _ops.one_hot(lb, n, np.float32)
        up_total = total.assign_add(_ops.sum(_ops.mul(oh, _ops.expand_dims(ones, -1)), 0))
        up_count = count.assign_add(_ops.sum(_ops.mul(oh, _ops.expand_dims(hit, -1)), 0))
        value = _ops.mean(_m._safe_div(count.value(), total.value()))
        with g.name_scope("update_op"):
            update = _m._safe_div(up_count, up_total)
        return _collect(value, update, metrics_collections, updates_collections)


def _at_thresholds(default, other, labels, predictions, thresholds, weights,
                   metrics_collections, updates_collections, name):
    """``tp / (1e-7 + tp + other)`` per threshold (``predictions > t``), TF 1.15's
    precision_at_thresholds (other = fp) and recall_at_thresholds (other = fn)."""
    from .frontend import constant
    g = get_default_graph()
    with g.name_scope(name or default):
        lb, pr, w = _m._binary(labels, _m._unit_predictions(predictions), weights)
        thr = constant(np.asarray(thresholds, np.float32).reshape(1, -1))
        above = _ops.greater(_ops.reshape(_ops.cast(pr, np.float32), (-1, 1)), thr)
        yes = _ops.reshape(lb, (-1, 1))
        wc = _ops.reshape(w, (-1, 1))
        k = len(thresholds)

        def count(mask):
            return _ops.sum(_ops.mul(_ops.cast(mask, np.float32), wc), 0)
        tp = _m._local_vec("true_positives", k)
        oth = _m._local_vec(other, k)
        second = _ops.logical_and(above, _ops.logical_not(yes)) if other == "false_positives" \
            else _ops.logical_and(_ops.logical_not(above), yes)
        up_tp = tp.assign_add(count(_ops.logical_and(above, yes)))
        up_o = oth.assign_add(count(second))

        def ratio(a, b):
            return _ops.div(a, _ops.add(_ops.add(a, b), 1e-7))
        value = ratio(tp.value(), oth.value())
        with g.name_scope("update_op"):
            update = ratio(up_tp, up_o)
        return _collect(value, update, metrics_collections, updates_collections)


def precision_at_thresholds(labels, predictions, thresholds, weights=None,
                            metrics_collections=None, updates_collections=None, name=None):
    """Running precision at each threshold: ``(value, update_op)``, each of len(thresholds)."""
    return _at_thresholds("precision_at_thresholds", "false_positives", labels, predictions,
                          thresholds, weights, metrics_collections, updates_collections, name)


def recall_at_thresholds(labels, predictions, thresholds, weights=None,
                         metrics_collections=None, updates_collections=None, name=None):
    """Running recall at each threshold: ``(value, update_op)``, each of len(thresholds)."""
    return _at_thresholds("recall_at_thresholds", "false_negatives", labels, predictions,
                          thresholds, weights, metrics_collections, updates_collections, name)


def percentage_below(values, threshold, weights=None, metrics_collections=None,
                     updates_collections=None, name=None):
    """The running (weighted) fraction of ``values < threshold``: ``(value, update_op)``."""
    below = _ops.cast(_ops.less(to_tensor(values), threshold), np.float32)
    return _m.mean(below, weights, metrics_collections, updates_collections,
                   name=name or "percentage_below_threshold")


def mean_relative_error(labels, predictions, normalizer, weights=None,
                        metrics_collections=None, updates_collections=None, name=None):
    """The running mean of ``|labels - predictions| / normalizer`` (0 where the normalizer is
    0), TF 1.15's."""
    from .tensor_shape import TensorShape
    pr, lb, weights = _m._squeezable(predictions, labels, weights)
    pr, nz, _ = _m._squeezable(pr, normalizer)
    TensorShape(pr.aval.shape).assert_is_compatible_with(TensorShape(nz.aval.shape))
    lb = _ops.cast(lb, pr.aval.dtype)
    nz = _ops.cast(nz, pr.aval.dtype)
    zero = _ops.equal(nz, 0.0)
    rel = _ops.where(zero, _ops.zeros_like(_ops.add(lb, pr)),
                     _ops.div(_ops.abs(_ops.sub(lb, pr)), _ops.where(zero, 1.0, nz)))
    return _m.mean(rel, weights, metrics_collections, updates_collections,
                   name=name or "mean_relative_error")


def mean_cosine_distance(labels, predictions, dim, weights=None, metrics_collections=None,
                         updates_collections=None, name=None):
    """``1 -`` the running mean of ``sum(labels * predictions, dim)`` (unit-normalized inputs),
    TF 1.15's."""
    pr, lb, weights = _m._squeezable(predictions, labels, weights)
    radial = _ops.sum(_ops.mul(_ops.cast(pr, np.float32), _ops.cast(lb, np.float32)), int(dim),
                      keepdims=True)
    m, up = _m.mean(radial, weights, None, None, name=name or "mean_cosine_distance")
    return _collect(_ops.sub(1.0, m), _ops.sub(1.0, up), metrics_collections,
                    updates_collections)


def mean_tensor(values, weights=None, metrics_collections=None, updates_collections=None,
                name=None):
    """The element-wise running (weighted) mean of ``values`` (a static shape): locals
    ``mean/total_tensor`` and ``mean/count_tensor``, TF 1.15's."""
    g = get_default_graph()
    with g.name_scope(name or "mean"):
        v = _ops.cast(to_tensor(values), np.float32)
        shape = v.aval.shape
        if shape is None or None in shape:
            raise ValueError(f"mean_tensor: the values' shape must be fully defined, got "
                             f"{v.shape}")
        total, count = _m._local_vec("total_tensor", shape), _m._local_vec("count_tensor", shape)
        num = _ops.ones_like(v)
        if weights is not None:
            from .losses import _assert_broadcastable
            v, _, weights = _m._squeezable(v, None, weights)
            _assert_broadcastable(weights, v)
            w = _ops.broadcast_like(_ops.cast(weights, np.float32), v)
            v, num = _ops.mul(v, w), _ops.mul(num, w)
        up_total = total.assign_add(v)
        up_count = count.assign_add(num)
        value = _m._safe_div(total.value(), _ops.maximum(count.value(), 0.0))
        with g.name_scope("update_op"):
            update = _m._safe_div(up_total, _ops.maximum(up_count, 0.0))
        return _collect(value, update, metrics_collections, updates_collections)


def install(metrics_module) -> None:
    """Bind the names under ``tf.metrics`` (never over an existing one), metrics_at_k's too."""
    from . import metrics_at_k
    for mod in (globals(), vars(metrics_at_k)):
        for n in mod.get("__all__", []):
            if not hasattr(metrics_module, n):
                setattr(metrics_module, n, mod[n])
