"""TF 1.15's ``tf.metrics.recall_at_k`` / ``precision_at_k`` and their ``*_at_top_k`` forms
(``class_id=None``): per example, the k top-scored class ids against its set of label ids
(dense labels (N,) or (N, L); a repeated id or -1 padding counts once, as TF's sets)::

    tp = |top_k & set(labels)|     fn = |set(labels)| - tp     fp = k - tp
    recall = tp / (tp + fn)   precision = tp / (tp + fp)   (summed over the examples seen,
                                                            weighted; 0 / 0 is NaN, as TF's div)

The running counts are float64 local variables, as TF's.
"""

from __future__ import annotations

import numpy as np

from dlcore import ops as _ops

from . import metrics as _m
from .frontend import to_tensor
from .graph import get_default_graph
from .variables import LOCAL_VARIABLES, Variable

__all__ = ["precision_at_k", "precision_at_top_k", "recall_at_k", "recall_at_top_k"]


def _count64(name: str) -> Variable:
    return Variable(np.zeros((), np.float64), trainable=False, name=name,
                    collections=[LOCAL_VARIABLES, _m.METRIC_VARIABLES])


def _distinct(lb):
    """The number of distinct ids in each row of ``lb`` (N, L), float64: an id counts where no
    earlier column holds it."""
    L = lb.aval.shape[-1]
    if L is None:
        raise ValueError("tf.metrics.*_at_k: the labels' last dimension must be known")
    from .frontend import constant
    earlier = constant(np.tril(np.ones((L, L), np.bool_), -1))          # [l, l'] = l' < l
    eq = _ops.equal(_ops.expand_dims(lb, -1), _ops.expand_dims(lb, -2))  # (N, L, L)
    dup = _ops.reduce_any(_ops.logical_and(eq, earlier), -1)
    return _ops.sum(_ops.cast(_ops.logical_not(dup), np.float64), -1)


def _at_top_k(kind, labels, top_idx, k, class_id, weights, metrics_collections,
              updates_collections, name):
    if class_id is not None:
        raise NotImplementedError(f"tf.metrics.{kind}_at_k: class_id is not supported by "
                                  "dlcore_static")
    g = get_default_graph()
    with g.name_scope(name or f"{kind}_at_{k}"):
        idx = _ops.cast(to_tensor(top_idx), np.int64)                       # (N, k)
        lb = _ops.cast(to_tensor(labels), np.int64)
        if lb.aval.ndim == idx.aval.ndim - 1:                               # (N,) -> (N, 1)
            lb = _ops.expand_dims(lb, -1)
        # TF counts sets (std::set per row): each top-k id (distinct) hit or not, and each
        # distinct label id once (a repeated id or -1 padding counts once)
        hit = _ops.cast(_ops.reduce_any(_ops.equal(_ops.expand_dims(idx, -1),
                                                   _ops.expand_dims(lb, -2)), -1),
                        np.float64)                                        # (N, k)
        tp = _ops.sum(hit, -1)
        n_labels = _distinct(lb)
        other = _ops.sub(n_labels, tp) if kind == "recall" else \
            _ops.sub(_ops.sum(_ops.ones_like(hit), -1), tp)
        if weights is not None:
            from .losses import _assert_broadcastable
            w = _ops.cast(to_tensor(weights), np.float64)
            _assert_broadcastable(w, tp)                 # (TF: against tp's (N,) shape)
            w = _ops.broadcast_like(w, tp)
            tp, other = _ops.mul(tp, w), _ops.mul(other, w)
        v_tp = _count64(f"true_positive_at_{k}")
        v_o = _count64(("false_negative_at_" if kind == "recall" else "false_positive_at_")
                       + str(k))
        up_tp = v_tp.assign_add(_ops.sum(tp))
        up_o = v_o.assign_add(_ops.sum(other))
        value = _ops.div(v_tp.value(), _ops.add(v_tp.value(), v_o.value()))
        with g.name_scope("update"):
            update = _ops.div(up_tp, _ops.add(up_tp, up_o))
    return _m._collect(value, update, metrics_collections, updates_collections)


def recall_at_top_k(labels, predictions_idx, k=None, class_id=None, weights=None,
                    metrics_collections=None, updates_collections=None, name=None):
    """Running recall of the given top-k class ids: ``(value, update_op)``, float64."""
    k = int(k if k is not None else to_tensor(predictions_idx).aval.shape[-1])
    return _at_top_k("recall", labels, predictions_idx, k, class_id, weights,
                     metrics_collections, updates_collections, name)


def precision_at_top_k(labels, predictions_idx, k=None, class_id=None, weights=None,
                       metrics_collections=None, updates_collections=None, name=None):
    """Running precision of the given top-k class ids: ``(value, update_op)``, float64."""
    k = int(k if k is not None else to_tensor(predictions_idx).aval.shape[-1])
    return _at_top_k("precision", labels, predictions_idx, k, class_id, weights,
                     metrics_collections, updates_collections, name)


def recall_at_k(labels, predictions, k, class_id=None, weights=None, metrics_collections=None,
                updates_collections=None, name=None):
    """Running recall of the ``k`` top-scored classes of ``predictions`` (N, C)."""
    _, idx = _ops.topk(to_tensor(predictions), int(k))
    return _at_top_k("recall", labels, idx, int(k), class_id, weights, metrics_collections,
                     updates_collections, name)


def precision_at_k(labels, predictions, k, class_id=None, weights=None,
                   metrics_collections=None, updates_collections=None, name=None):
    """Running precision of the ``k`` top-scored classes of ``predictions`` (N, C)."""
    _, idx = _ops.topk(to_tensor(predictions), int(k))
    return _at_top_k("precision", labels, idx, int(k), class_id, weights, metrics_collections,
                     updates_collections, name)
