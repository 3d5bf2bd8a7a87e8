"""TensorFlow 1's scatter long tail on dlcore's scatter primitives (``scatter_set``: the last
write wins; ``scatter_combine``: max/min/prod; ``scatter_add``), so their gradients come from
the core's vjps:

* ``tensor_scatter_nd_update/add/sub/max/min`` (and TF 1.x's ``tensor_scatter_update/add/sub``):
  coordinates ``indices[..., :k]`` flattened into rows of ``tensor`` viewed as
  ``(prod(shape[:k]), *shape[k:])``; a coordinate out of range is an InvalidArgumentError at run
  time (it is made an out-of-range row, as ``gather_nd`` does);
* the variable updates of TF1 (``scatter_nd_update/add/sub``, ``scatter_mul/div/max/min``): an
  assign of the combined value, run when the returned tensor is fetched; the fetched value is the
  variable's new value, as TF1's ``ref``;
* ``unsorted_segment_sum/max/min/prod/mean/sqrt_n``: rows folded into ``num_segments`` rows (an empty
  segment gives the type's lowest value for max, its highest for min, 1 for prod and 0 for the
  means, as TensorFlow; negative ids are dropped);
* ``segment_max/min/prod``: the same with sorted ids known at build time (an empty segment
  gives 0, or 1 for prod, as TensorFlow's sorted segment ops);
* ``batch_gather``: ``gather`` with ``batch_dims = rank(indices) - 1``.
"""

from __future__ import annotations

import numpy as np

from dlcore import ops as _ops
from dlcore.dtypes import is_floating
from dlcore.ops.scatter_ops import row_indices, scatter_combine, scatter_set

from ._convert import _args, _scoped
from .frontend import constant, constant_value, to_tensor
from .graph import Tensor, TensorShape, get_default_graph

__all__ = [
    "batch_gather",
    "scatter_div",
    "scatter_max",
    "scatter_min",
    "scatter_mul",
    "scatter_nd_add",
    "scatter_nd_sub",
    "scatter_nd_update",
    "segment_max",
    "segment_min",
    "segment_prod",
    "tensor_scatter_add",
    "tensor_scatter_nd_max",
    "tensor_scatter_nd_min",
    "tensor_scatter_sub",
    "tensor_scatter_update",
    "unsorted_segment_max",
    "unsorted_segment_mean",
    "unsorted_segment_min",
    "unsorted_segment_prod",
    "unsorted_segment_sqrt_n",
]


# ----------------------------------------------------------------------------- coordinates
def nd_rows(iv, dims):
    """Flat row positions (m,) of the coordinates ``iv[..., :k]`` into ``dims``; a coordinate
    out of its range gives ``prod(dims)`` (out of range for the row scatter, which raises)."""
    iv = _ops.cast(iv, np.int64)
    k = len(dims)
    total = int(np.prod(dims, dtype=np.int64))
    flat, bad, stride = None, None, 1
    for d in reversed(range(k)):
        c = _ops.getitem(iv, (Ellipsis, d))
        term = c if stride == 1 else _ops.mul(c, stride)
        flat = term if flat is None else _ops.add(flat, term)
        out = _ops.logical_or(_ops.less(c, 0), _ops.greater_equal(c, int(dims[d])))
        bad = out if bad is None else _ops.logical_or(bad, out)
        stride *= int(dims[d])
    flat = _ops.where(bad, total, flat)
    return _ops.reshape(flat, (-1,))


def combine_rows(mode: str, flat, pos, rows):
    """``flat`` (n, *rest) with ``rows`` (m, *rest) put at ``pos`` (m,) by ``mode``."""
    if mode == "add":
        return _ops.add(flat, _ops.scatter_add(rows, pos, flat))
    if mode == "sub":
        return _ops.sub(flat, _ops.scatter_add(rows, pos, flat))
    idx = row_indices(pos, rows)
    if mode == "update":
        return scatter_set(flat, rows, idx, 0)
    if mode == "div":
        ones = _ops.full_like(flat, 1)
        return _ops.div(flat, scatter_combine(ones, rows, idx, 0, "prod"))
    return scatter_combine(flat, rows, idx, 0, {"mul": "prod"}.get(mode, mode))


_KINDS = {"update": "TensorScatterUpdate", "add": "TensorScatterAdd",
          "sub": "TensorScatterSub", "max": "TensorScatterMax", "min": "TensorScatterMin"}


def tensor_scatter(mode: str, tensor, indices, updates, name=None):
    """``tensor`` with ``updates`` put at the coordinates ``indices`` by ``mode``."""
    kind = _KINDS[mode]
    t = _args(tensor)[0]
    if not t.shape.is_fully_defined():
        raise NotImplementedError(f"{kind}: the shape of tensor ({t.shape}) must be known when "
                                  "the graph is built")
    shape = tuple(int(d) for d in t.aval.shape)
    g = get_default_graph()
    with g.name_scope(name or kind):
        u = to_tensor(updates, g, t.aval.dtype)
        if u.aval.dtype != t.aval.dtype:
            raise TypeError(f"Input 'updates' of '{kind}' Op has type {u.dtype.name} that does "
                            f"not match type {t.dtype.name} of argument 'tensor'.")
        i = _args(indices)[0]
        if i.aval.dtype.kind not in "iu":
            raise TypeError(f"{kind}: indices must be int32 or int64, got {i.aval.dtype}")
        k = i.aval.shape[-1] if i.aval.ndim else None
        want = TensorShape(tuple(i.aval.shape[:-1]) + shape[k:]) if k is not None else None
        if k is None or k > len(shape) or not u.shape.is_compatible_with(want):
            raise ValueError(f"{kind}: updates {u.shape} must have shape indices.shape[:-1] + "
                             f"tensor.shape[indices.shape[-1]:] = {want} (indices "
                             f"{i.shape}, tensor {t.shape})")
        rest = shape[k:]
        flat = _ops.reshape(t, (int(np.prod(shape[:k], dtype=np.int64)),) + rest)
        rows = _ops.reshape(u, (-1,) + rest)
        from ._index_checks import checked_scatter_indices  # (TF's words for a bad one)
        i = checked_scatter_indices(i, shape[:k], "CheckIndices", shape)
        out = combine_rows(mode, flat, nd_rows(i, shape[:k]), rows)
        return _ops.reshape(out, shape)


def tensor_scatter_nd_max(tensor, indices, updates, name=None):
    """``tensor`` with the elementwise maximum of its slices at ``indices`` and ``updates``."""
    return tensor_scatter("max", tensor, indices, updates, name)


def tensor_scatter_nd_min(tensor, indices, updates, name=None):
    """``tensor`` with the elementwise minimum of its slices at ``indices`` and ``updates``."""
    return tensor_scatter("min", tensor, indices, updates, name)


def tensor_scatter_update(tensor, indices, updates, name=None):
    """TF 1.x's name of ``tensor_scatter_nd_update`` (the last of repeated indices wins)."""
    return tensor_scatter("update", tensor, indices, updates, name)


def tensor_scatter_add(tensor, indices, updates, name=None):
    """TF 1.x's name of ``tensor_scatter_nd_add``."""
    return tensor_scatter("add", tensor, indices, updates, name)


def tensor_scatter_sub(tensor, indices, updates, name=None):
    """TF 1.x's name of ``tensor_scatter_nd_sub``."""
    return tensor_scatter("sub", tensor, indices, updates, name)


# ----------------------------------------------------------------------------- variables
def _variable_scatter(op_name, mode, ref, indices, updates, name, nd: bool):
    from .variables import Variable
    if not isinstance(ref, Variable):
        raise TypeError(f"{op_name}: 'ref' must be a Variable, got {type(ref).__name__}")
    with get_default_graph().name_scope(name or op_name):
        old = ref._update_read()
        shape = tuple(old.aval.shape)
        if None in shape:
            raise ValueError(f"{op_name}: the variable's shape must be known, got {old.shape}")
        idx = _args(indices)[0]
        if idx.aval.dtype.kind not in "iu":
            raise TypeError(f"{op_name}: indices must be int32 or int64, got {idx.aval.dtype}")
        upd = to_tensor(updates, None, old.aval.dtype)
        if upd.aval.dtype != old.aval.dtype:
            raise TypeError(f"Input 'updates' of '{op_name}' Op has type {upd.dtype.name} that "
                            f"does not match type {old.dtype.name} of argument 'ref'.")
        k = idx.aval.shape[-1] if nd else 1
        if nd and (k is None or k > len(shape)):
            raise ValueError(f"{op_name}: the last dimension of indices ({k}) must be known "
                             f"and at most the variable's rank {len(shape)}")
        lead = tuple(idx.aval.shape[:-1]) if nd else tuple(idx.aval.shape)
        want = TensorShape(lead + shape[k:])
        if not upd.shape.is_compatible_with(want):
            raise ValueError(f"Shapes must be equal rank, and the updates {upd.shape} must have "
                             f"shape {want} for '{op_name}' (indices {idx.shape}, ref "
                             f"{TensorShape(shape)})")
        rest = shape[k:]
        flat = _ops.reshape(old, (int(np.prod(shape[:k], dtype=np.int64)),) + rest)
        from ._index_checks import checked_gather_indices, checked_scatter_indices
        if nd:                      # (TF's words for a bad index, before anything is written)
            pos = nd_rows(checked_scatter_indices(idx, shape[:k], "CheckIndices", shape),
                          shape[:k])
        else:
            i64 = _ops.cast(checked_gather_indices(idx, old, 0, "CheckIndices"), np.int64)
            bad = _ops.logical_or(_ops.less(i64, 0), _ops.greater_equal(i64, shape[0]))
            pos = _ops.reshape(_ops.where(bad, shape[0], i64), (-1,))
        new = combine_rows(mode, flat, pos, _ops.reshape(upd, (-1,) + rest))
        return ref.assign(_ops.reshape(new, shape))


def scatter_nd_update(ref, indices, updates, use_locking=True, name=None):
    """``ref[indices[..., :k]] = updates`` on a variable (the last of repeated indices wins)."""
    return _variable_scatter("ScatterNdUpdate", "update", ref, indices, updates, name, True)


def scatter_nd_add(ref, indices, updates, use_locking=False, name=None):
    """``ref[indices[..., :k]] += updates`` on a variable (repeated indices add up)."""
    return _variable_scatter("ScatterNdAdd", "add", ref, indices, updates, name, True)


def scatter_nd_sub(ref, indices, updates, use_locking=False, name=None):
    """``ref[indices[..., :k]] -= updates`` on a variable."""
    return _variable_scatter("ScatterNdSub", "sub", ref, indices, updates, name, True)


def scatter_mul(ref, indices, updates, use_locking=False, name=None):
    """``ref[indices] *= updates`` on a variable (rows along the first axis)."""
    return _variable_scatter("ScatterMul", "mul", ref, indices, updates, name, False)


def scatter_div(ref, indices, updates, use_locking=False, name=None):
    """``ref[indices] /= updates`` on a variable."""
    return _variable_scatter("ScatterDiv", "div", ref, indices, updates, name, False)


def scatter_max(ref, indices, updates, use_locking=False, name=None):
    """``ref[indices] = max(ref[indices], updates)`` on a variable."""
    return _variable_scatter("ScatterMax", "max", ref, indices, updates, name, False)


def scatter_min(ref, indices, updates, use_locking=False, name=None):
    """``ref[indices] = min(ref[indices], updates)`` on a variable."""
    return _variable_scatter("ScatterMin", "min", ref, indices, updates, name, False)


def row_update(ref, indices, updates, name=None):
    """``tf.scatter_update``'s value: the last of repeated indices wins (tf_extra uses it)."""
    return _variable_scatter("ScatterUpdate", "update", ref, indices, updates, name, False)


# ----------------------------------------------------------------------------- segments
def num_segments(segment_ids):
    """The number of segments of sorted ``segment_ids``: ``max(id) + 1`` (an int for ids
    known when the graph is built; for fed ids a scalar int64 tensor whose node refuses, when
    it runs, ids that decrease or are negative, as TensorFlow's sorted segment ops)."""
    ids = constant_value(segment_ids)
    if ids is None:
        from .host_ops import host_op
        t = to_tensor(segment_ids)
        return host_op("SortedSegmentCount", [t], [((), np.int64)],
                       name="SortedSegmentCount").outputs[0]
    ids = np.asarray(ids)
    return _sorted_count(ids)


def _sorted_count(ids):
    flat = np.asarray(ids).reshape(-1)
    if flat.size and np.any(np.diff(flat) < 0):
        raise ValueError("segment ids are not increasing")
    if flat.size and flat.min() < 0:
        raise ValueError(f"segment ids must be >= 0, got {int(flat.min())}")
    return int(flat.max()) + 1 if flat.size else 0


def _register():
    from .host_ops import register
    register("SortedSegmentCount", lambda ids: np.int64(_sorted_count(ids)))


_register()


def _segments(op_type, data, segment_ids, num_segments, name, mode, empty=None):
    x, ids = _args(data, segment_ids)
    if ids.aval.dtype.kind not in "iu":
        raise TypeError(f"{op_type}: segment_ids must be int32 or int64, got {ids.aval.dtype}")
    k = ids.aval.ndim
    from .unknown_rank_ops import refuse
    refuse(op_type, x, " (the segment ops need data's dimensions after the segment ones when "
           "the graph is built)")
    if not TensorShape(x.aval.shape[:k]).is_compatible_with(TensorShape(ids.aval.shape)):
        raise ValueError(f"{op_type}: segment_ids.shape {ids.shape} must be a prefix of "
                         f"data.shape {x.shape}")
    rest = tuple(x.aval.shape[k:])
    if None in rest:
        raise ValueError(f"{op_type}: data must have a static shape after the segment "
                         "dimensions")
    n = num_segments
    if not isinstance(n, (int, np.integer)):          # a tensor (or list): known or fed
        c = constant_value(n)
        if c is not None:
            n = c
        else:
            n = _ops.reshape(_ops.cast(to_tensor(n), np.int64), ())
    if not isinstance(n, Tensor):
        if np.ndim(n) != 0:
            raise ValueError(f"{op_type}: num_segments must be a scalar, got shape "
                             f"{list(np.shape(n))}")
        n = int(n)
        if n < 0:
            raise ValueError(f"{op_type}: Input num_segments == {n} must not be negative.")
    dt = x.aval.dtype
    if mode in ("max", "min"):
        info = np.finfo(dt) if is_floating(dt) else np.iinfo(dt)
        init = info.min if mode == "max" else info.max
    else:
        init = 1 if mode == "prod" else 0
    # row 0 takes the dropped (negative) ids, id i is row i + 1; row 0 is cut off at the end
    if isinstance(n, Tensor):
        from .run_time_shapes import _fill_at_run_time
        base = _fill_at_run_time([_ops.add(n, 1), *rest], init, dt, "Fill")
    else:
        base = constant(np.full((n + 1,) + rest, init, dt))

    def f(v, i, *n_in):
        if empty is None:           # (TF's words for an id past num_segments)
            from ._index_checks import checked_segment_ids
            i = checked_segment_ids(i, n_in[0] if n_in else n, "CheckSegmentIds")
        i64 = _ops.reshape(_ops.cast(i, np.int64), (-1,))
        pos = _ops.where(_ops.less(i64, 0), 0, _ops.add(i64, 1))
        rows = _ops.reshape(v, (-1,) + rest)
        zero = _ops.getitem(base, (Ellipsis,) + (0,) * len(rest))
        count = None
        # an empty sorted segment: 0 (1 for prod), what sum/mean/prod give already; max/min
        # need a mask (from the ids when they are constants, else from the counts)
        mask = empty is not None and mode in ("max", "min")
        known = constant_value(segment_ids) if mask else None
        if mode in ("mean", "sqrt_n") or (mask and known is None):
            ones = _ops.full_like(_ops.reshape(_ops.cast(i, dt), (-1,)), 1)
            count = _ops.scatter_add(ones, pos, zero)   # (zero: a shape template)
        if mode in ("max", "min", "prod"):
            out = scatter_combine(base, rows, row_indices(pos, rows), 0, mode)
        elif mode == "sum":
            out = _ops.add(base, _ops.scatter_add(rows, pos, base))
        else:
            out = _ops.scatter_add(rows, pos, base)
            c = _ops.maximum(count, 1)
            if mode == "sqrt_n":
                c = _ops.sqrt(c)
            out = _ops.div(out, _ops.reshape(c, (-1,) + (1,) * len(rest)))
        out = _ops.getitem(out, (slice(1, None),))
        if mask:                         # the sorted segment ops: an empty segment gives 0
            if known is not None:
                seen = np.zeros((int(n),) + (1,) * len(rest), bool)
                seen[np.unique(np.asarray(known))] = True
                hit = constant(seen)
            else:
                hit = _ops.greater(_ops.getitem(count, (slice(1, None),)), 0)
                hit = _ops.reshape(hit, (-1,) + (1,) * len(rest))
            out = _ops.where(hit, out, _ops.full_like(out, empty))
        return out
    if isinstance(n, Tensor):
        return _scoped(op_type, name, f, x, ids, n)
    return _scoped(op_type, name, f, x, ids)


def unsorted_segment_sum_dropping(data, segment_ids, num_segments, name=None):
    """``tf.unsorted_segment_sum`` (tf_extra's name delegates here): negative ids dropped."""
    return _segments("UnsortedSegmentSum", data, segment_ids, num_segments, name, "sum")


def unsorted_segment_max(data, segment_ids, num_segments, name=None):
    """Row ``i``: the elementwise maximum of the rows of ``data`` whose id is ``i``."""
    return _segments("UnsortedSegmentMax", data, segment_ids, num_segments, name, "max")


def unsorted_segment_min(data, segment_ids, num_segments, name=None):
    """Row ``i``: the elementwise minimum of the rows of ``data`` whose id is ``i``."""
    return _segments("UnsortedSegmentMin", data, segment_ids, num_segments, name, "min")


def unsorted_segment_prod(data, segment_ids, num_segments, name=None):
    """Row ``i``: the elementwise product of the rows of ``data`` whose id is ``i``."""
    return _segments("UnsortedSegmentProd", data, segment_ids, num_segments, name, "prod")


def unsorted_segment_mean(data, segment_ids, num_segments, name=None):
    """Row ``i``: the mean of the rows of ``data`` whose id is ``i`` (0 when none)."""
    return _segments("UnsortedSegmentMean", data, segment_ids, num_segments, name, "mean")


def unsorted_segment_sqrt_n(data, segment_ids, num_segments, name=None):
    """Row ``i``: the sum of the rows with id ``i`` divided by the square root of their
    number (0 when none)."""
    return _segments("UnsortedSegmentSqrtN", data, segment_ids, num_segments, name, "sqrt_n")


def _sorted(op_type, data, segment_ids, name, mode):
    return _segments(op_type, data, segment_ids, num_segments(segment_ids), name, mode,
                     empty=1 if mode == "prod" else 0)


def segment_sum(data, segment_ids, name=None):
    """Row ``i``: the sum of the rows with (sorted) id ``i``; 0 for an empty one."""
    return _sorted("SegmentSum", data, segment_ids, name, "sum")


def segment_mean(data, segment_ids, name=None):
    """Row ``i``: the mean of the rows with (sorted) id ``i``; 0 for an empty one."""
    return _sorted("SegmentMean", data, segment_ids, name, "mean")


def segment_max(data, segment_ids, name=None):
    """Row ``i``: the maximum of the rows with (sorted, known) id ``i``; 0 for an empty one."""
    return _sorted("SegmentMax", data, segment_ids, name, "max")


def segment_min(data, segment_ids, name=None):
    """Row ``i``: the minimum of the rows with (sorted, known) id ``i``; 0 for an empty one."""
    return _sorted("SegmentMin", data, segment_ids, name, "min")


def segment_prod(data, segment_ids, name=None):
    """Row ``i``: the product of the rows with (sorted, known) id ``i``; 1 for an empty one."""
    return _sorted("SegmentProd", data, segment_ids, name, "prod")


# ----------------------------------------------------------------------------- batch_gather
def batch_gather(params, indices, name=None):
    """``gather`` with every dimension of ``indices`` but the last a batch dimension."""
    from .sequence_ops import gather
    i = _args(indices)[0]
    b = i.aval.ndim - 1
    if b < 1:
        raise ValueError("batch_gather: indices must have rank >= 2 (batch dimensions and the "
                         f"gathered dimension), got {i.shape}")
    return gather(params, i, name=name or "BatchGather", axis=b, batch_dims=b)
