"""Ops along an axis of a tensor of unknown rank (``x = tf.placeholder(tf.float32)`` with no
shape, then ``tf.reduce_sum(x, 1)``, ``tf.nn.softmax(x)``, ``tf.argmax(x, 1)``,
``tf.concat([x, y], 1)``, ``tf.reshape(y, tf.shape(x))``).

TensorFlow's shape functions see such an input as an unknown shape and its kernels take the
axis as given, a negative one counted from the end of the fed array.  dlcore's primitives take
axes normalised when the graph is built, so here the input is viewed, at run time, as three
dimensions (the product of those before the axis, the axis, the product of those after it),
the op runs along the middle one, and the result is reshaped to the shape TensorFlow's kernel
gives: every step is a primitive with a vjp, so gradients flow as for any graph.  An axis out of
range for the fed array is the run-time InvalidArgumentError of the ``strided_slice`` that reads
its size."""

from __future__ import annotations

import numpy as np

from dlcore import ops as _ops
from dlcore.ops.shape import reshape_dynamic_p as _reshape_dynamic_p
from dlcore.registry import bind as _bind

from .graph import Tensor

_INT64 = np.dtype(np.int64)


def unknown(t) -> bool:
    """True for a graph tensor of unknown rank (its aval is a 0-d stand-in)."""
    return type(t) is Tensor and not t.aval.shape and bool(t.op.attrs.get("unknown_rank"))


def _axis_int(op: str, axis) -> int:
    if isinstance(axis, Tensor):
        raise ValueError(f"{op}: the axis of a tensor of unknown rank must be a Python int "
                         "(an axis tensor is not supported here; give the placeholder a shape)")
    a = np.asarray(axis)
    if a.ndim != 0 or a.dtype.kind not in "iu":
        raise TypeError(f"{op}: the axis must be an int, got {axis!r}")
    return int(a)


def _parts(s: Tensor, k: int):
    """The dims of a shape vector ``s`` before axis ``k``, at it, and after it (slices)."""
    head = s[:k] if k != 0 else None
    tail = s[k + 1:] if k != -1 else None
    return head, _ops.getitem(s, k), tail


def _as3(x: Tensor, k: int):
    """``x`` (unknown rank) as ``[prod(dims before k), dim k, prod(dims after k)]``, with its
    shape vector and the slices around ``k``."""
    s = _ops.cast(_ops.shape_of(x), _INT64)
    head, mid, tail = _parts(s, k)
    pre = _ops.prod(head) if head is not None else 1
    post = _ops.prod(tail) if tail is not None else 1
    return _ops.reshape_dynamic(x, [pre, mid, post]), s, head, mid, tail


def reshape_to(x: Tensor, s: Tensor) -> Tensor:
    """``x`` reshaped to the run-time shape vector ``s`` (int64); of unknown rank when the
    length of ``s`` is unknown when the graph is built."""
    n = s.aval.shape[0] if s.aval.ndim == 1 else None
    if n is not None:
        return _bind(_reshape_dynamic_p, x, s, known=(None,) * n)
    out = _bind(_reshape_dynamic_p, x, s, known=())
    out.op.attrs["unknown_rank"] = True
    return out


def _join(*parts) -> Tensor:
    return _ops.concatenate([p for p in parts if p is not None], 0)


def reduce_along(op: str, x: Tensor, axis, keepdims: bool, fn) -> Tensor:
    """``fn(v, axis, keepdims)`` (a reduction) over ``axis`` (an int or a list of ints of one
    sign) of ``x`` of unknown rank."""
    axes = sorted({_axis_int(op, a) for a in np.ravel(np.asarray(axis, dtype=object))})
    if not axes:
        return _ops.identity(x)
    if min(axes) < 0 <= max(axes):
        raise ValueError(f"{op}: axes {axes} of a tensor of unknown rank mix negative and "
                         "non-negative values (give the placeholder a shape)")
    s = _ops.cast(_ops.shape_of(x), _INT64)
    y = x
    for k in axes:                      # each keeps the rank, so the others stay where they are
        y3, *_ = _as3(y, k)
        y = reshape_to(fn(y3, 1, True), _keep_one(_ops.cast(_ops.shape_of(y), _INT64), k))
    if keepdims:
        return y
    kept = [s[:axes[0]] if axes[0] != 0 else None]     # the dims of s not reduced, in order
    for lo, hi in zip(axes, axes[1:]):
        kept.append(s[lo + 1:hi] if hi != lo + 1 else None)
    kept.append(s[axes[-1] + 1:] if axes[-1] != -1 else None)
    if all(p is None for p in kept):
        return reshape_to(y, s[:0])
    return reshape_to(y, _join(*kept))


def _keep_one(s: Tensor, k: int) -> Tensor:
    """The shape vector ``s`` with its entry ``k`` set to 1."""
    head, _, tail = _parts(s, k)
    return _join(head, _ops.add(_ops.mul(s[:1], 0), 1), tail)


def softmax_along(x: Tensor, axis, fn) -> Tensor:
    """``fn(v, axis)`` (softmax, log_softmax: the shape kept) along ``axis`` of ``x``."""
    k = _axis_int("softmax", axis)
    x3, *_ = _as3(x, k)
    return _ops.reshape_like(fn(x3, 1), x)


def xent_along(logits: Tensor, labels: Tensor, axis, fn) -> Tensor:
    """``fn(logits3, labels3, 1)`` (a cross-entropy over ``axis``, which it removes)."""
    k = _axis_int("softmax_cross_entropy_with_logits", axis)
    lg3, s, head, mid, tail = _as3(logits, k)
    lb3 = _ops.reshape_like(labels, lg3)   # (labels are logits' shape: the kernel checks)
    return reshape_to(fn(lg3, lb3, 1), _shape_without(s, k))


def _shape_without(s: Tensor, k: int) -> Tensor:
    head, _, tail = _parts(s, k)
    if head is None and tail is None:
        return s[:0]
    return _join(head, tail)


def argmax_along(x: Tensor, axis) -> Tensor:
    """``argmax`` along ``axis`` of ``x`` (int64)."""
    k = _axis_int("ArgMax", axis)
    x3, s, *_ = _as3(x, k)
    return reshape_to(_ops.argmax(x3, 1), _shape_without(s, k))


def concat_along(xs: list, axis) -> Tensor:
    """``concat(xs, axis)`` where every ``x`` has unknown rank."""
    k = _axis_int("ConcatV2", axis)
    parts = [_as3(x, k) for x in xs]
    y3 = _ops.concatenate([p[0] for p in parts], 1)
    head, tail = parts[0][2], parts[0][4]
    total = _ops.expand_dims(_ops.cast(_ops.shape_of(y3), _INT64)[1], 0)
    return reshape_to(y3, _join(head, total, tail))


def shape_target(shape):
    """A reshape target read at run time whose length is unknown when the graph is built (the
    shape of a tensor of unknown rank, a slice of one), as an int64 vector; else None."""
    if not isinstance(shape, Tensor) or shape.aval.ndim != 1 or shape.op.type == "Const":
        return None
    if getattr(shape.op.prim, "name", None) == "shape_of":
        if not unknown(shape.op.inputs[0]):
            return None
    elif shape.aval.shape[0] is not None:
        return None
    return _ops.cast(shape, _INT64)


def getitem(t: Tensor, items: tuple) -> Tensor:
    """``t[items]`` (ints, slices, None) for ``t`` of unknown rank: the index covers its first
    dimensions and leaves the rest as they are (TensorFlow's strided slice)."""
    from dlcore.ops.indexing import canonical_index, getitem_p
    if any(i is Ellipsis for i in items):      # (x[..., 0]: completed for the fed rank)
        from dlcore.ops.rank_free import canonical_with_ellipsis, getitem_ellipsis_p
        return _bind(getitem_ellipsis_p, t, idx=canonical_with_ellipsis(tuple(items)))
    consumed = sum(1 for i in items if i is not None)
    return _bind(getitem_p, t, idx=canonical_index(items, consumed))


def transpose(x: Tensor, perm) -> Tensor:
    """``tf.transpose(x, perm)`` for ``x`` of unknown rank: ``perm`` gives the rank (its
    negative entries count from its end); the fed rank is checked when the graph runs.
    Without ``perm``: all axes reversed, whatever the fed rank (``reverse_axes``)."""
    from dlcore.ops.shape import transpose_p
    if perm is None:
        from dlcore.ops.rank_free import reverse_axes_p
        return _bind(reverse_axes_p, x)
    if isinstance(perm, Tensor):
        raise ValueError("transpose: a perm tensor for a tensor of unknown rank is not supported")
    p = [int(i) for i in perm]
    n = len(p)
    if sorted(i % n if -n <= i < n else i for i in p) != list(range(n)):
        raise ValueError(f"transpose: perm {p} is not a permutation of 0..{n - 1}")
    return _bind(transpose_p, x, perm=tuple(i % n for i in p))


def matmul(a: Tensor, b: Tensor, transpose_b: bool) -> Tensor:
    """``a @ b`` (``b`` a matrix; ``a`` of unknown rank, at least 2 when fed: TF's
    BatchMatMulV2, whose output has unknown rank): ``a``'s rows as a 2-D array through
    the matmul primitive, reshaped back to ``a``'s leading dimensions."""
    from dlcore.ops.linalg import matmul_p

    from ._unknown_apply import _TRIED_RANKS, _rank_check
    graph = a.op.graph
    name = graph.unique_name("MatMul", mark_as_used=False)
    check = _rank_check(a, 0, [r for r in _TRIED_RANKS if r >= 2], name, "MatMul")
    with graph.control_dependencies([check]):
        s = _ops.cast(_ops.shape_of(a), _INT64)
    a2 = _ops.reshape_dynamic(a, [-1, s[-1]])     # (the product checks the inner sizes)
    y2 = _bind(matmul_p, a2, b, transpose_a=False, transpose_b=transpose_b)
    m = _ops.cast(_ops.shape_of(y2), _INT64)[1:]
    return reshape_to(y2, _join(s[:-1], m))


def scalar(t):
    """``t`` as a 0-d tensor when it has unknown rank (a shapeless keep_prob or learning-rate
    placeholder that TF1 requires to be a scalar; the reshape checks it holds one element when
    the graph runs); else ``t``."""
    if not unknown(t):
        return t
    from dlcore.ops.shape import reshape_p
    return _bind(reshape_p, t, shape=())
