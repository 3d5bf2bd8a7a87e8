"""TensorFlow 1's array functions beyond the basics: splitting and slicing, tiling and padding,
gathering and scattering by coordinates, masks, constructors (``linspace``, ``eye``), matrix
helpers (``diag``, ``matrix_band_part``), ``einsum`` and ``tensordot``, and shapes known only at
run time (``tf.shape`` of a tensor with unknown dimensions).

Each function turns TensorFlow's arguments (``num_or_size_splits``, ``paddings``, ``begin``/
``size``, masks) into the core's ops: ``getitem`` slices, ``reshape``/``broadcast_to``,
``concatenate``, ``take``/``scatter_add`` on flattened coordinates, ``nonzero`` for masks, and
the ``mul``/``sum`` of ``einsum``.  Gradients come from those ops.
"""

from __future__ import annotations

import builtins

import numpy as np

from dlcore import ops as _ops
from dlcore.dtypes import is_floating

from . import dtypes as _dtypes
from ._convert import _args, _same_dtype, _scoped
from .array_nd import (  # noqa: F401 - re-exported (tf.gather_nd, tf.scatter_nd, ...)
    _ints,
    boolean_mask,
    gather_batched,
    gather_nd,
    nonzero_indices,
    scatter_nd,
)
from .frontend import constant
from .graph import Tensor, TensorShape, get_default_graph
from .unknown_rank import unknown as _unknown
from .unknown_rank_ops import with_rank as _with_rank

__all__ = ["split", "slice", "strided_slice", "tile", "pad", "reverse", "reverse_v2",
           "gather_nd", "scatter_nd", "boolean_mask", "linspace", "lin_space", "eye", "diag",
           "diag_part", "matrix_diag", "matrix_diag_part", "matrix_band_part", "einsum",
           "tensordot", "shape", "shape_n", "size", "rank", "fill", "nonzero_indices"]


def _t(x):
    return _args(x)[0]


def _static(x: Tensor, op: str, dims=None) -> tuple:
    shape = x.aval.shape
    check = range(len(shape)) if dims is None else dims
    for d in check:
        if shape[d] is None:
            raise ValueError(f"{op}: dimension {d} of {x.name} (shape {TensorShape(shape)}) must "
                             "be known when the graph is built")
    return shape


def _along(axis: int, ndim: int, sl) -> tuple:
    return tuple([builtins.slice(None)] * axis + [sl] + [builtins.slice(None)] * (ndim - axis - 1))


# ============================================================================ split & slice
def split(value, num_or_size_splits, axis=0, num=None, name: str = "split") -> list:
    """``num_or_size_splits`` equal pieces (an int), or pieces of the given sizes (one may be
    -1) along ``axis``."""
    x = _t(value)
    if _unknown(x):
        from .unknown_rank_ops import split as _split
        g = get_default_graph()
        with g.name_scope(name or "split") as scope:
            out = _split(x, num_or_size_splits, axis)
        g.alias_outputs(scope[:-1], out)
        return out
    nd = x.aval.ndim
    axis = int(axis) + nd if int(axis) < 0 else int(axis)
    n = x.aval.shape[axis]
    if isinstance(num_or_size_splits, (int, np.integer)):
        k = int(num_or_size_splits)
        if n is None:
            raise ValueError(f"Cannot infer num from shape {x.shape}")
        if n % k:
            raise ValueError(f"Dimension size must be evenly divisible by {k} but is {n} for "
                             f"'{name}' (op: 'Split') with input shapes: [], {x.shape}")
        sizes = [n // k] * k
    else:
        sizes = _ints(num_or_size_splits)
        if -1 in sizes:
            rest = n - sum(s for s in sizes if s != -1)
            sizes = [rest if s == -1 else s for s in sizes]
        if n is not None and sum(sizes) != n:
            raise ValueError(f"Determined shape must either match input shape along split_dim "
                             f"exactly if fully specified, or be less than the size of the input "
                             f"along split_dim if not fully specified.  Got: {sum(sizes)} vs {n}")
    g = get_default_graph()
    out, start = [], 0
    with g.name_scope(name or "split") as scope:
        for s in sizes:
            out.append(_ops.getitem(x, _along(axis, nd, builtins.slice(start, start + s))))
            start += s
    g.alias_outputs(scope[:-1], out)    # TF1's one Split op: split:0, split:1, ...
    return out


def slice(input_, begin, size, name: str | None = None) -> Tensor:  # noqa: A001 - TF's name
    """``input_[begin[i] : begin[i] + size[i]]`` in each dimension (size -1: to the end);
    ``begin``/``size`` may hold (or be) tensors computed at run time (``[-1, n - 1]``)."""
    if _run_time_entries(begin) or _run_time_entries(size):
        return _run_time_slice(input_, begin, size, name)
    begin, size = _ints(begin), _ints(size)
    input_ = _with_rank(_t(input_), len(begin), "Slice")
    shape = _t(input_).aval.shape
    for i, (b, s, n) in enumerate(zip(begin, size, shape)):
        if n is None:                     # checked where the size is known
            continue
        if not 0 <= b <= n:
            raise ValueError(f"Expected begin[{i}] in [0, {n}], but got {b}")
        if s != -1 and not 0 <= s <= n - b:
            raise ValueError(f"Expected size[{i}] in [0, {n - b}], but got {s}")
    idx = tuple(builtins.slice(b, None if s == -1 else b + s) for b, s in zip(begin, size))
    return _scoped("Slice", name, lambda x: _ops.getitem(x, idx), input_)


def _run_time_entries(v) -> bool:
    return isinstance(v, Tensor) or (isinstance(v, (list, tuple)) and
                                     any(isinstance(e, Tensor) for e in v))


def _run_time_slice(input_, begin, size, name):
    """``tf.slice`` with run-time ``begin``/``size``: ``x[...]`` with the bounds of a
    ``CheckSlice`` node (TF1's run-time InvalidArgumentError, not a clamped slice)."""
    from ._slice_check import checked_bounds
    x = _t(input_)
    nd = x.aval.ndim
    g = x.graph
    with g.name_scope(name or "Slice"):
        def entries(v):
            if isinstance(v, Tensor):
                return [v[i] for i in range(nd)]
            return list(v)
        bs, ss = entries(begin), entries(size)
        if len(bs) != nd or len(ss) != nd:
            raise ValueError(f"Expected begin and size arguments to be 1-D tensors of size "
                             f"{nd}, but got {len(bs)} and {len(ss)} entries")
        bounds = checked_bounds(x, bs, ss, "CheckSlice")
        idx = tuple(builtins.slice(bounds[k], bounds[nd + k]) for k in range(nd))
        out = x[idx]
        known: list = []            # TF's static shape: a constant size, or n - constant begin
        for b, sz, n in zip(bs, ss, x.aval.shape):
            if isinstance(sz, Tensor):
                known.append(None)
            elif int(sz) != -1:
                known.append(int(sz))
            else:
                known.append(None if isinstance(b, Tensor) or n is None else n - int(b))
        out.set_shape(known)
        return out


def strided_slice(input_, begin, end, strides=None, begin_mask=0, end_mask=0, ellipsis_mask=0,
                  new_axis_mask=0, shrink_axis_mask=0, var=None, name=None) -> Tensor:
    """The op behind ``x[a:b:c, ..., tf.newaxis, i]``, with TensorFlow's bit masks."""
    begin, end = _ints(begin), _ints(end)
    strides = _ints(strides) if strides is not None else [1] * len(begin)
    idx: list = []
    for i, (b, e, s) in enumerate(zip(begin, end, strides)):
        bit = 1 << i
        if ellipsis_mask & bit:
            idx.append(Ellipsis)
        elif new_axis_mask & bit:
            idx.append(None)
        elif shrink_axis_mask & bit:
            idx.append(b)
        else:
            idx.append(builtins.slice(None if begin_mask & bit else b,
                                      None if end_mask & bit else e, s))
    from .unknown_rank import getitem as _unknown_getitem
    return _scoped("StridedSlice", name, lambda x: _unknown_getitem(x, tuple(idx)) if _unknown(x)
                   else _ops.getitem(x, tuple(idx)), input_)


def reverse(tensor, axis, name: str | None = None) -> Tensor:
    """Reverse the order of the elements along each axis in ``axis``."""
    x = _t(tensor)
    if _unknown(x):
        from .unknown_rank_ops import reverse as _reverse
        return _scoped("ReverseV2", name, lambda v: _reverse(v, _ints(axis)), x)
    nd = x.aval.ndim
    for i, a in enumerate(_ints(axis)):
        if not -nd <= a < nd:
            from dlcore.errors import AxisError
            raise AxisError("ReverseV2", f"'axis'[{i}] = {a} is out of valid range "
                            f"[{-nd}, {nd - 1}]", [x.aval.shape])
    axes = {a % nd for a in _ints(axis)}
    idx = tuple(builtins.slice(None, None, -1) if d in axes else builtins.slice(None)
                for d in range(nd))
    return _scoped("ReverseV2", name, lambda v: _ops.getitem(v, idx), x)


reverse_v2 = reverse


# ============================================================================ tile & pad
def _tile(x, multiples):
    shape = x.aval.shape
    if len(multiples) != len(shape):
        raise ValueError(f"Shape must be rank {len(shape)} but is rank {len(multiples)} for "
                         f"'Tile' (op: 'Tile') with input shapes: {TensorShape(shape)}, "
                         f"[{len(multiples)}].")
    if any(m < 0 for m in multiples):
        raise ValueError(f"Expected multiples argument to be non-negative, got {multiples}")
    if None not in shape:
        inter, big = [], []
        for d, m in zip(shape, multiples):
            inter += [1, d]
            big += [m, d]
        y = _ops.reshape(x, tuple(inter))
        if any(m != 1 for m in multiples):
            y = _ops.broadcast_to(y, tuple(big))
        return _ops.reshape(y, tuple(d * m for d, m in zip(shape, multiples)))
    # Dimensions known only at run time: a size-1 axis before each tiled one, broadcast by
    # multiplying with ones, then the pairs merged with their run-time sizes.
    tiled = [i for i, m in enumerate(multiples) if m != 1]
    if not tiled:
        return _ops.identity(x)
    y = _ops.expand_dims(x, tuple(i + k for k, i in enumerate(tiled)))
    ones = []
    for i, d in enumerate(shape):
        ones += ([multiples[i], 1] if i in tiled else [1])
    y = _ops.mul(y, constant(np.ones(ones, x.aval.dtype)))
    dims = []
    for i, m in enumerate(multiples):
        d = _ops.dim_size(x, i)
        dims.append(d * m if isinstance(d, int) else (d if m == 1 else _ops.mul(d, m)))
    return _ops.reshape_dynamic(y, dims)


def tile(input, multiples, name: str | None = None) -> Tensor:  # noqa: A002 - TF's name
    """``input`` repeated ``multiples[i]`` times along dimension i.  Multiples known only at
    run time (``tf.tile(x, [tf.shape(y)[0], 1])``, a multiples tensor) gather each such
    dimension's rows ``arange(n * m) % n`` (the gradient: gather's scatter-add)."""
    from .run_time_shapes import _run_time_shape
    if _run_time_shape(multiples):
        return _scoped("Tile", name, lambda x: _tile_at_run_time(x, multiples), input)
    m = _ints(multiples)
    return _scoped("Tile", name, lambda x: _tile(_with_rank(x, len(m), "Tile"), m), input)


def _tile_at_run_time(x, multiples):
    from dlcore.ops import sequence as _seq
    nd = x.aval.ndim
    if isinstance(multiples, Tensor):
        if multiples.aval.ndim != 1 or multiples.aval.shape[0] not in (None, nd):
            raise ValueError(f"Shape must be rank 1 and have {nd} elements for 'Tile' "
                             f"(multiples {multiples.shape}, input {x.shape})")
        parts = [_ops.getitem(multiples, (d,)) for d in builtins.range(nd)]
    else:
        if len(multiples) != nd:
            raise ValueError(f"Expected multiples argument to be a vector of length {nd} but "
                             f"got length {len(multiples)} for 'Tile'")
        parts = list(multiples)
    i64 = np.dtype(np.int64)
    for d, m in enumerate(parts):
        if not isinstance(m, Tensor) and int(m) == 1:
            continue
        n = _ops.dim_size(x, d)
        n = constant(np.int64(n)) if isinstance(n, int) else _ops.cast(n, i64)
        m = _ops.cast(m, i64) if isinstance(m, Tensor) else constant(np.int64(m))
        idx = _ops.arange(constant(np.int64(0)), _ops.mul(n, m), constant(np.int64(1)), i64)
        x = _seq.gather(x, _ops.remainder(idx, n), d)
    return x


def pad(tensor, paddings, mode: str = "CONSTANT", name: str | None = None,
        constant_values=0) -> Tensor:
    """Pad dimension i with ``paddings[i][0]`` values before and ``paddings[i][1]`` after:
    ``constant_values`` (CONSTANT), the mirror image without (REFLECT) or with (SYMMETRIC) the
    edge."""
    pads = np.asarray(_ints(paddings)).reshape(-1, 2).tolist()
    mode = mode.upper()
    if mode not in ("CONSTANT", "REFLECT", "SYMMETRIC"):
        raise ValueError(f"Unknown padding mode: {mode}")

    def f(x):
        x = _with_rank(x, len(pads), "Pad")
        nd = x.aval.ndim
        if len(pads) != nd:
            raise ValueError(f"The first dimension of paddings must be the rank of inputs"
                             f"[{len(pads)},2] {TensorShape(x.aval.shape)}")
        for d, (lo, hi) in enumerate(pads):     # TensorFlow's Pad / MirrorPad checks
            n = x.aval.shape[d]
            if lo < 0 or hi < 0:
                raise ValueError(f"Paddings must be non-negative: {lo} {hi}")
            if mode == "REFLECT" and n is not None and max(lo, hi) >= n:
                raise ValueError(f"paddings must be less than the dimension size: {lo}, {hi} "
                                 f"not less than {n}")
            if mode == "SYMMETRIC" and n is not None and max(lo, hi) > n:
                raise ValueError(f"paddings must be no greater than the dimension size: {lo}, "
                                 f"{hi} greater than {n}")
        if mode == "CONSTANT" and isinstance(constant_values, (int, float, np.number)):
            return _ops.pad(x, pads, "constant", constant_values)      # (one node)
        for d, (lo, hi) in enumerate(pads):
            if not lo and not hi:
                continue
            parts: list = []
            for count, at_start in ((lo, True), (hi, False)):
                if not count:
                    parts.append(None)
                    continue
                if mode == "CONSTANT":
                    edge = _ops.getitem(x, _along(d, nd, builtins.slice(0, 1)))
                    block = _ops.full_like(edge, constant_values)
                    reps = [1] * nd
                    reps[d] = count
                    parts.append(_tile(block, reps))
                else:
                    off = 1 if mode == "REFLECT" else 0
                    if at_start:
                        sl = builtins.slice(count - 1 + off, off - 1 if off else None, -1)
                    else:
                        sl = builtins.slice(-1 - off, -count - 1 - off, -1)
                    parts.append(_ops.getitem(x, _along(d, nd, sl)))
            pieces = [p for p in (parts[0], x, parts[1]) if p is not None]
            x = _ops.concatenate(pieces, d)
        return x
    return _scoped("Pad" if mode == "CONSTANT" else "MirrorPad", name, f, tensor)


def linspace(start, stop, num, name: str | None = None, axis: int = 0) -> Tensor:
    """``num`` evenly spaced values from ``start`` to ``stop`` inclusive."""
    num = _ints(num)[0]
    if not isinstance(start, Tensor) and not isinstance(stop, Tensor) and \
            not hasattr(start, "_as_graph_element") and not hasattr(stop, "_as_graph_element"):
        dt0 = np.asarray(start).dtype
        dt: np.dtype | type = np.float32 if not is_floating(dt0) or dt0 == np.float64 and \
            not isinstance(start, np.ndarray) else dt0
        return constant(np.linspace(float(start), float(stop), num).astype(dt),
                        name=name or "LinSpace")
    s, e = _args(start, stop, cast_data=True)
    steps = np.arange(num, dtype=s.aval.dtype) / max(num - 1, 1)
    return _scoped("LinSpace", name,
                   lambda a, b: _ops.add(a, _ops.mul(_ops.sub(b, a), constant(steps))), s, e)


lin_space = linspace


def fill(dims, value, name: str | None = None) -> Tensor:
    """A tensor of shape ``dims`` filled with ``value`` (a Python value or a scalar tensor);
    ``dims`` may hold tensors (``tf.fill([tf.shape(x)[0]], 2)``): a shape known at run time."""
    from .run_time_shapes import _fill_at_run_time, _run_time_shape
    if _run_time_shape(dims):
        if isinstance(value, Tensor) or hasattr(value, "_as_graph_element"):
            v = _args(value)[0]
            zeros = _fill_at_run_time(dims, 0, v.aval.dtype, (name or "Fill") + "_dims")
            return _scoped("Fill", name, lambda z, w: _ops.add(z, w), zeros, v)
        dt = np.asarray(value).dtype
        dt = np.dtype(np.int32) if dt.kind in "iu" else np.dtype(np.float32) \
            if dt.kind == "f" else dt
        return _fill_at_run_time(dims, value, dt, name or "Fill")
    d = tuple(_ints(dims))
    if isinstance(value, Tensor) or hasattr(value, "_as_graph_element"):
        return _scoped("Fill", name, lambda v: _ops.broadcast_to(v, d), value)
    return constant(value, None, d, name=name or "Fill")


def eye(num_rows, num_columns=None, batch_shape=None, dtype=_dtypes.float32,
        name: str | None = None) -> Tensor:
    m = np.eye(int(num_rows), None if num_columns is None else int(num_columns),
               dtype=_dtypes.as_np(dtype))
    if batch_shape is not None:
        m = np.broadcast_to(m, tuple(_ints(batch_shape)) + m.shape)
    return constant(m, name=name or "eye")


def matrix_diag(diagonal, name: str | None = None) -> Tensor:
    """Batched: a matrix with ``diagonal`` (last axis) on its diagonal, zeros elsewhere (the
    core's pad-and-reshape ``diag_embed``: an inf stays alone on the diagonal, where
    ``x * eye`` put NaN beside it)."""
    from dlcore.ops.spatial import diag_embed

    def f(x):
        _static(x, "diag", [x.aval.ndim - 1])
        return diag_embed(x)
    return _scoped("MatrixDiag", name, f, diagonal)


def diag(diagonal, name: str | None = None) -> Tensor:
    """``tf.diag`` of a vector: the square matrix with it on the diagonal."""
    x = _t(diagonal)
    if x.aval.ndim != 1:
        raise NotImplementedError("tf.diag of a tensor of rank > 1 is not supported")
    return matrix_diag(x, name=name or "Diag")


def matrix_diag_part(input, name: str | None = None) -> Tensor:  # noqa: A002
    def f(x):
        if _unknown(x):
            from .unknown_rank_ops import diag_part
            return diag_part(x)
        n, m = _static(x, "diag_part", [x.aval.ndim - 2, x.aval.ndim - 1])[-2:]
        d = _ops.sum(_ops.mul(x, constant(np.eye(n, m, dtype=x.aval.dtype))), -1) \
            if n <= m else _ops.sum(_ops.mul(x, constant(np.eye(n, m, dtype=x.aval.dtype))), -2)
        # (a sum of bools counts them, int64: TensorFlow's diagonal keeps the input's dtype)
        return _ops.cast(d, x.aval.dtype) if x.aval.dtype != d.aval.dtype else d
    return _scoped("MatrixDiagPart", name, f, input)


diag_part = matrix_diag_part


def matrix_band_part(input, num_lower, num_upper, name: str | None = None) -> Tensor:  # noqa
    """Keep the band ``-num_lower <= j - i <= num_upper`` of each matrix (negative: all)."""
    lo, hi = _ints(num_lower)[0], _ints(num_upper)[0]

    def f(x):
        from .unknown_rank_ops import refuse
        refuse("MatrixBandPart", x)
        n, m = _static(x, "matrix_band_part", [x.aval.ndim - 2, x.aval.ndim - 1])[-2:]
        i, j = np.indices((n, m))
        keep = ((lo < 0) | (i - j <= lo)) & ((hi < 0) | (j - i <= hi))
        return _ops.mul(x, constant(keep.astype(x.aval.dtype)))
    return _scoped("MatrixBandPart", name, f, input)


# ============================================================================ einsum & co
def einsum(equation: str, *inputs, name: str | None = None, **kwargs) -> Tensor:
    """Einstein summation (``'ij,jk->ik'``, ``'...ij,...jk->...ik'`` with broadcast leading
    dimensions, ``'ii->i'`` diagonals): dlcore's ``einsum`` composite (pairwise batched matmuls;
    dimensions unknown until run time are reshaped with their run-time sizes)."""
    def f(*xs):
        _same_dtype("Einsum", list(xs))
        from .unknown_rank_ops import einsum_operands
        return _ops.einsum(equation, *einsum_operands(equation, list(xs)))
    return _scoped("Einsum", name, f, *_args(*inputs, cast_data=True))


def tensordot(a, b, axes, name: str | None = None) -> Tensor:
    """Sum over ``axes`` (an int n: the last n of ``a`` with the first n of ``b``; or two
    lists): the ``einsum`` of the two operands, so a transpose, a reshape and one matmul, with
    dimensions unknown until run time reshaped by their run-time sizes."""
    x, y = _args(a, b, cast_data=True)
    na, nb = x.aval.ndim, y.aval.ndim
    if isinstance(axes, (int, np.integer)):
        n = int(axes)
        if n < 0 or n > min(na, nb):
            raise ValueError(f"'axes' must be at most the rank of both inputs (got {n} for "
                             f"shapes {x.shape} and {y.shape})")
        ax_a = list(range(na - n, na))
        ax_b = list(range(n))
    else:
        ax_a, ax_b = axes
        ax_a = [int(i) % na for i in np.atleast_1d(ax_a)]
        ax_b = [int(i) % nb for i in np.atleast_1d(ax_b)]
        if len(ax_a) != len(ax_b):
            raise ValueError(f"tensordot: axes lists of different lengths: {ax_a} and {ax_b}")
    for i, j in zip(ax_a, ax_b):
        da, db = x.aval.shape[i], y.aval.shape[j]
        if da is not None and db is not None and da != db:
            raise ValueError(f"Dimensions must be equal, but are {da} and {db} for "
                             f"'Tensordot' with input shapes: {x.shape}, {y.shape}.")
    letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    if na + nb - len(ax_a) > len(letters):
        raise ValueError("tensordot: too many dimensions")
    sa = letters[:na]
    free_b = iter(letters[na:])
    sb = "".join(sa[ax_a[ax_b.index(j)]] if j in ax_b else next(free_b) for j in range(nb))
    out = "".join(c for i, c in enumerate(sa) if i not in ax_a) + \
        "".join(c for j, c in enumerate(sb) if j not in ax_b)
    return _scoped("Tensordot", name, lambda u, v: _ops.einsum(f"{sa},{sb}->{out}", u, v), x, y)


# ============================================================================ shapes
def shape(input, name: str | None = None, out_type=_dtypes.int32) -> Tensor:  # noqa: A002
    """The shape: a constant when fully known at build time, else computed at run time."""
    t = _t(input)
    if t.shape.is_fully_defined() and not t.op.attrs.get("unknown_rank"):
        return constant(list(t.aval.shape), out_type, name=name or "Shape")
    out = _scoped("Shape", name, _ops.shape_of, t)
    return out if _dtypes.as_dtype(out_type) == _dtypes.int32 else \
        _ops.cast(out, _dtypes.as_np(out_type))


def shape_n(input, out_type=_dtypes.int32, name: str | None = None) -> list:  # noqa: A002
    return [shape(x, out_type=out_type) for x in input]


def size(input, name: str | None = None, out_type=_dtypes.int32) -> Tensor:  # noqa: A002
    t = _t(input)
    if t.shape.is_fully_defined() and not t.op.attrs.get("unknown_rank"):
        return constant(int(np.prod(t.aval.shape)), out_type, name=name or "Size")
    out = _scoped("Size", name, lambda v: _ops.prod(_ops.shape_of(v)), t)
    return out if _dtypes.as_dtype(out_type) == _dtypes.int32 else \
        _ops.cast(out, _dtypes.as_np(out_type))


def rank(input, name: str | None = None) -> Tensor:  # noqa: A002
    t = _t(input)
    if t.op.attrs.get("unknown_rank"):
        return _scoped("Rank", name, lambda v: _ops.getitem(
            _ops.shape_of(_ops.shape_of(v)), 0), t)
    return constant(t.aval.ndim, _dtypes.int32, name=name or "Rank")


# ============================================================================ shape arguments
def _dim_of(v):
    """A shape entry given as a tensor: ``(int, None)`` when known at build time, else
    ``(None, (src, i))`` for ``tf.shape(src)[i]``, else ``(None, None)``."""
    op = v.op
    if op.type == "Const":
        return int(np.asarray(op.attrs["value"]).reshape(())), None
    prim = getattr(op.prim, "name", None)
    if prim == "getitem" and len(op.params.get("idx", ())) == 1 and \
            isinstance(op.params["idx"][0], int):
        i = op.params["idx"][0]
        src = op.inputs[0]
        if src.op.type == "Const":
            return int(np.asarray(src.op.attrs["value"])[i]), None
        if getattr(src.op.prim, "name", None) == "shape_of":
            base = src.op.inputs[0]
            d = base.aval.shape[i]
            return (int(d), None) if d is not None else (None, (base, i % base.aval.ndim))
    if prim == "cast":
        return _dim_of(op.inputs[0])
    return None, None


def run_time_dims(x: Tensor, shape):
    """The reshape target as ``reshape_dynamic``'s entries (ints, 0-d int tensors) when the
    graph cannot resolve it statically: a shape tensor neither constant nor ``tf.shape(y)``,
    or a list whose run-time entries leave more than one dimension unknown (TF1 treats each
    as unknown, not as -1: ``tf.reshape(a, [-1, tf.shape(b)[1]])``).  None when the static
    path applies (with TF1's errors for real conflicts such as two literal -1s)."""
    if isinstance(shape, Tensor):
        if shape.op.type == "Const":
            return None
        of = shape                  # (tf.shape(b, out_type=tf.int64): a cast of shape_of)
        while getattr(of.op.prim, "name", None) == "cast":
            of = of.op.inputs[0]
        if getattr(of.op.prim, "name", None) == "shape_of":
            # tf.shape(b) with several unknown dimensions: each read when the graph runs
            # (TF1: unknown dimensions, not several -1s); known ones stay ints
            src = of.op.inputs[0].aval.shape
            if sum(d is None for d in src) <= 1:
                return None
            return [int(d) if d is not None else _ops.getitem(shape, (i,))
                    for i, d in enumerate(src)]
        n = shape.aval.shape[0] if shape.aval.ndim == 1 else None
        if n is None:
            return None                              # (static_shape_arg's error)
        return [_ops.getitem(shape, (i,)) for i in range(n)]
    out = static_shape_arg(x, shape)
    if out.count(-1) <= 1:
        return None
    dims: list = []
    literal = 0
    for d, o in zip(shape, out):
        if (isinstance(d, Tensor) or hasattr(d, "_as_graph_element")) and o == -1 \
                and _dim_of(_t(d))[0] is None:
            dims.append(_t(d))
        else:
            literal += o == -1
            dims.append(int(o))
    return dims if literal <= 1 else None


def static_shape_arg(x: Tensor, shape) -> tuple:
    """A reshape target given with tensors (``[tf.shape(x)[0], -1]``, ``tf.shape(y)``) turned
    into ints where the graph knows them, and -1 for the one dimension left to run time."""
    if isinstance(shape, Tensor):
        if shape.op.type == "Const":
            return tuple(int(d) for d in np.asarray(shape.op.attrs["value"]).reshape(-1))
        if getattr(shape.op.prim, "name", None) == "shape_of":
            return tuple(-1 if d is None else d for d in shape.op.inputs[0].aval.shape)
        raise ValueError("reshape: the target shape must be known when the graph is built "
                         f"(got the tensor {shape.name})")
    out, runtime = [], []
    for k, d in enumerate(shape):
        if isinstance(d, Tensor) or hasattr(d, "_as_graph_element"):
            val, where = _dim_of(_t(d))
            out.append(-1 if val is None else val)
            if val is None:
                runtime.append((k, where))
        else:
            out.append(-1 if d is None else int(d))
    if out.count(-1) == 2 and len(runtime) == 1 and runtime[0][1] is not None:
        k, (src, i) = runtime[0]
        rest = [d for j, d in enumerate(src.aval.shape) if j != i]
        if src is x and None not in rest:
            known = int(np.prod([d for j, d in enumerate(out) if d != -1]))
            other = out.index(-1) if out.index(-1) != k else len(out) - 1 - out[::-1].index(-1)
            out[other] = int(np.prod(rest)) // max(known, 1)
    return tuple(out)
