"""More ops of a tensor of unknown rank (``x = tf.placeholder(tf.float32)`` with no shape):
cumsum/cumprod, l2_normalize, moments, reverse, expand_dims, stack, gather, top_k, split,
unstack, sort/argsort along an axis, and the ops whose arguments fix the rank (tile's
multiples, pad's paddings, sparse softmax cross-entropy's labels).

As in ``unknown_rank``: an axis is applied, at run time, to the fed array viewed as
``[prod(dims before the axis), the axis, prod(dims after it)]`` and the result is reshaped to
the shape TensorFlow's kernel gives; a rank implied by the arguments is given to the input by a
reshape checked when the graph runs (``_unknown_apply._as_rank``).  Every step is a primitive
with a vjp, so gradients flow as for any graph."""

from __future__ import annotations

import numpy as np

from dlcore import ops as _ops

from .graph import Tensor
from .unknown_rank import (_INT64, _as3, _axis_int, _join, _shape_without, reduce_along,
                           reshape_to, unknown)

__all__ = ["with_rank", "scan_along", "l2_normalize", "moments", "reverse", "expand_dims",
           "stack", "gather", "top_k", "split", "unstack", "sort_along", "sparse_xent"]


def with_rank(x: Tensor, rank: int, op_type: str, index: int = 0) -> Tensor:
    """``x`` given ``rank`` when it has unknown rank (a run-time checked reshape: a feed of
    another rank is InvalidArgumentError naming ``op_type`` and the fed shape); else ``x``."""
    if not unknown(x):
        return x
    from ._unknown_apply import _as_rank
    return _as_rank(x, index, int(rank), x.op.graph, op_type)


def _shape(x: Tensor) -> Tensor:
    return _ops.cast(_ops.shape_of(x), _INT64)


def _one(s: Tensor) -> Tensor:
    """A length-1 int64 vector holding 1 (built from ``s`` so it is a graph tensor)."""
    return _ops.add(_ops.mul(s[:1], 0), 1)


def scan_along(x: Tensor, axis, fn, reverse: bool, exclusive: bool) -> Tensor:
    """``fn(v, axis, reverse, exclusive)`` (cumsum, cumprod: the shape kept) along ``axis``."""
    k = _axis_int("Cumsum", axis)
    x3, *_ = _as3(x, k)
    return _ops.reshape_like(fn(x3, 1, reverse, exclusive), x)


def sort_along(x: Tensor, axis, fn) -> Tensor:
    """``fn(v, axis)`` (sort, argsort: the shape kept) along ``axis``."""
    k = _axis_int("sort", axis)
    x3, s, *_ = _as3(x, k)
    return reshape_to(fn(x3, 1), s)


def l2_normalize(x: Tensor, axis, epsilon: float) -> Tensor:
    """``x / sqrt(max(sum(x**2, axis, keepdims), epsilon))``."""
    ss = reduce_along("l2_normalize", _ops.mul(x, x), axis, True, _ops.sum)
    return _ops.mul(x, _ops.rsqrt(_ops.maximum(ss, float(epsilon))))


def moments(x: Tensor, axes, keepdims: bool):
    """``(mean, variance)`` over ``axes`` (TF1's nn_impl: the variance of ``x - mean``, the
    mean's gradient stopped there)."""
    from .frontend import rename
    g = x.op.graph
    first = len(g._ops)
    m = rename(reduce_along("moments", x, axes, True, _ops.mean), "mean", first)
    d = _ops.sub(x, _ops.stop_gradient(m))
    first = len(g._ops)
    v = rename(reduce_along("moments", _ops.mul(d, d), axes, True, _ops.mean), "variance",
               first)
    if not keepdims:
        s = _shape(x)
        m = reshape_to(m, _kept(s, axes))
        v = reshape_to(v, _kept(s, axes))
    return m, v


def _kept(s: Tensor, axes) -> Tensor:
    """The shape vector ``s`` without the entries ``axes`` (ints of one sign)."""
    ax = sorted({_axis_int("moments", a) for a in np.ravel(np.asarray(axes, dtype=object))})
    parts = [s[:ax[0]] if ax[0] != 0 else None]
    for lo, hi in zip(ax, ax[1:]):
        parts.append(s[lo + 1:hi] if hi != lo + 1 else None)
    parts.append(s[ax[-1] + 1:] if ax[-1] != -1 else None)
    if all(p is None for p in parts):
        return s[:0]
    return _join(*parts)


def reverse(x: Tensor, axes) -> Tensor:
    """``x`` reversed along each of ``axes``."""
    y = x
    for a in axes:
        k = _axis_int("ReverseV2", a)
        y3, *_ = _as3(y, k)
        y = _ops.reshape_like(_ops.getitem(y3, (slice(None), slice(None, None, -1))), x)
    return y


def expand_dims(x: Tensor, axis) -> Tensor:
    """``x`` with a dimension of size 1 inserted at ``axis`` (a negative one counts from the
    end of the result, as TensorFlow's ExpandDims)."""
    k = _axis_int("ExpandDims", axis)
    s = _shape(x)
    j = k if k >= 0 else k + 1          # the insertion point in ``s``
    if j == 0:
        return reshape_to(x, _join(s[:0], _one(s), s) if k >= 0 else _join(s, _one(s)))
    return reshape_to(x, _join(s[:j], _one(s), s[j:]))


def stack(xs: list, axis) -> Tensor:
    """``tf.stack(xs, axis)`` where some ``x`` has unknown rank: with a known input, the
    others are given its rank; else each gains a dimension at ``axis`` and they are joined."""
    known = [x for x in xs if not unknown(x)]
    if known:
        r = known[0].aval.ndim
        return _ops.stack([with_rank(x, r, "Pack", i) for i, x in enumerate(xs)], int(axis))
    from .unknown_rank import concat_along
    k = _axis_int("Pack", axis)
    return concat_along([expand_dims(x, k) for x in xs], k)


def gather(p: Tensor, i: Tensor, axis, checked) -> Tensor:
    """``tf.gather(p, i, axis=axis)`` for ``p`` of unknown rank: ``checked(i, p3, 1)`` gives the
    indices checked as TensorFlow's kernel checks them."""
    from dlcore.ops import sequence as _seq
    k = _axis_int("GatherV2", axis)
    p3, s, head, _, tail = _as3(p, k)
    y = _seq.gather(p3, checked(i, p3, 1), 1)
    return reshape_to(y, _join(head, _shape(i), tail))


def top_k(x: Tensor, k: int, sorted: bool, fn):  # noqa: A002 - TF's name
    """``fn(x2, k, sorted)`` (``tf.nn.top_k`` on a matrix) on ``x``'s rows (its last
    dimension), the values and indices reshaped to ``x``'s leading dimensions + ``[k]``."""
    s = _shape(x)
    x2 = _ops.reshape_dynamic(x, [-1, s[-1]])
    values, indices = fn(x2, k, sorted)
    out = _join(s[:-1], _ops.mul(_one(s), int(k)))
    return reshape_to(values, out), reshape_to(indices, out)


def split(x: Tensor, num_or_sizes, axis) -> list:
    """``tf.split(x, num_or_sizes, axis)``: ``num`` equal pieces (the fed size must divide:
    the run-time reshape checks) or pieces of the given sizes (their sum must be the fed
    size: checked when the graph runs)."""
    k = _axis_int("Split", axis)
    x3, s, head, mid, tail = _as3(x, k)
    if isinstance(num_or_sizes, (int, np.integer)):
        n = int(num_or_sizes)
        if n <= 0:
            raise ValueError(f"Split: the number of pieces must be positive, got {n}")
        x4 = _ops.reshape_dynamic(x3, [_shape(x3)[0], n, -1, _shape(x3)[2]])
        pieces = [_ops.getitem(x4, (slice(None), j)) for j in range(n)]
    else:
        sizes = [int(v) for v in num_or_sizes]
        if any(v < 0 for v in sizes):
            raise ValueError(f"Split: the sizes {sizes} of a tensor of unknown rank must be "
                             "non-negative (-1 is not supported here)")
        from .debug_ops import Assert
        check = Assert(_ops.equal(mid, int(sum(sizes))), [
            f"Split: the sizes {sizes} must add up to the size of dimension {k}, which was",
            mid])
        with x.op.graph.control_dependencies([check]):
            x3 = _ops.identity(x3)
        pieces, start = [], 0
        for v in sizes:
            pieces.append(_ops.getitem(x3, (slice(None), slice(start, start + v))))
            start += v
    return [reshape_to(p, _join(head, _shape(p)[1:2], tail)) for p in pieces]


def unstack(x: Tensor, num: int, axis) -> list:
    """The ``num`` slices of ``x`` along ``axis`` (the fed size must be ``num``: the run-time
    reshape to ``[pre, num, post]`` checks it)."""
    k = _axis_int("Unpack", axis)
    x3, s, *_ = _as3(x, k)
    sh = _shape(x3)
    x3 = _ops.reshape_dynamic(x3, [sh[0], int(num), sh[2]])
    out = _shape_without(s, k)
    return [reshape_to(_ops.getitem(x3, (slice(None), j)), out) for j in range(int(num))]


def sparse_xent(logits: Tensor, labels: Tensor) -> Tensor:
    """Sparse softmax cross-entropy with ``logits`` of unknown rank (labels of known rank r
    give logits rank r + 1, checked when the graph runs): on the logits' rows,
    ``logsumexp(row) - row[label]``, the loss reshaped to the logits' leading dimensions.  A
    label outside ``[0, classes)`` is TensorFlow's run-time InvalidArgumentError."""
    from dlcore.ops import sequence as _seq

    from .debug_ops import Assert
    if not unknown(labels):
        logits = with_rank(logits, labels.aval.ndim + 1, "SparseSoftmaxCrossEntropyWithLogits")
    s = _shape(logits)
    lg2 = _ops.reshape_dynamic(logits, [-1, s[-1]])
    lb1 = _ops.cast(_ops.reshape(labels, (-1,)), _INT64)
    s2 = _shape(lg2)
    m, c = s2[0], s2[1]
    ok = _ops.reduce_all(_ops.logical_and(_ops.greater_equal(lb1, 0), _ops.less(lb1, c)))
    check = Assert(ok, ["SparseSoftmaxCrossEntropyWithLogits: a label is outside the valid "
                        "range [0, classes); labels", lb1, "classes", c])
    with logits.op.graph.control_dependencies([check]):
        rows = _ops.arange(_ops.mul(m, 0), _ops.mul(m, c), c, _INT64)
    picked = _seq.gather(_ops.reshape(lg2, (-1,)), _ops.add(rows, lb1), 0)
    loss = _ops.sub(_ops.logsumexp(lg2, 1), picked)
    return reshape_to(loss, s[:-1])


def squeeze(x: Tensor, axis) -> Tensor:
    """``tf.squeeze(x, axis)``: the given dimensions (each must be fed with size 1: checked
    when the graph runs) removed; without ``axis``, every dimension of size 1 (the result's
    rank is then known only at run time)."""
    s = _shape(x)
    if axis is None:
        keep = _ops.getitem(_ops.nonzero(_ops.not_equal(s, 1)), (slice(None), 0))
        return reshape_to(x, _ops.take(s, keep))
    axes = [_axis_int("Squeeze", a) for a in np.ravel(np.asarray(axis, dtype=object))]
    if not axes:
        return reshape_to(x, s)
    if min(axes) < 0 <= max(axes):
        raise ValueError(f"Squeeze: axes {axes} of a tensor of unknown rank mix negative and "
                         "non-negative values (give the placeholder a shape)")
    from .debug_ops import Assert
    dims = _join(*[_ops.expand_dims(_ops.getitem(s, k), 0) for k in axes])
    check = Assert(_ops.reduce_all(_ops.equal(dims, 1)), [
        f"Squeeze: can not squeeze dimensions {axes} that are not 1; the input was fed with "
        "shape", s])
    with x.op.graph.control_dependencies([check]):
        return reshape_to(x, _kept(s, axes))


def norm_along(x: Tensor, axis, keepdims: bool, fn) -> Tensor:
    """A vector norm ``fn(v, axis, keepdims)`` over ``axis`` (an int or one-entry list)."""
    return reduce_along("norm", x, axis, keepdims, fn)


def variance(x: Tensor, axis, keepdims: bool) -> Tensor:
    """The biased variance over ``axis`` (``reduce_variance``)."""
    m = reduce_along("reduce_variance", x, axis, True, _ops.mean)
    d = _ops.sub(x, m)
    return reduce_along("reduce_variance", _ops.mul(d, d), axis, keepdims, _ops.mean)


def sum_squares(x: Tensor, axis, keepdims: bool) -> Tensor:
    """``reduce_sum(x * x, axis, keepdims)``."""
    return reduce_along("reduce_sum", _ops.mul(x, x), axis, keepdims, _ops.sum)


def one_hot_at(indices: Tensor, depth: int | Tensor, axis: int, fn) -> Tensor:
    """``fn(i)`` (a one-hot of depth ``depth`` on a new last axis) with the new axis at
    ``axis`` >= 0 of the result, for ``indices`` of unknown rank (``axis`` must not exceed the
    fed rank: checked when the graph runs)."""
    from .debug_ops import Assert
    s = _shape(indices)
    rank = _ops.getitem(_shape(s), 0)
    check = Assert(_ops.greater_equal(rank, int(axis)), [
        f"one_hot: Expected axis to be -1 or between [0, rank + 1), but received {axis}; "
        "the indices were fed with shape", s])
    with indices.op.graph.control_dependencies([check]):
        head = _ops.prod(s[:axis]) if axis else 1
    i2 = _ops.reshape_dynamic(indices, [head, -1])
    y = _ops.transpose(fn(i2), (0, 2, 1))
    d = _ops.mul(_one(s), _ops.cast(depth, s.aval.dtype) if isinstance(depth, Tensor)
                 else int(depth))
    return reshape_to(y, _join(s[:axis] if axis else None, d, s[axis:]))


def boolean_mask(x: Tensor, mask: Tensor) -> Tensor:
    """``tf.boolean_mask(x, mask)`` (axis 0) for ``x`` of unknown rank and a mask of known
    rank k: ``x``'s first k dimensions flattened (they must be the mask's: checked when the
    graph runs) and the rows where the mask is true taken."""
    from .debug_ops import Assert
    k = mask.aval.ndim
    s = _shape(x)
    ms = _shape(mask)
    check = Assert(_ops.reduce_all(_ops.equal(s[:k], ms)), [
        "boolean_mask: the leading dimensions of the tensor, fed with shape", s,
        "must be the mask's shape", ms])
    with x.op.graph.control_dependencies([check]):
        flat = reshape_to(x, _join(_ops.mul(_one(s), -1), s[k:]))
    idx = _ops.getitem(_ops.nonzero(_ops.reshape(mask, (-1,))), (slice(None), 0))
    out = _ops.take(flat, idx)
    out.op.attrs["unknown_rank"] = True
    return out


def roll(x: Tensor, shifts: list, axes: list) -> Tensor:
    """``tf.roll`` along each of ``axes`` (ints) by the matching shift."""
    y = x
    for sh, a in zip(shifts, axes):
        k = _axis_int("Roll", a)
        y3, s, head, mid, tail = _as3(y, k)
        r = _ops.remainder(_ops.add(_ops.remainder(
            _ops.sub(_ops.arange(_ops.mul(mid, 0), mid, _ops.add(_ops.mul(mid, 0), 1), _INT64),
                     int(sh)), mid), mid), mid)
        from dlcore.ops import sequence as _seq
        y = _ops.reshape_like(_seq.gather(y3, r, 1), x)
    return y


def last_two(x: Tensor, op: str, fn, out_tail) -> Tensor:
    """``fn(x3)`` on ``x`` viewed as a stack of matrices ``[-1, rows, cols]`` (its rank must be
    at least 2: checked when the graph runs); ``out_tail(y)`` gives the result's dimensions
    after the leading ones."""
    from ._unknown_apply import _TRIED_RANKS, _rank_check
    check = _rank_check(x, 0, [r for r in _TRIED_RANKS if r >= 2], op, op)
    with x.op.graph.control_dependencies([check]):
        s = _shape(x)
    x3 = _ops.reshape_dynamic(x, [-1, s[-2], s[-1]])
    y = fn(x3)
    return reshape_to(y, _join(s[:-2], out_tail(y)))


def matrix_transpose(x: Tensor) -> Tensor:
    return last_two(x, "matrix_transpose", lambda v: _ops.transpose(v, (0, 2, 1)),
                    lambda y: _shape(y)[1:])


def trace(x: Tensor) -> Tensor:
    """The sum of each innermost matrix's main diagonal."""
    def f(v):
        return _ops.sum(_diag3(v), 1, keepdims=True)
    return last_two(x, "Trace", f, lambda y: _shape(y)[:0])


def einsum_operands(equation: str, xs: list) -> list:
    """The operands of ``einsum(equation, *xs)`` of unknown rank given the rank of their
    subscripts (an ellipsis leaves the rank open: refused)."""
    subs = equation.replace(" ", "").split("->")[0].split(",")
    out = []
    for i, (x, sub) in enumerate(zip(xs, subs)):
        if unknown(x):
            if "." in sub:
                raise ValueError(f"einsum: operand {i} has unknown rank and its subscripts "
                                 f"'{sub}' hold an ellipsis (give the placeholder a shape)")
            x = with_rank(x, len(sub), "Einsum", i)
        out.append(x)
    return out


def _diag3(v: Tensor) -> Tensor:
    """The main diagonals of the matrices of ``v`` (``[m, rows, cols]``, sizes known at run
    time): entries ``i * (cols + 1)`` of each flattened matrix, ``i < min(rows, cols)``."""
    from dlcore.ops import sequence as _seq
    sv = _shape(v)
    r, c = sv[1], sv[2]
    zero = _ops.mul(r, 0)
    idx = _ops.mul(_ops.arange(zero, _ops.minimum(r, c), _ops.add(zero, 1), _INT64),
                   _ops.add(c, 1))
    return _seq.gather(_ops.reshape_dynamic(v, [sv[0], _ops.mul(r, c)]), idx, 1)


def diag_part(x: Tensor) -> Tensor:
    """The main diagonal of each innermost matrix (``tf.linalg.diag_part``)."""
    return last_two(x, "MatrixDiagPart", _diag3, lambda y: _shape(y)[1:])


def refuse(op: str, x: Tensor, why: str = "") -> None:
    """A build-time ValueError for an op that needs ``x``'s rank when the graph is built."""
    if unknown(x):
        raise ValueError(f"{op}: the input {x.name} has unknown rank{why}; give the placeholder "
                         "a shape")


def _sum_over(x: Tensor, axes, keepdims: bool) -> Tensor:
    return reduce_along("reduce_sum", x, axes, keepdims, _ops.sum)


def sufficient_statistics(x: Tensor, axes, shift, keepdims: bool):
    """``(count, sum(x - shift), sum((x - shift)^2), shift)`` over ``axes``; the count is the
    product of the fed sizes of ``axes`` (read when the graph runs)."""
    s = _shape(x)
    sizes = _join(*[_ops.expand_dims(_ops.getitem(s, _axis_int("sufficient_statistics", a)),
                                     0) for a in axes])
    count = _ops.cast(_ops.prod(sizes), x.aval.dtype)
    d = x if shift is None else _ops.sub(x, shift)
    return count, _sum_over(d, axes, keepdims), _sum_over(_ops.mul(d, d), axes, keepdims), shift


def weighted_moments(x: Tensor, w: Tensor, axes, keepdims: bool):
    """``(mean, variance)`` of ``x`` over ``axes`` weighted by ``w`` (broadcast to ``x``)."""
    # w broadcast to x's fed shape: + zeros read from x (not zeros_like(x): the graph passes
    # fold that of a tensor of unknown rank to a scalar 0, and 2.0 + 0 -> 2.0; see requests.md)
    zeros = _ops.cast(_ops.mul(_ops.cast(_ops.equal(x, x), np.int32), 0), x.aval.dtype)
    wsum = _sum_over(_ops.add(w, zeros), axes, True)
    mean = _ops.div(_sum_over(_ops.mul(w, x), axes, True), wsum)
    d = _ops.sub(x, mean)
    var = _ops.div(_sum_over(_ops.mul(w, _ops.mul(d, d)), axes, True), wsum)
    if not keepdims:
        s = _shape(x)
        mean, var = reshape_to(mean, _kept(s, axes)), reshape_to(var, _kept(s, axes))
    return mean, var
