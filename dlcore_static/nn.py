"""``tf.nn``: activations and per-example losses, wrappers of the core's ops and composites."""

from __future__ import annotations

import typing as _typing

from dlcore import ops as _ops

from . import unknown_rank as _unknown_rank
from ._convert import _args, _class_labels, _named, _scoped
from .frontend import rename

# relu, sigmoid, tanh, softmax, log_softmax, ... are generated from their definition blocks in
# dlcore (namespace "tf.nn"; see dlcore_static._api).
if _typing.TYPE_CHECKING:
    def __getattr__(name: str): ...     # the installed functions (unannotated: Any)


def _softmax_xent(op: str, sentinel, labels, logits, axis, name, label_gradients: bool):
    if sentinel is not None or labels is None or logits is None:
        raise ValueError(f"Only call `{op}` with named arguments (labels=..., logits=..., ...)")

    def f(lg, lb):
        lb = lb if label_gradients else _ops.stop_gradient(lb)
        if _unknown_rank.unknown(lb) and not _unknown_rank.unknown(lg):
            lb = _ops.reshape_like(lb, lg)      # (labels have the logits' shape)
        if _unknown_rank.unknown(lg):
            return _unknown_rank.xent_along(lg, lb, axis, _ops.softmax_cross_entropy)
        return _ops.softmax_cross_entropy(lg, lb, axis)
    return _scoped("softmax_cross_entropy_with_logits", name, f,
                   *_args(logits, labels, cast_data=True))


def softmax_cross_entropy_with_logits_v2(_sentinel=None, labels=None, logits=None, axis=-1,
                                         name=None, dim=None):
    """Per-example cross-entropy; gradients flow into ``labels`` too (the v2 behaviour)."""
    return _softmax_xent("softmax_cross_entropy_with_logits_v2", _sentinel, labels, logits,
                         axis if dim is None else dim, name, True)


def softmax_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None, dim=-1,
                                      name=None, axis=None):
    """The v1 op: no gradient flows into ``labels``."""
    return _softmax_xent("softmax_cross_entropy_with_logits", _sentinel, labels, logits,
                         dim if axis is None else axis, name, False)


def sparse_softmax_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None,
                                             name=None):
    if _sentinel is not None or labels is None or logits is None:
        raise ValueError("Only call `sparse_softmax_cross_entropy_with_logits` with named "
                         "arguments (labels=..., logits=..., ...)")
    def f(lg, lb):      # TF1's cost is scope/SparseSoftmaxCrossEntropyWithLogits (nn_ops.py)
        _sparse_xent_shapes(lb, lg)
        first = len(lg.op.graph._ops)
        if _unknown_rank.unknown(lg):
            from .unknown_rank_ops import sparse_xent
            return rename(sparse_xent(lg, lb),
                          "SparseSoftmaxCrossEntropyWithLogits", first)
        return rename(_ops.sparse_softmax_cross_entropy(lg, lb),
                      "SparseSoftmaxCrossEntropyWithLogits", first)
    return _scoped("SparseSoftmaxCrossEntropyWithLogits", name, f, logits,
                   _class_labels(labels, logits), name_last=False)


def _sparse_xent_shapes(lb, lg) -> None:
    """TF 1.15's nn_ops checks of static shapes before the op (ValueError, its texts)."""
    from .tensor_shape import TensorShape
    gs = lg.aval.shape if hasattr(lg, "aval") else None
    ls = lb.aval.shape if hasattr(lb, "aval") else None
    if gs is None or ls is None or lg.op.attrs.get("unknown_rank") or \
            lb.op.attrs.get("unknown_rank"):
        return
    if len(gs) == 0:
        raise ValueError(f"Logits cannot be scalars - received shape {TensorShape(gs)}.")
    if len(ls) != len(gs) - 1:
        raise ValueError(f"Rank mismatch: Rank of labels (received {len(ls)}) should equal "
                         f"rank of logits minus 1 (received {len(gs)}).")
    if None not in ls and None not in gs[:-1] and tuple(ls) != tuple(gs[:-1]):
        raise ValueError(f"Shape mismatch: The shape of labels (received {TensorShape(ls)}) "
                         "should equal the shape of logits except for the last dimension "
                         f"(received {TensorShape(gs)}).")


def bias_add(value, bias, data_format=None, name=None):
    """value + bias along the channel axis: the last one, or axis 1 for NC* data formats."""
    if data_format is not None and data_format.startswith("NC"):
        from .frontend import to_tensor
        rank = to_tensor(value).aval.ndim
        bias = _ops.reshape(to_tensor(bias), (-1,) + (1,) * (rank - 2))
    return _named(_ops.add, name or "BiasAdd", value, bias)


def l2_loss(t, name=None):
    return _scoped("L2Loss", name, lambda x: _ops.div(_ops.sum(_ops.mul(x, x)), 2.0), t)


def dropout(x, keep_prob=None, noise_shape=None, seed=None, name=None, rate=None):
    """Zero each element with probability ``rate`` (= 1 - keep_prob), scale the rest."""
    from .frontend import to_tensor
    from .random_ops import random_uniform_like
    if rate is None:
        if keep_prob is None:
            raise ValueError("Either keep_prob or rate must be given")
        if isinstance(keep_prob, (int, float)) and not 0 < keep_prob <= 1:
            raise ValueError("keep_prob must be a scalar tensor or a float in the range "
                             f"(0, 1], got {keep_prob}")
        rate = 1.0 - keep_prob
    elif isinstance(rate, (int, float)) and not 0 <= rate < 1:
        raise ValueError(f"rate must be a scalar tensor or a float in the range [0, 1), got "
                         f"{rate}")
    x = to_tensor(x)
    with x.graph.name_scope(name or "dropout"):
        if noise_shape is None:
            u = random_uniform_like(x, seed=seed)
        else:                            # one draw per noise_shape cell, broadcast over x
            from .random_ops import random_uniform
            u = random_uniform(_noise_shape(x, noise_shape), dtype=x.dtype, seed=seed)
        if isinstance(rate, (int, float)):
            rate = float(rate)
        else:                            # a fed keep_prob (TF1's MNIST tutorial)
            rate = _ops.cast(to_tensor(rate), x.aval.dtype)
            rate = _unknown_rank.scalar(rate)  # (a shapeless keep_prob: TF1's scalar)
        keep = _ops.cast(_ops.greater_equal(u, rate), x.aval.dtype)
        return _ops.mul(x, _ops.div(keep, _ops.sub(1.0, rate)))


def _noise_shape(x, noise_shape):
    """TF1's ``_get_noise_shape``: a tensor as given; a list's None entries take x's dims (its
    static dim, else ``tf.shape(x)[i]``)."""
    from .array_api import shape as _shape_of
    from .array_ops import stack
    from .frontend import to_tensor
    if not isinstance(noise_shape, (list, tuple)):
        if hasattr(noise_shape, "as_list"):             # a TensorShape
            noise_shape = noise_shape.as_list()
        else:
            return to_tensor(noise_shape)
    dims = list(noise_shape)
    if any(d is None for d in dims):
        if x.aval.ndim != len(dims):
            raise ValueError(f"dropout: noise_shape {list(noise_shape)} has None entries but "
                             f"not one entry per dimension of x (shape {x.shape})")
        dims = [x.aval.shape[i] if d is None else d for i, d in enumerate(dims)]
    if all(isinstance(d, int) for d in dims):
        return tuple(dims)
    return stack([_shape_of(x)[i] if d is None else d for i, d in enumerate(dims)])


def moments(x, axes, shift=None, name=None, keep_dims=None, keepdims=None):
    """``(mean, variance)`` of ``x`` over ``axes`` (TF 1.15's signature: ``shift`` is unused
    there too; ``keep_dims`` is the deprecated spelling of ``keepdims``)."""
    from .frontend import to_tensor
    if keep_dims is not None and keepdims is not None:
        raise ValueError("Cannot specify both 'keep_dims' and 'keepdims'")
    keepdims = bool(keepdims if keepdims is not None else keep_dims)
    x = to_tensor(x)
    g = x.graph
    with g.name_scope(name or "moments"):  # TF1's names: moments/mean, moments/variance,
        if _unknown_rank.unknown(x):
            from .unknown_rank_ops import moments as _moments
            return _moments(x, axes, keepdims)
        first = len(g._ops)                 # moments/Squeeze, moments/Squeeze_1 (nn_impl.py)
        m = rename(_ops.mean(x, tuple(axes), keepdims=True), "mean", first)
        d = _ops.sub(x, _ops.stop_gradient(m))
        first = len(g._ops)
        v = rename(_ops.mean(_ops.mul(d, d), tuple(axes), keepdims=True), "variance", first)
        if not keepdims:
            m = _ops.squeeze(m, tuple(axes))
            v = _ops.squeeze(v, tuple(axes))
        return m, v
