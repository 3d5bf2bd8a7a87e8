"""``tf.losses``: losses reduced to a scalar and added to the LOSSES collection.

The default reduction is TensorFlow's ``SUM_BY_NONZERO_WEIGHTS``: the weighted sum divided by
the number of non-zero weights, which is the plain mean when ``weights=1.0``.
"""

from __future__ import annotations

import numpy as np

from dlcore import ops as _ops

from ._convert import _args, _class_labels
from .frontend import rename, to_tensor
from .graph import get_default_graph
from .tensor_shape import TensorShape


class Reduction:
    """``tf.losses.Reduction``: how ``compute_weighted_loss`` reduces the weighted losses."""
    NONE = "none"
    SUM = "weighted_sum"
    MEAN = "weighted_mean"
    SUM_OVER_BATCH_SIZE = "weighted_sum_over_batch_size"
    SUM_BY_NONZERO_WEIGHTS = "weighted_sum_by_nonzero_weights"
    SUM_OVER_NONZERO_WEIGHTS = SUM_BY_NONZERO_WEIGHTS

    @classmethod
    def all(cls) -> tuple:
        """Every reduction key."""
        return (cls.NONE, cls.SUM, cls.MEAN, cls.SUM_OVER_BATCH_SIZE,
                cls.SUM_OVER_NONZERO_WEIGHTS, cls.SUM_BY_NONZERO_WEIGHTS)

    @classmethod
    def validate(cls, key) -> None:
        """``ValueError`` unless ``key`` is one of ``all()`` (TF 1.15's text)."""
        if key not in cls.all():
            raise ValueError(f"Invalid Reduction Key {key}.")


_F32 = np.dtype("float32")


def _div_no_nan(x, y):
    """``x / y``, 0 where ``y`` is 0 (``tf.div_no_nan``: TF1's ``_safe_mean``)."""
    zero = _ops.equal(y, 0.0)
    return _ops.where(zero, _ops.zeros_like(x), _ops.div(x, _ops.where(zero, 1.0, y)))


def _shape_str(shape) -> str:
    return "(" + ", ".join("?" if d is None else str(d) for d in shape) + \
        ("," if len(shape) == 1 else "") + ")"


def _assert_broadcastable(weights, losses) -> None:
    """TF1's ``weights_broadcast_ops.assert_broadcastable``, its static part: ``weights`` of
    rank 0, or of the losses' rank with each dimension 1 or the losses' (ValueError, TF's
    texts).  Dimensions unknown at build time are not checked."""
    if isinstance(weights, (int, float)):
        return
    ws, vs = weights.aval.shape, losses.aval.shape
    if ws is None or vs is None or len(ws) == 0:
        return
    prefix = "weights can not be broadcast to values."
    if len(ws) != len(vs):
        raise ValueError(f"{prefix} values.rank={len(vs)}. weights.rank={len(ws)}. "
                         f"values.shape={_shape_str(vs)}. weights.shape={_shape_str(ws)}.")
    if None in ws or None in vs:
        return
    for i, (w, v) in enumerate(zip(ws, vs)):
        if w not in (1, v):
            raise ValueError(f"{prefix} Mismatch at dim {i}. values.shape={np.array(vs)} "
                             f"weights.shape={np.array(ws)}.")


def _present(losses, w):
    """``where(w == 0, 0, 1)`` broadcast to the losses' shape (TF1's ``_num_present``)."""
    if isinstance(w, (int, float)):
        return _ops.mul(_ops.ones_like(losses), 0.0 if w == 0 else 1.0)
    p = _ops.where(_ops.equal(w, 0.0), _ops.zeros_like(w), _ops.ones_like(w))
    return _ops.broadcast_like(p, losses)


def _reduce(losses, weights, reduction):
    """TF 1.15's ``compute_weighted_loss``: the losses and weights are taken to float32, the
    weights must broadcast to the losses (``_assert_broadcastable``), the weighted sum is divided
    with ``div_no_nan`` (0 where the divisor is 0) by the broadcast weights' sum (MEAN), their
    non-zero count (SUM_BY_NONZERO_WEIGHTS) or the losses' size (SUM_OVER_BATCH_SIZE), and the
    result goes back to the losses' dtype."""
    Reduction.validate(reduction)
    _assert_broadcastable(weights, losses)
    input_dtype = losses.aval.dtype
    losses = _ops.cast(losses, _F32)
    w = weights if isinstance(weights, (int, float)) else _ops.cast(weights, _F32)
    weighted = _ops.mul(losses, float(w) if isinstance(w, (int, float)) else w)
    if reduction == Reduction.NONE:
        loss = weighted
    else:
        loss = _ops.sum(weighted)
        if reduction != Reduction.SUM:
            first = len(get_default_graph()._ops)
            if reduction == Reduction.MEAN:
                den = _ops.sum(_ops.mul(_ops.ones_like(losses), w))
            elif reduction == Reduction.SUM_OVER_BATCH_SIZE:
                den = _ops.sum(_ops.ones_like(losses))
            else:
                den = _ops.sum(_present(losses, w))
            # TF1's _safe_mean: div_no_nan(total, num_present, name="value"), so the loss of
            # tf.losses.mean_squared_error is mean_squared_error/value
            loss = rename(_div_no_nan(loss, den), "value", first)
    return loss if input_dtype == _F32 else _ops.cast(loss, input_dtype)


def _finish(loss, loss_collection):
    if loss_collection is not None:
        get_default_graph().add_to_collection(loss_collection, loss)
    return loss


def _floats(labels, predictions):
    """TF1's ``to_float`` of both operands, their static shapes compatible (TF's ValueError)."""
    labels, predictions = _args(labels, predictions, cast_data=True)
    labels, predictions = _ops.cast(labels, _F32), _ops.cast(predictions, _F32)
    _compatible(predictions, labels)
    return labels, predictions


def _compatible(a, b) -> None:
    TensorShape(a.aval.shape).assert_is_compatible_with(TensorShape(b.aval.shape))


def _none(**named) -> None:
    for k, v in named.items():
        if v is None:
            raise ValueError(f"{k} must not be None.")


def mean_squared_error(labels, predictions, weights=1.0, scope=None,
                       loss_collection="losses", reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """``(predictions - labels)^2`` in float32, weighted and reduced (``compute_weighted_loss``)."""
    _none(labels=labels, predictions=predictions)
    with get_default_graph().name_scope(scope or "mean_squared_error"):
        labels, predictions = _floats(labels, predictions)
        d = _ops.sub(predictions, labels)
        loss = _reduce(_ops.mul(d, d), _w(weights), reduction)
    return _finish(loss, loss_collection)


def absolute_difference(labels, predictions, weights=1.0, scope=None,
                        loss_collection="losses", reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """``|predictions - labels|`` in float32, weighted and reduced."""
    _none(labels=labels, predictions=predictions)
    with get_default_graph().name_scope(scope or "absolute_difference"):
        labels, predictions = _floats(labels, predictions)
        loss = _reduce(_ops.abs(_ops.sub(predictions, labels)), _w(weights), reduction)
    return _finish(loss, loss_collection)


def softmax_cross_entropy(onehot_labels, logits, weights=1.0, label_smoothing=0, scope=None,
                          loss_collection="losses",
                          reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """Softmax cross entropy of ``logits`` (N, C) against ``onehot_labels`` smoothed to
    ``labels (1 - s) + s / C`` when ``label_smoothing = s > 0``; per-example weights (N,)."""
    _none(onehot_labels=onehot_labels, logits=logits)
    onehot_labels, logits = _args(onehot_labels, logits, cast_data=True)
    with get_default_graph().name_scope(scope or "softmax_cross_entropy_loss"):
        labels = _ops.cast(onehot_labels, logits.aval.dtype)
        _compatible(logits, labels)
        if label_smoothing > 0:
            k = labels.aval.shape[-1]
            if k is None:               # the classes read at run time
                k = _ops.sum(_ops.ones_like(labels), -1, keepdims=True)
            labels = _ops.add(_ops.mul(labels, 1.0 - label_smoothing), _ops.div(label_smoothing, k) if not isinstance(k, int)
                                else label_smoothing / k)
        per = _ops.softmax_cross_entropy(logits, _ops.stop_gradient(labels))
        loss = _reduce(per, _w(weights), reduction)
    return _finish(loss, loss_collection)


def _squeeze_last(x):
    return _ops.squeeze(x, (len(x.aval.shape) - 1,))


def sparse_softmax_cross_entropy(labels, logits, weights=1.0, scope=None,
                                 loss_collection="losses",
                                 reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """Sparse softmax cross entropy; labels of the logits' rank with a last dimension of 1
    (N, 1) are squeezed to (N,), and then weights one rank above the labels too (TF1's
    ``_remove_squeezable_dimensions``)."""
    _none(labels=labels, logits=logits)
    labels, logits = _class_labels(labels, logits), to_tensor(logits)
    w = _w(weights)
    with get_default_graph().name_scope(scope or "sparse_softmax_cross_entropy_loss"):
        ls, gs = labels.aval.shape, logits.aval.shape
        if ls is not None and gs is not None:
            if len(gs) - len(ls) == 0 and ls and ls[-1] in (None, 1):
                labels = _squeeze_last(labels)
            elif len(gs) - len(ls) == 2 and gs and gs[-1] in (None, 1):
                logits = _squeeze_last(logits)
            if not isinstance(w, (int, float)) and w.aval.shape is not None and \
                    len(w.aval.shape) - len(labels.aval.shape) == 1:
                w = _squeeze_last(w)
        loss = _reduce(_ops.sparse_softmax_cross_entropy(logits, labels), w, reduction)
    return _finish(loss, loss_collection)


def sigmoid_cross_entropy(multi_class_labels, logits, weights=1.0, label_smoothing=0,
                          scope=None, loss_collection="losses",
                          reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """Sigmoid cross entropy, labels smoothed to ``labels (1 - s) + 0.5 s`` when
    ``label_smoothing = s > 0``."""
    _none(multi_class_labels=multi_class_labels, logits=logits)
    labels, logits = _args(multi_class_labels, logits, cast_data=True)
    with get_default_graph().name_scope(scope or "sigmoid_cross_entropy_loss"):
        labels = _ops.cast(labels, logits.aval.dtype)
        _compatible(logits, labels)
        if label_smoothing > 0:
            labels = _ops.add(_ops.mul(labels, 1.0 - label_smoothing), 0.5 * label_smoothing)
        per = _ops.sigmoid_cross_entropy_with_logits(logits, labels)
        loss = _reduce(per, _w(weights), reduction)
    return _finish(loss, loss_collection)


def huber_loss(labels, predictions, weights=1.0, delta=1.0, scope=None,
               loss_collection="losses", reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """``0.5 e^2`` where ``|e| <= delta``, ``delta (|e| - 0.5 delta)`` beyond; ``e = p - y``."""
    _none(labels=labels, predictions=predictions)
    with get_default_graph().name_scope(scope or "huber_loss"):
        labels, predictions = _floats(labels, predictions)
        err = _ops.abs(_ops.sub(predictions, labels))
        quad = _ops.minimum(err, float(delta))
        lin = _ops.sub(err, quad)
        per = _ops.add(_ops.mul(_ops.mul(quad, quad), 0.5), _ops.mul(lin, float(delta)))
        loss = _reduce(per, _w(weights), reduction)
    return _finish(loss, loss_collection)


def log_loss(labels, predictions, weights=1.0, epsilon=1e-7, scope=None,
             loss_collection="losses", reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """``-y log(p + eps) - (1 - y) log(1 - p + eps)``."""
    _none(labels=labels, predictions=predictions)
    with get_default_graph().name_scope(scope or "log_loss"):
        labels, predictions = _floats(labels, predictions)
        per = _ops.sub(
            _ops.neg(_ops.mul(labels, _ops.log(_ops.add(predictions, float(epsilon))))),
            _ops.mul(_ops.sub(1.0, labels),
                     _ops.log(_ops.add(_ops.sub(1.0, predictions), float(epsilon)))))
        loss = _reduce(per, _w(weights), reduction)
    return _finish(loss, loss_collection)


def hinge_loss(labels, logits, weights=1.0, scope=None, loss_collection="losses",
               reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """``max(0, 1 - (2y - 1) logits)`` for labels in {0, 1}."""
    _none(labels=labels, logits=logits)
    with get_default_graph().name_scope(scope or "hinge_loss"):
        labels, logits = _floats(labels, logits)
        signs = _ops.sub(_ops.mul(labels, 2.0), 1.0)
        per = _ops.relu(_ops.sub(1.0, _ops.mul(signs, logits)))
        loss = _reduce(per, _w(weights), reduction)
    return _finish(loss, loss_collection)


def mean_pairwise_squared_error(labels, predictions, weights=1.0, scope=None,
                                loss_collection="losses"):
    """TF 1.15's pairwise loss: per example (first axis), the mean over the pairs (i, j) of its
    elements of ``((p_i - p_j) - (y_i - y_j))^2``, counting the pairs of elements whose weight
    is non-zero: ``2 sum(d^2) / (n - 1) - 2 (sum d)^2 / (n (n - 1))`` with ``d = p - y``, each
    a ``div_no_nan``, times ``weights`` and summed (0 when no weight is non-zero)."""
    _none(labels=labels, predictions=predictions)
    with get_default_graph().name_scope(scope or "mean_pairwise_squared_error"):
        labels, predictions = _floats(labels, predictions)
        w = _w(weights)
        w = float(w) if isinstance(w, (int, float)) else _ops.cast(w, _F32)
        _assert_broadcastable(w, labels)
        diffs = _ops.sub(predictions, labels)
        axes = tuple(range(1, len(diffs.aval.shape)))

        def per_batch(x):
            return _ops.sum(x, axes, keepdims=True) if axes else x

        sum_sq = per_batch(_ops.mul(diffs, diffs))
        n = per_batch(_present(diffs, w))
        term1 = _ops.mul(_div_no_nan(sum_sq, _ops.maximum(_ops.sub(n, 1.0), 0.0)), 2.0)
        sum_diff = per_batch(diffs)
        term2 = _ops.mul(_div_no_nan(_ops.mul(sum_diff, sum_diff),
                                     _ops.maximum(_ops.mul(n, _ops.sub(n, 1.0)), 0.0)), 2.0)
        loss = _ops.sum(_ops.mul(_ops.sub(term1, term2), w))
        first = len(get_default_graph()._ops)
        loss = rename(_ops.where(_ops.greater(_ops.sum(n), 0.0), loss, _ops.zeros_like(loss)),
                      "value", first)
    return _finish(loss, loss_collection)


def compute_weighted_loss(losses, weights=1.0, scope=None, loss_collection="losses",
                          reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """``losses`` times ``weights`` (rank 0, or the losses' rank with dimensions 1 or the
    losses'), reduced by ``reduction`` (see ``_reduce``) and added to ``loss_collection``."""
    Reduction.validate(reduction)
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


def get_total_loss(add_regularization_losses=True, name="total_loss", scope=None):
    """``add_n`` of the LOSSES collection (under ``scope``) and, by default, the regularization
    losses; no loss at all is ``add_n``'s ValueError, as TF 1.15."""
    from .math_ops import add_n
    losses = get_losses(scope=scope)
    if add_regularization_losses:
        losses = losses + get_regularization_losses(scope=scope)
    return add_n(losses, name=name)
