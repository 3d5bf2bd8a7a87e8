"""TensorFlow 1's indexing by coordinates and masks: ``gather_nd`` (with ``batch_dims``),
``tf.gather`` with ``batch_dims``, ``scatter_nd``, ``boolean_mask`` and the indices of nonzero
elements, written as the core's ``take``/``scatter_add`` on row-major flat coordinates (so
their gradients are those ops'), plus ``_ints``, the list-of-ints argument reader the array
functions share.  Re-exported by ``array_api``."""

from __future__ import annotations

import builtins

import numpy as np

from dlcore import ops as _ops

from . import dtypes as _dtypes
from ._convert import _args, _scoped
from .frontend import constant, constant_value
from .graph import Tensor, TensorShape


def _ints(v) -> list:
    """A Python list of ints from a list, tuple, ndarray or constant tensor."""
    val = constant_value(v)
    if val is None:
        raise TypeError(f"expected a list of ints known when the graph is built, got the "
                        f"tensor {v.name} (computed at run time)")
    return [int(i) for i in np.asarray(val).reshape(-1)]


# ============================================================================ nd indexing
def _flat_index(indices, dims):
    """Row-major flat index of the coordinates in the last axis of ``indices``."""
    strides = np.cumprod([1] + list(dims[::-1][:-1]))[::-1].astype(np.int64)
    idx = _ops.cast(indices, _dtypes.int64.np)
    return _ops.sum(_ops.mul(idx, constant(strides, _dtypes.int64)), -1)


def _size(dims):
    """The product of dimensions given as ints and run-time 0-d values."""
    out = 1
    for d in dims:
        if isinstance(d, int) and isinstance(out, int):
            out *= d
        elif isinstance(out, int) and out == 1:
            out = d
        elif not (isinstance(d, int) and d == 1):
            out = _ops.mul(out, d)
    return out


def _plus_batch_offsets(flat, x, b: int, inner):
    """``flat`` (int64, its first ``b`` axes the batch axes of ``x``) plus each position's batch
    offset in ``x`` flattened over its first ``b`` axes and ``inner`` elements per batch entry:
    ``sum_j pos_j * prod(x.shape[j+1:b]) * inner``, with ``pos_j`` the position along axis j."""
    ones = _ops.full_like(flat, 1)
    for j in range(b):
        pos = _ops.sub(_ops.cumsum(ones, j), 1)
        stride = _size([_ops.dim_size(x, t) for t in range(j + 1, b)] + [inner])
        flat = _ops.add(flat, pos if isinstance(stride, int) and stride == 1
                        else _ops.mul(pos, stride))
    return flat


def _out_of_range(index, size):
    return _ops.logical_or(_ops.less(index, 0), _ops.greater_equal(index, size))


def _check_batch(op: str, p: Tensor, ind: Tensor, b: int) -> None:
    if not TensorShape(p.aval.shape[:b]).is_compatible_with(TensorShape(ind.aval.shape[:b])):
        raise ValueError(f"{op}: the first {b} (batch) dimensions of params "
                         f"{TensorShape(p.aval.shape)} and indices {TensorShape(ind.aval.shape)} "
                         "must be equal")


def gather_nd(params, indices, name: str | None = None, batch_dims: int = 0) -> Tensor:
    """``out[i...] = params[indices[i..., 0], ..., indices[i..., k-1], ...]``; with
    ``batch_dims`` b the first b dimensions of both are batch dimensions, each batch entry
    indexing its own part of ``params``.  Coordinates are flattened into one index along the
    flattened leading dimensions (``take``); one out of range makes that index out of range."""
    p, ind = _args(params, indices)
    if ind.aval.dtype.kind not in "iu":
        raise TypeError(f"gather_nd: indices must be int32 or int64, got {ind.aval.dtype}")
    b = int(batch_dims)
    if b < 0:
        b += ind.aval.ndim
    k = ind.aval.shape[-1] if ind.aval.ndim else None
    if k is None:
        raise ValueError("gather_nd: the last dimension of indices must be known")
    if not 0 <= b < ind.aval.ndim:
        raise ValueError(f"gather_nd: batch_dims ({batch_dims}) must be in [0, "
                         f"{ind.aval.ndim - 1}] for indices of rank {ind.aval.ndim}")
    if b + k > p.aval.ndim:
        raise ValueError(f"index innermost dimension length must be <= params rank; saw: {k} "
                         f"vs. {p.aval.ndim - b}")
    _check_batch("gather_nd", p, ind, b)

    def f(pv, iv):
        # TensorFlow refuses a coordinate outside params at run time (negatives too)
        from ._index_checks import checked_nd_indices
        known = TensorShape(pv.aval.shape).is_fully_defined()
        iv = checked_nd_indices(iv, None if known else pv, "CheckIndices", start=b,
                                shape=tuple(pv.aval.shape) if known else None)
        iv = _ops.cast(iv, np.int64)
        dims = [_ops.dim_size(pv, b + i) for i in range(k)]
        flat = _ops.full_like(_ops.getitem(iv, (Ellipsis, 0)), 0) if not k else None
        bad, stride = None, 1
        for i in reversed(range(k)):
            c = _ops.getitem(iv, (Ellipsis, i))
            term = c if isinstance(stride, int) and stride == 1 else _ops.mul(c, stride)
            flat = term if flat is None else _ops.add(flat, term)
            out = _out_of_range(c, dims[i])
            bad = out if bad is None else _ops.logical_or(bad, out)
            stride = _size([stride, dims[i]])
        flat = _plus_batch_offsets(flat, pv, b, stride)
        total = _size([_ops.dim_size(pv, t) for t in range(b + k)])
        if bad is not None:
            flat = _ops.where(bad, total, flat)
        rest = [_ops.dim_size(pv, t) for t in range(b + k, pv.aval.ndim)]
        return _ops.take(_ops.reshape_dynamic(pv, [total] + rest), flat)
    return _scoped("GatherNd", name, f, p, ind)


def gather_batched(params, indices, axis, batch_dims: int, name: str | None = None) -> Tensor:
    """``tf.gather`` with ``batch_dims`` b: params (B.., P.., N, R..) and indices (B.., I..) ->
    (B.., P.., I.., R..), each batch entry gathering from its own part of params along
    ``axis`` (N).  Params are moved to (B.., N, P.., R..) and flattened over (B.., N), the
    indices offset by their batch position, then one ``take``."""
    p, ind = _args(params, indices)
    nd, ni = p.aval.ndim, ind.aval.ndim
    b = int(batch_dims) + (ni if batch_dims < 0 else 0)
    axis = b if axis is None else int(axis) + (nd if int(axis) < 0 else 0)
    if not 0 <= b <= ni:
        raise ValueError(f"batch_dims ({batch_dims}) out of range for indices of rank {ni}")
    if b > axis:
        raise ValueError(f"batch_dims ({b}) must be less than or equal to axis ({axis}).")
    if not 0 <= axis < nd:
        raise ValueError(f"axis {axis} out of range for params of rank {nd}")
    _check_batch("gather", p, ind, b)

    def f(pv, iv):
        pt = _ops.transpose(pv, tuple(list(range(b)) + [axis] +
                                      [d for d in range(b, nd) if d != axis]))
        n = _ops.dim_size(pv, axis)
        from ._index_checks import checked_gather_indices  # (TF's words for a bad index)
        iv = _ops.cast(checked_gather_indices(iv, pv, axis, "CheckIndices"), np.int64)
        total = _size([_ops.dim_size(pv, t) for t in range(b)] + [n])
        flat = _ops.where(_out_of_range(iv, n), total, _plus_batch_offsets(iv, pv, b, n))
        rest = [_ops.dim_size(pt, t) for t in range(b + 1, nd)]
        y = _ops.take(_ops.reshape_dynamic(pt, [total] + rest), flat)   # B.. I.. P.. R..
        npm = axis - b
        back = list(range(b)) + list(range(ni, ni + npm)) + list(range(b, ni)) + \
            list(range(ni + npm, y.aval.ndim))
        return _ops.transpose(y, tuple(back))
    return _scoped("GatherV2", name, f, p, ind)


def scatter_nd(indices, updates, shape, name: str | None = None) -> Tensor:
    """Zeros of ``shape`` with ``updates`` added at the coordinates in ``indices``
    (duplicates add up, as in TensorFlow); ``shape`` may be known only at run time (a tensor,
    or a list holding scalar tensors: ``tf.stack([tf.shape(x)[0], 5])``)."""
    ind, upd = _args(indices, updates)
    from .run_time_shapes import _run_time_shape
    if _run_time_shape(shape):
        return _scoped("ScatterNd", name, lambda iv, uv: _scatter_nd_run_time(iv, uv, shape),
                       ind, upd)
    shape = _ints(shape)
    k = ind.aval.shape[-1]
    dims, rest = shape[:k], shape[k:]
    n = int(np.prod(dims))

    def f(iv, uv):
        # TensorFlow refuses a coordinate outside the shape at run time (negatives too)
        from ._index_checks import checked_scatter_indices
        flat = _flat_index(checked_scatter_indices(iv, dims, "CheckIndices", shape), dims)
        flat = _ops.reshape(flat, (-1,))
        u = _ops.reshape(uv, (-1,) + tuple(rest))
        ref = constant(np.zeros((n,) + tuple(rest), uv.aval.dtype))
        return _ops.reshape(_ops.scatter_add(u, flat, ref), tuple(shape))
    return _scoped("ScatterNd", name, f, ind, upd)


def _scatter_nd_run_time(iv, uv, shape):
    """scatter_nd into a shape whose entries are known at run time: flat row indices from
    strides computed from the shape, a scatter_add into zeros (a host fill) of
    ``(prod(shape[:k]),) + shape[k:]``, then a reshape to the shape."""
    from .run_time_shapes import _fill_at_run_time
    i64 = np.dtype(np.int64)
    if isinstance(shape, Tensor):
        r = shape.aval.shape[0] if shape.aval.ndim == 1 else None
        if r is None:
            raise ValueError(f"scatter_nd: the shape must be a vector of known length, got "
                             f"{shape.shape}")
        dims = [_ops.cast(_ops.getitem(shape, (d,)), i64) for d in builtins.range(r)]
        out = list(dims)
    else:
        dims = [_ops.cast(_ops.reshape(d, ()), i64) if isinstance(d, Tensor)
                else constant(np.int64(d)) for d in shape]
        out = [t if isinstance(d, Tensor) else int(d) for d, t in zip(shape, dims)]
    k = iv.aval.shape[-1]
    if k is None or k > len(dims):
        raise ValueError(f"scatter_nd: indices.shape[-1] must be known and at most the rank "
                         f"of the shape ({len(dims)}), got {iv.shape}")
    from ._index_checks import checked_nd_indices  # (TF refuses coordinates outside shape)
    idx = _ops.cast(checked_nd_indices(iv, _ops.stack(dims, 0), "CheckIndices", what="shape"),
                    i64)
    flat, n = None, constant(np.int64(1))
    for d in reversed(builtins.range(k)):
        term = _ops.mul(_ops.getitem(idx, (Ellipsis, d)), n)
        flat = term if flat is None else _ops.add(flat, term)
        n = _ops.mul(n, dims[d])
    flat = _ops.reshape(flat, (-1,))
    rest = dims[k:]
    u = _ops.reshape_dynamic(uv, [-1] + [_ops.dim_size(uv, a) for a in builtins.range(
        uv.aval.ndim - len(rest), uv.aval.ndim)])
    ref = _fill_at_run_time([n] + rest, 0, uv.aval.dtype, "zeros")
    return _ops.reshape_dynamic(_ops.scatter_add(u, flat, ref), out)


def nonzero_indices(condition, name: str | None = None) -> Tensor:
    """``tf.where(condition)``: int64 coordinates (n, rank) of the true elements."""
    return _scoped("Where", name, _ops.nonzero, condition)


def boolean_mask(tensor, mask, name: str = "boolean_mask", axis=None) -> Tensor:
    """The elements (or sub-tensors) of ``tensor`` where ``mask`` is true, flattened over the
    mask's dimensions; the result's first dimension is known at run time only (as are any of
    ``tensor``'s dimensions that were unknown when the graph was built)."""
    x, m = _args(tensor, mask)
    axis = 0 if axis is None else int(axis)
    k = m.aval.ndim
    if k == 0:
        raise ValueError("mask cannot be scalar.")
    from .unknown_rank import unknown
    if unknown(x) and not unknown(m):
        if axis:
            raise ValueError(f"boolean_mask: axis={axis} of a tensor of unknown rank is not "
                             "supported (give the placeholder a shape)")
        from .unknown_rank_ops import boolean_mask as _mask
        return _scoped(name, None, _mask, x, m, inner="GatherV2")
    if x.aval.ndim < axis + k:
        raise ValueError(f"Shapes {TensorShape(x.aval.shape)} and {TensorShape(m.aval.shape)} "
                         "are incompatible")
    part = x.aval.shape[axis:axis + k]
    if not TensorShape(part).is_compatible_with(TensorShape(m.aval.shape)):
        raise ValueError(f"Shapes {TensorShape(part)} and {TensorShape(m.aval.shape)} are "
                         "incompatible")

    def f(xv, mv):
        nd = xv.aval.ndim
        if axis:
            perm = list(range(axis, axis + k)) + list(range(axis)) + list(range(axis + k, nd))
            xv = _ops.transpose(xv, tuple(perm))
        n = 1
        for i in range(k):
            d = _ops.dim_size(xv, i)
            if isinstance(d, int) and isinstance(n, int):
                n *= d
            else:
                n = d if isinstance(n, int) and n == 1 else _ops.mul(d, n)
        flat = _ops.reshape_dynamic(xv, [n] + [_ops.dim_size(xv, i) for i in range(k, nd)])
        idx = _ops.getitem(_ops.nonzero(_ops.reshape(mv, (-1,))), (builtins.slice(None), 0))
        out = _ops.take(flat, idx)
        if axis:
            out = _ops.transpose(out, tuple(list(range(1, axis + 1)) + [0] +
                                            list(range(axis + 1, out.aval.ndim))))
        return out
    return _scoped(name, None, f, x, m, inner="GatherV2")   # (TF1: boolean_mask/GatherV2)


# ============================================================================ constructors
