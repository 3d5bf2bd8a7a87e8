"""CPU shape kernels: views where NumPy can make one (zero-copy), copies otherwise."""

from __future__ import annotations

import numpy as np


def transpose(x, *, perm):
    # (the method: np.transpose's dispatch wrapper costs as much again)
    return x.transpose(perm) if type(x) is np.ndarray else np.transpose(x, perm)


def reshape(x, *, shape):
    # (the method for an ndarray: np.reshape's dispatch wrapper costs ~2 us more per call)
    return x.reshape(shape) if type(x) is _ndarray else np.reshape(x, shape)


def reshape_like(x, ref):
    return x.reshape(ref.shape) if type(x) is _ndarray else np.reshape(x, ref.shape)


def check_dynamic_shape(size: int, shape, known) -> tuple:
    """The run-time target of ``reshape_dynamic`` as a tuple, checked against the element
    count and the dimensions known when the graph was built."""
    from ...errors import ShapeError
    target = tuple(int(d) for d in shape)
    free = [d for d in target if d != -1]
    ok = target.count(-1) <= 1 and all(d >= 0 for d in free)
    if ok:
        n = int(np.prod(free, dtype=np.int64))
        if -1 in target:
            ok = n > 0 and size % n == 0
            target = tuple(size // n if d == -1 else d for d in target) if ok else target
        else:
            ok = n == size
    if ok:
        ok = all(k is None or k == d for k, d in zip(known, target))
    if not ok:
        declared = ["?" if k is None else k for k in known]
        raise ShapeError("reshape_dynamic", f"cannot reshape a tensor with {size} elements to "
                         f"shape {list(target)} (declared {declared})", [])
    return target


def reshape_dynamic(x, shape, *, known):
    return np.reshape(x, check_dynamic_shape(x.size, shape, known))


_ndarray = np.ndarray


#: (x's shape, x's strides, the target shape) -> the view's strides, or None where NumPy
#: decides (a shape that does not broadcast); bounded
_STRIDES: dict = {}


def _view_strides(xs: tuple, xst: tuple, shape: tuple):
    nd, xn = len(shape), len(xs)
    if nd < xn:
        return None
    strides = [0] * (nd - xn)
    for d, t, st in zip(xs, shape[nd - xn:], xst):
        if d == 1:
            strides.append(st if t == 1 else 0)   # (a kept 1 keeps its step, as PyTorch's
        elif d == t:                                # expand)
            strides.append(st)
        else:
            return None
    return tuple(strides)


def _broadcast(x, shape):
    """``np.broadcast_to(x, shape)`` (a read-only zero-copy view), made by the ndarray
    constructor for a C-contiguous non-empty ``x``, its strides looked up per layout
    (``_STRIDES``): 0.7-1 us against NumPy's 4-7 (its nditer set-up; 2.3 with the strides
    worked out per call and ``flags.writeable``'s flags object), paid by every vjp of a sum or
    a bias add and every ``expand``.  Anything else, and every shape that does not broadcast
    (NumPy's error), goes to NumPy."""
    if type(x) is _ndarray and x.flags.c_contiguous and x.size:
        key = (x.shape, x.strides, shape)
        strides = _STRIDES.get(key, False)
        if strides is False:
            if len(_STRIDES) > 4096:
                _STRIDES.clear()
            strides = _STRIDES[key] = _view_strides(key[0], key[1], shape)
        if strides is not None:
            y = _ndarray(shape, x.dtype, x, 0, strides)
            y.setflags(write=False)
            return y
    return np.broadcast_to(x, shape)


def broadcast_to(x, *, shape):
    return _broadcast(x, tuple(shape))


def broadcast_like(x, ref):
    return _broadcast(x, ref.shape)


def expand_dims(x, *, axes):
    """New axes of size 1 at ``axes`` (sorted, numbered in the output): ``x.reshape``, always a
    view (0.5 us; ``np.expand_dims`` does the same after 5 us of argument checks)."""
    if type(x) is _ndarray:
        shape = list(x.shape)
        last = -1
        for a in axes:
            if a <= last or a > len(shape):
                return np.expand_dims(x, axes)
            shape.insert(a, 1)
            last = a
        return x.reshape(shape)
    return np.expand_dims(x, axes)


def squeeze(x, *, axes):
    return x.squeeze(axes) if type(x) is _ndarray else np.squeeze(x, axes)


def concatenate(*xs, axis):
    return np.concatenate(xs, axis=axis)


def _transpose_small(shape, dtype, *, perm):
    """The eager lane's plan (``dlcore_eager._lane.small_unary``) of ``transpose``,
    ``squeeze`` and ``expand_dims``: the ndarray method and its argument worked out once
    (a pair: the lane calls ``method(x, arg)``, no Python frame between)."""
    return _ndarray.transpose, perm


def _squeeze_small(shape, dtype, *, axes):
    return _ndarray.squeeze, axes


def _expand_dims_small(shape, dtype, *, axes):
    new = list(shape)
    last = -1
    for a in axes:
        if a <= last or a > len(new):
            return None                     # (the kernel's np.expand_dims case)
        new.insert(a, 1)
        last = a
    return _ndarray.reshape, tuple(new)


def _reshape_small(in_shape, dtype, /, *, shape):
    """The eager lane's plan of ``reshape`` (``view``/``reshape`` of an ndarray): the
    method and the target."""
    return _ndarray.reshape, shape


reshape.small = _reshape_small  # type: ignore[attr-defined]
transpose.small = _transpose_small  # type: ignore[attr-defined]
squeeze.small = _squeeze_small  # type: ignore[attr-defined]
expand_dims.small = _expand_dims_small  # type: ignore[attr-defined]


def _two_blocks(shape: tuple, dtype, i0, i1):
    """``run2(a, b)``: a fresh C-ordered ``shape`` array with ``a`` written at index ``i0`` and
    ``b`` at ``i1`` (the small forms of concatenate and stack for two blocks)."""
    empty = np.empty

    def run2(a, b):
        o = empty(shape, dtype)
        o[i0] = a
        o[i1] = b
        return o
    return run2


def _concatenate_small(shapes, dtypes, *, axis):
    """The eager lane's plan (``dlcore_eager._lane.small_many``): NumPy's concatenate
    with the axis bound; two blocks of one dtype and rank, equal but along ``axis``, written
    into a fresh C-ordered array instead (as PyTorch's cat of them is contiguous): along
    axis 0 0.60 -> 0.50 us two 4x8 blocks (0.45 us where each block is one row, ``o[i] =
    x``), along axis 1 0.71 -> 0.64 us two 1x32 blocks (a tree network's children), 1.01 ->
    0.91 us 16x64 and 16x32."""
    if type(shapes) is tuple:           # (one tensor through the one-tensor lane)
        return None
    cat = np.concatenate
    s0, s1 = tuple(shapes[0]), tuple(shapes[1]) if len(shapes) == 2 else ()
    if len(shapes) == 2 and dtypes[0] == dtypes[1] and len(s0) == len(s1) > axis and \
            s0[:axis] == s1[:axis] and s0[axis + 1:] == s1[axis + 1:]:
        n0, n1 = s0[axis], s1[axis]
        out, dtype = s0[:axis] + (n0 + n1,) + s0[axis + 1:], dtypes[0]
        lead = (slice(None),) * axis
        i0, i1 = ((0, 1) if axis == 0 and n0 == n1 == 1 and len(s0) >= 2 else
                  (lead + (slice(0, n0),), lead + (slice(n0, n0 + n1),)))
        return _two_blocks(out, dtype, i0, i1)

    def run(*xs):
        return cat(xs, axis=axis)
    return run


concatenate.small = _concatenate_small  # type: ignore[attr-defined]


def stack(*xs, axis):
    """y = the xs joined along a new axis ``axis``: y[..., i, ...] = xs[i] (one copy each)."""
    x0 = xs[0]
    out = np.empty(x0.shape[:axis] + (len(xs),) + x0.shape[axis:], x0.dtype)
    lead = (slice(None),) * axis
    for i, x in enumerate(xs):
        out[lead + (i,)] = x
    return out


def _stack_small(shapes, dtypes, *, axis):
    """The eager lane's plan (``dlcore_eager._lane_joins``): the output allocated and each
    block written at its index, the indices worked out once (two 1x32 blocks along axis 0:
    about 0.45 us, ``np.stack`` 2.3 us).  None (the kernel itself) for one tensor (the
    one-tensor lane's call: a shape and a dtype) and for mixed dtypes."""
    if type(shapes) is tuple or any(d != dtypes[0] for d in dtypes):
        return None
    shape = tuple(shapes[0])
    full = shape[:axis] + (len(shapes),) + shape[axis:]
    dtype, empty = dtypes[0], np.empty
    if len(shapes) == 2:
        i0, i1 = ((0, 1) if axis == 0 else
                  tuple((slice(None),) * axis + (i,) for i in range(2)))
        return _two_blocks(full, dtype, i0, i1)
    idx = [(slice(None),) * axis + (i,) for i in range(len(shapes))]

    def run(*xs):
        o = empty(full, dtype)
        for i, x in zip(idx, xs):
            o[i] = x
        return o
    return run


stack.small = _stack_small  # type: ignore[attr-defined]


def concat_part(g, *xs, axis, index):
    """y = g[..., start:start + n, ...] along axis: start = the sizes of xs[:index], n =
    the size of xs[index] (a view)."""
    start = sum(int(x.shape[axis]) for x in xs[:index])
    n = int(xs[index].shape[axis])
    return g[(slice(None),) * axis + (slice(start, start + n),) + (Ellipsis,)]


def pad_constant(x, *, pairs, value):
    """``x`` with ``pairs[d] = (lo, hi)`` elements of ``value`` before and after it along each
    axis ``d``: a new array filled with ``value``, ``x`` copied into its middle (PyTorch's
    constant_pad_nd).  Measured against the alternatives (8x16x16x16 float32 padded by one on
    the last two axes, one thread): 17 us, against 21 for a fill of the border slabs only and
    18-40 for Numba loops over the output's rows (rows of 16: the per-row cost dominates)."""
    shape = tuple(int(n) + lo + hi for n, (lo, hi) in zip(x.shape, pairs))
    out = np.empty(shape, x.dtype)
    if out.size:
        out.fill(value)
        out[tuple(slice(lo, lo + int(n)) for n, (lo, _) in zip(x.shape, pairs))] = x
    return out


#: the keep-masks of ``tri``, by (rows, columns, k, lower): NumPy's tril/triu build theirs
#: from two aranges and an outer comparison on every call (64x128 float32, one thread:
#: 20 -> 5 us a call).  Bounded: a mask of more than _TRI_MASK_MAX elements is not kept.
_TRI_MASKS: dict = {}
_TRI_MASK_MAX = 1 << 20


def _tri_mask(n: int, m: int, k: int, lower: bool) -> np.ndarray:
    key = (n, m, k, lower)
    mask = _TRI_MASKS.get(key)
    if mask is None:
        mask = np.tri(n, m, k, dtype=bool) if lower else ~np.tri(n, m, k - 1, dtype=bool)
        if n * m <= _TRI_MASK_MAX:
            if len(_TRI_MASKS) >= 64:
                _TRI_MASKS.clear()
            _TRI_MASKS[key] = mask
    return mask


def tri(x, *, k, lower):
    """NumPy's triangle of x's last two axes: zeros outside it (NaN and inf too)."""
    if x.ndim < 2:
        return np.tril(x, k) if lower else np.triu(x, k)     # (NumPy's error)
    return np.where(_tri_mask(x.shape[-2], x.shape[-1], int(k), lower), x,
                    np.zeros(1, x.dtype))
