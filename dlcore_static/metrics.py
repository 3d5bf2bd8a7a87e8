"""``tf.metrics``: streaming metrics.  Each returns ``(value, update_op)`` and keeps its state in
two *local* variables (``total`` and ``count`` under the metric's scope, in the
``LOCAL_VARIABLES`` and ``METRIC_VARIABLES`` collections), initialised by
``tf.local_variables_initializer()``.  Running ``update_op`` adds a batch; ``value`` reads
``total / count`` (0 before any update).

    mean(v, w)             total += sum(w v);   count += sum(w)
    accuracy(y, p, w)      mean(y == p, w)
"""

from __future__ import annotations

import contextlib

import numpy as np

from dlcore import ops as _ops

from .frontend import to_tensor
from .graph import get_default_graph
from .variables import LOCAL_VARIABLES, Variable

METRIC_VARIABLES = "metric_variables"


def _local(name: str, dtype) -> Variable:
    return Variable(np.zeros((), dtype), trainable=False, name=name,
                    collections=[LOCAL_VARIABLES, METRIC_VARIABLES])


def _collect(value, update, metrics_collections, updates_collections):
    """``(value, update)``, after adding them to the named collections (every metric's tail)."""
    g = get_default_graph()
    for c in metrics_collections or []:
        g.add_to_collection(c, value)
    for c in updates_collections or []:
        g.add_to_collection(c, update)
    return value, update


def _safe_div(num, den):
    """TF 1.15's metrics ``_safe_div``: ``div_no_nan`` (0 where ``den`` is 0; a negative
    total weight divides)."""
    zero = _ops.equal(den, 0.0)
    return _ops.where(zero, _ops.zeros_like(num), _ops.div(num, _ops.where(zero, 1.0, den)))


def _squeezable(predictions, labels=None, weights=None):
    """TF 1.15's ``metrics_impl._remove_squeezable_dimensions``: labels and predictions whose
    ranks differ by one lose the longer one's last dimension of 1 (ids (N, 1) against an
    argmax (N,): was an (N, N) comparison), their shapes must then be compatible (ValueError),
    and weights one rank above the predictions lose their last dimension, one below gain one."""
    from .tensor_shape import TensorShape
    predictions = to_tensor(predictions)
    if labels is not None:
        labels = to_tensor(labels)
        ps, ls = predictions.aval.shape, labels.aval.shape
        if ps is not None and ls is not None:
            if len(ps) - len(ls) == 1 and ps[-1] in (1, None):
                predictions = _ops.squeeze(predictions, (len(ps) - 1,))
            elif len(ps) - len(ls) == -1 and ls[-1] in (1, None):
                labels = _ops.squeeze(labels, (len(ls) - 1,))
            TensorShape(predictions.aval.shape).assert_is_compatible_with(
                TensorShape(labels.aval.shape))
    if weights is None:
        return predictions, labels, None
    weights = to_tensor(weights)
    ws, ps = weights.aval.shape, predictions.aval.shape
    if ws is not None and ps is not None and len(ws) > 0:
        if len(ws) - len(ps) == 1:
            weights = _ops.squeeze(weights, (len(ws) - 1,))
        elif len(ps) - len(ws) == 1:
            weights = _ops.expand_dims(weights, -1)
    return predictions, labels, weights


def mean(values, weights=None, metrics_collections=None, updates_collections=None,
         name=None):
    """The running (weighted) mean of ``values``: ``(value, update_op)``."""
    g = get_default_graph()
    # name="" (from accuracy & co.): the caller's scope already holds the variables.
    with (g.name_scope(name or "mean") if name != "" else contextlib.nullcontext()):
        v = _ops.cast(to_tensor(values), np.float32)      # (TF 1.15: float32 whatever the
        dt = v.aval.dtype                                   # values' dtype, float64 too)
        total, count = _local("total", dt), _local("count", dt)
        if weights is None:
            num, den = _ops.sum(v), _ops.sum(_ops.ones_like(v))
        else:
            from .losses import _assert_broadcastable
            v, _, weights = _squeezable(v, None, weights)
            _assert_broadcastable(weights, v)
            w = _ops.broadcast_like(_ops.cast(weights, dt), v)
            num, den = _ops.sum(_ops.mul(v, w)), _ops.sum(w)
        up_total = total.assign_add(num)
        up_count = count.assign_add(den)
        value = _safe_div(total.value(), count.value())
        with g.name_scope("update_op"):
            update = _safe_div(up_total, up_count)
    return _collect(value, update, metrics_collections, updates_collections)


def accuracy(labels, predictions, weights=None, metrics_collections=None,
             updates_collections=None, name=None):
    """The running fraction of ``predictions == labels``: ``(value, update_op)``."""
    g = get_default_graph()
    with g.name_scope(name or "accuracy"):
        pr, lb, weights = _squeezable(predictions, labels, weights)
        if lb.aval.dtype != pr.aval.dtype:
            pr = _ops.cast(pr, lb.aval.dtype)
        hit = _ops.cast(_ops.equal(lb, pr), np.float32)
        return mean(hit, weights, metrics_collections, updates_collections, name="")


def mean_squared_error(labels, predictions, weights=None, metrics_collections=None,
                       updates_collections=None, name=None):
    g = get_default_graph()
    with g.name_scope(name or "mean_squared_error"):
        pr, lb, weights = _squeezable(predictions, labels, weights)
        d = _ops.sub(pr, lb)
        return mean(_ops.mul(d, d), weights, metrics_collections, updates_collections,
                    name="")


def mean_absolute_error(labels, predictions, weights=None, metrics_collections=None,
                        updates_collections=None, name=None):
    g = get_default_graph()
    with g.name_scope(name or "mean_absolute_error"):
        pr, lb, weights = _squeezable(predictions, labels, weights)
        d = _ops.abs(_ops.sub(pr, lb))
        return mean(d, weights, metrics_collections, updates_collections, name="")


# ----------------------------------------------------------------------------- binary metrics
def _local_vec(name: str, shape: int | tuple) -> Variable:
    """A float32 local metric variable of zeros (``shape``: a length or a shape)."""
    return Variable(np.zeros(shape, np.float32), trainable=False, name=name,
                    collections=[LOCAL_VARIABLES, METRIC_VARIABLES])


def _binary(labels, predictions, weights):
    """Labels and predictions as flat bool vectors, weights as a flat float32 vector."""
    pr, labels, weights = _squeezable(predictions, labels, weights)
    lb = _ops.reshape(_ops.cast(labels, np.bool_), (-1,))
    w = _ops.ones_like(_ops.cast(lb, np.float32)) if weights is None else \
        _ops.reshape(_ops.broadcast_like(_ops.cast(weights, np.float32),
                                         _ops.cast(labels, np.float32)), (-1,))
    return lb, pr, w


def _unit_predictions(pr):
    """``pr`` read after TF 1.15's ``_confusion_matrix_at_thresholds`` checks (run time,
    InvalidArgumentError 'predictions must be in [0, 1]' from assert_greater_equal /
    assert_less_equal; values outside were counted silently)."""
    from .debug_ops import assert_greater_equal, assert_less_equal
    pr = to_tensor(pr)
    msg = "predictions must be in [0, 1]"
    checks = [assert_greater_equal(pr, _ops.cast(0.0, pr.aval.dtype), message=msg),
              assert_less_equal(pr, _ops.cast(1.0, pr.aval.dtype), message=msg)]
    with get_default_graph().control_dependencies(checks):
        return _ops.identity(pr)


def _counted(name, labels, predictions, weights, first, second, metrics_collections,
             updates_collections):
    """``first / (first + second)`` of weighted counts of (label, prediction) pairs."""
    g = get_default_graph()
    with g.name_scope(name):
        lb, pr, w = _binary(labels, predictions, weights)
        pr = _ops.reshape(_ops.cast(pr, np.bool_), (-1,))
        a, b = first(lb, pr), second(lb, pr)
        na = _local(first.__name__.lstrip("_"), np.float32)
        nb = _local(second.__name__.lstrip("_"), np.float32)
        up_a = na.assign_add(_ops.sum(_ops.mul(_ops.cast(a, np.float32), w)))
        up_b = nb.assign_add(_ops.sum(_ops.mul(_ops.cast(b, np.float32), w)))
        value = _safe_div(na.value(), _ops.add(na.value(), nb.value()))
        with g.name_scope("update_op"):
            update = _safe_div(up_a, _ops.add(up_a, up_b))
    return _collect(value, update, metrics_collections, updates_collections)


def _true_positives(lb, pr):
    return _ops.logical_and(lb, pr)


def _false_positives(lb, pr):
    return _ops.logical_and(_ops.logical_not(lb), pr)


def _false_negatives(lb, pr):
    return _ops.logical_and(lb, _ops.logical_not(pr))


def precision(labels, predictions, weights=None, metrics_collections=None,
              updates_collections=None, name=None):
    """``tp / (tp + fp)`` over the batches seen (predictions and labels cast to bool)."""
    return _counted(name or "precision", labels, predictions, weights, _true_positives,
                    _false_positives, metrics_collections, updates_collections)


def recall(labels, predictions, weights=None, metrics_collections=None,
           updates_collections=None, name=None):
    """``tp / (tp + fn)`` over the batches seen."""
    return _counted(name or "recall", labels, predictions, weights, _true_positives,
                    _false_negatives, metrics_collections, updates_collections)


def auc(labels, predictions, weights=None, num_thresholds=200, metrics_collections=None,
        updates_collections=None, curve="ROC", name=None, summation_method="trapezoidal",
        thresholds=None):
    """The area under the ROC (or precision-recall) curve, by TensorFlow 1's Riemann sum over
    ``num_thresholds`` thresholds in [0, 1] (``predictions`` are probabilities)::

        t = [-1e-7, 1/(n-1), ..., (n-2)/(n-1), 1 + 1e-7];  tp[i] = sum w [p > t_i and y] ...
        ROC: x = fp / (fp + tn + 1e-7), y = (tp + 1e-7) / (tp + fn + 1e-7)
        PR:  x = y_ROC, y = (tp + 1e-7) / (tp + fp + 1e-7)
        auc = sum_i (x_i - x_{i+1}) (y_i + y_{i+1}) / 2          ('trapezoidal')
    """
    from .frontend import constant
    if curve not in ("ROC", "PR"):
        raise ValueError(f"curve must be either ROC or PR, {curve} unknown")
    if summation_method != "trapezoidal":
        raise ValueError(f"summation_method {summation_method!r}: only 'trapezoidal' is "
                         "supported by dlcore_static")
    if thresholds is None:
        if num_thresholds < 2:
            raise ValueError("`num_thresholds` must be > 1.")
        eps = 1e-7
        thr = [-eps] + [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)] + \
            [1.0 + eps]
    else:
        thr = [-1e-7] + list(thresholds) + [1.0 + 1e-7]
    g = get_default_graph()
    with g.name_scope(name or "auc"):
        lb, pr, w = _binary(labels, _unit_predictions(predictions), weights)
        p = _ops.reshape(_ops.cast(pr, np.float32), (-1, 1))
        above = _ops.greater(p, constant(np.asarray(thr, np.float32).reshape(1, -1)))  # (N, T)
        yes = _ops.reshape(lb, (-1, 1))
        wc = _ops.reshape(w, (-1, 1))

        def count(mask):
            return _ops.sum(_ops.mul(_ops.cast(mask, np.float32), wc), 0)
        n = len(thr)
        tp, fn = _local_vec("true_positives", n), _local_vec("false_negatives", n)
        tn, fp = _local_vec("true_negatives", n), _local_vec("false_positives", n)
        ups = [tp.assign_add(count(_ops.logical_and(above, yes))),
               fn.assign_add(count(_ops.logical_and(_ops.logical_not(above), yes))),
               tn.assign_add(count(_ops.logical_and(_ops.logical_not(above),
                                                    _ops.logical_not(yes)))),
               fp.assign_add(count(_ops.logical_and(above, _ops.logical_not(yes))))]

        def area(tp_, fn_, tn_, fp_):
            e = 1e-7
            rec = _ops.div(_ops.add(tp_, e), _ops.add(_ops.add(tp_, fn_), e))
            if curve == "ROC":
                x = _ops.div(fp_, _ops.add(_ops.add(fp_, tn_), e))
                y = rec
            else:
                x = rec
                y = _ops.div(_ops.add(tp_, e), _ops.add(_ops.add(tp_, fp_), e))
            dx = _ops.sub(x[: n - 1], x[1:])
            return _ops.sum(_ops.mul(dx, _ops.div(_ops.add(y[: n - 1], y[1:]), 2.0)))
        value = area(tp.value(), fn.value(), tn.value(), fp.value())
        with g.name_scope("update_op"):
            update = area(*ups)
    return _collect(value, update, metrics_collections, updates_collections)
