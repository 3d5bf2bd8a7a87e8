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


def _safe_div(num, den):
    return _ops.where(_ops.greater(den, 0), _ops.div(num, _ops.maximum(den, 1e-30)),
                      _ops.zeros_like(num))


def mean(values, weights=None, metrics_collections=None, updates_collections=None,
         name=None):
    """The running (weighted) mean of ``values``: ``(value, update_op)``."""
    g = get_default_graph()
    # name="" (from accuracy & co.): the caller's scope already holds the variables.
    with (g.name_scope(name or "mean") if name != "" else contextlib.nullcontext()):
        v = to_tensor(values)
        if v.aval.dtype.kind != "f":
            v = _ops.cast(v, np.float32)
        dt = v.aval.dtype
        total, count = _local("total", dt), _local("count", dt)
        if weights is None:
            num, den = _ops.sum(v), _ops.sum(_ops.ones_like(v))
        else:
            w = _ops.broadcast_like(_ops.cast(to_tensor(weights), dt), v)
            num, den = _ops.sum(_ops.mul(v, w)), _ops.sum(w)
        up_total = total.assign_add(num)
        up_count = count.assign_add(den)
        value = _safe_div(total.value(), count.value())
        with g.name_scope("update_op"):
            update = _safe_div(up_total, up_count)
    for c in metrics_collections or []:
        g.add_to_collection(c, value)
    for c in updates_collections or []:
        g.add_to_collection(c, update)
    return value, update


def accuracy(labels, predictions, weights=None, metrics_collections=None,
             updates_collections=None, name=None):
    """The running fraction of ``predictions == labels``: ``(value, update_op)``."""
    g = get_default_graph()
    with g.name_scope(name or "accuracy"):
        lb, pr = to_tensor(labels), to_tensor(predictions)
        if lb.aval.dtype != pr.aval.dtype:
            pr = _ops.cast(pr, lb.aval.dtype)
        hit = _ops.cast(_ops.equal(lb, pr), np.float32)
        return mean(hit, weights, metrics_collections, updates_collections, name="")


def mean_squared_error(labels, predictions, weights=None, metrics_collections=None,
                       updates_collections=None, name=None):
    g = get_default_graph()
    with g.name_scope(name or "mean_squared_error"):
        d = _ops.sub(to_tensor(predictions), to_tensor(labels))
        return mean(_ops.mul(d, d), weights, metrics_collections, updates_collections,
                    name="")


def mean_absolute_error(labels, predictions, weights=None, metrics_collections=None,
                        updates_collections=None, name=None):
    g = get_default_graph()
    with g.name_scope(name or "mean_absolute_error"):
        d = _ops.abs(_ops.sub(to_tensor(predictions), to_tensor(labels)))
        return mean(d, weights, metrics_collections, updates_collections, name="")
