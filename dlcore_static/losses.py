"""``tf.losses``: losses reduced to a scalar and added to the LOSSES collection.

The default reduction is TensorFlow's ``SUM_BY_NONZERO_WEIGHTS``: the weighted sum divided by
the number of non-zero weights, which is the plain mean when ``weights=1.0``.
"""

from __future__ import annotations

from dlcore import ops as _ops

from ._convert import _args, _class_labels
from .frontend import rename, to_tensor
from .graph import get_default_graph


class Reduction:
    NONE = "none"
    SUM = "weighted_sum"
    MEAN = "weighted_mean"
    SUM_OVER_BATCH_SIZE = "weighted_sum_over_batch_size"
    SUM_BY_NONZERO_WEIGHTS = "weighted_sum_by_nonzero_weights"
    SUM_OVER_NONZERO_WEIGHTS = SUM_BY_NONZERO_WEIGHTS


def _reduce(losses, weights, reduction):
    w = weights
    weighted = losses if (isinstance(w, (int, float)) and w == 1.0) else _ops.mul(losses, w)
    if reduction == Reduction.NONE:
        return weighted
    total = _ops.sum(weighted)
    if reduction == Reduction.SUM:
        return total
    # TF1's losses_impl._safe_mean: div_no_nan(total, num_present, name="value"), so the loss
    # of tf.losses.mean_squared_error is mean_squared_error/value
    first = len(get_default_graph()._ops)
    return rename(_mean(losses, w, weighted, total, reduction), "value", first)


def _mean(losses, w, weighted, total, reduction):
    if isinstance(w, (int, float)):
        if reduction == Reduction.MEAN:
            return _ops.div(total, float(w)) if w != 0 else total
        return _ops.mean(weighted) if w != 0 else _ops.mul(total, 0.0)
    wt = _ops.broadcast_like(_ops.cast(to_tensor(w), losses.aval.dtype), losses)
    if reduction == Reduction.MEAN:
        return _ops.div(total, _ops.sum(wt))
    if reduction == Reduction.SUM_OVER_BATCH_SIZE:
        return _ops.mean(weighted)
    nonzero = _ops.sum(_ops.cast(_ops.not_equal(wt, 0), losses.aval.dtype))
    return _ops.div(total, _ops.maximum(nonzero, 1.0))


def _finish(loss, loss_collection):
    if loss_collection is not None:
        get_default_graph().add_to_collection(loss_collection, loss)
    return loss


def mean_squared_error(labels, predictions, weights=1.0, scope=None,
                       loss_collection="losses", reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    labels, predictions = _args(labels, predictions, cast_data=True)
    with get_default_graph().name_scope(scope or "mean_squared_error"):
        d = _ops.sub(predictions, labels)
        loss = _reduce(_ops.mul(d, d), _w(weights), reduction)
    return _finish(loss, loss_collection)


def absolute_difference(labels, predictions, weights=1.0, scope=None,
                        loss_collection="losses", reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    labels, predictions = _args(labels, predictions, cast_data=True)
    with get_default_graph().name_scope(scope or "absolute_difference"):
        loss = _reduce(_ops.abs(_ops.sub(predictions, labels)), _w(weights), reduction)
    return _finish(loss, loss_collection)


def softmax_cross_entropy(onehot_labels, logits, weights=1.0, label_smoothing=0, scope=None,
                          loss_collection="losses",
                          reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    onehot_labels, logits = _args(onehot_labels, logits, cast_data=True)
    with get_default_graph().name_scope(scope or "softmax_cross_entropy_loss"):
        labels = _ops.cast(onehot_labels, logits.aval.dtype)
        if label_smoothing:
            k = logits.aval.shape[-1]
            labels = _ops.add(_ops.mul(labels, 1.0 - label_smoothing), label_smoothing / k)
        per = _ops.softmax_cross_entropy(logits, _ops.stop_gradient(labels))
        loss = _reduce(per, _w(weights), reduction)
    return _finish(loss, loss_collection)


def sparse_softmax_cross_entropy(labels, logits, weights=1.0, scope=None,
                                 loss_collection="losses",
                                 reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    labels, logits = _class_labels(labels, logits), to_tensor(logits)
    with get_default_graph().name_scope(scope or "sparse_softmax_cross_entropy_loss"):
        loss = _reduce(_ops.sparse_softmax_cross_entropy(logits, labels), _w(weights),
                       reduction)
    return _finish(loss, loss_collection)


def sigmoid_cross_entropy(multi_class_labels, logits, weights=1.0, scope=None,
                          loss_collection="losses",
                          reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    labels, logits = _args(multi_class_labels, logits, cast_data=True)
    with get_default_graph().name_scope(scope or "sigmoid_cross_entropy_loss"):
        per = _ops.sigmoid_cross_entropy_with_logits(logits, _ops.cast(labels,
                                                                       logits.aval.dtype))
        loss = _reduce(per, _w(weights), reduction)
    return _finish(loss, loss_collection)


def huber_loss(labels, predictions, weights=1.0, delta=1.0, scope=None,
               loss_collection="losses", reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """``0.5 e^2`` where ``|e| <= delta``, ``delta (|e| - 0.5 delta)`` beyond; ``e = p - y``."""
    labels, predictions = _args(labels, predictions, cast_data=True)
    with get_default_graph().name_scope(scope or "huber_loss"):
        err = _ops.abs(_ops.sub(predictions, labels))
        quad = _ops.minimum(err, float(delta))
        lin = _ops.sub(err, quad)
        per = _ops.add(_ops.mul(_ops.mul(quad, quad), 0.5), _ops.mul(lin, float(delta)))
        loss = _reduce(per, _w(weights), reduction)
    return _finish(loss, loss_collection)


def log_loss(labels, predictions, weights=1.0, epsilon=1e-7, scope=None,
             loss_collection="losses", reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """``-y log(p + eps) - (1 - y) log(1 - p + eps)``."""
    labels, predictions = _args(labels, predictions, cast_data=True)
    with get_default_graph().name_scope(scope or "log_loss"):
        per = _ops.neg(_ops.add(
            _ops.mul(labels, _ops.log(_ops.add(predictions, float(epsilon)))),
            _ops.mul(_ops.sub(1.0, labels),
                     _ops.log(_ops.add(_ops.sub(1.0, predictions), float(epsilon))))))
        loss = _reduce(per, _w(weights), reduction)
    return _finish(loss, loss_collection)


def hinge_loss(labels, logits, weights=1.0, scope=None, loss_collection="losses",
               reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """``max(0, 1 - (2y - 1) logits)`` for labels in {0, 1}."""
    labels, logits = _args(labels, logits, cast_data=True)
    with get_default_graph().name_scope(scope or "hinge_loss"):
        signs = _ops.sub(_ops.mul(labels, 2.0), 1.0)
        per = _ops.relu(_ops.sub(1.0, _ops.mul(signs, logits)))
        loss = _reduce(per, _w(weights), reduction)
    return _finish(loss, loss_collection)


def compute_weighted_loss(losses, weights=1.0, scope=None, loss_collection="losses",
                          reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    losses = to_tensor(losses)
    with get_default_graph().name_scope(scope or "weighted_loss"):
        loss = _reduce(losses, _w(weights), reduction)
    return _finish(loss, loss_collection)


def _w(weights):
    if isinstance(weights, (int, float)):
        return weights
    return to_tensor(weights)


def add_loss(loss, loss_collection="losses") -> None:
    if loss_collection is not None:
        get_default_graph().add_to_collection(loss_collection, loss)


def get_losses(scope=None, loss_collection="losses") -> list:
    return get_default_graph().get_collection(loss_collection, scope)


def get_regularization_losses(scope=None) -> list:
    return get_default_graph().get_collection("regularization_losses", scope)


def get_regularization_loss(scope=None, name="total_regularization_loss"):
    from .frontend import constant
    from .math_ops import add_n
    losses = get_regularization_losses(scope)
    return add_n(losses, name=name) if losses else constant(0.0, name=name)


def get_total_loss(add_regularization_losses=True, name="total_loss"):
    from .math_ops import add_n
    losses = get_losses()
    if add_regularization_losses:
        losses = losses + get_regularization_losses()
    if not losses:
        raise ValueError("No losses found in the LOSSES collection")
    return add_n(losses, name=name)
