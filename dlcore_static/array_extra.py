"""TensorFlow 1's data-dependent array functions: ``unique``/``unique_with_counts``,
``bincount``, ``dynamic_partition``/``dynamic_stitch``, ``histogram_fixed_width``,
``space_to_depth``/``depth_to_space`` (NHWC) and ``tensor_scatter_nd_update/add/sub``.

Composites of dlcore ops where the output size can be computed by ops:

    unique:            a stable argsort, the starts of runs of equal values (``nonzero``), each
                       run's first position in x, and those positions sorted: the values in
                       order of first occurrence (TensorFlow's order, not sorted), ``idx`` by
                       scattering each run's rank back to x's positions
    dynamic_partition: one ``boolean_mask`` per partition (gradients flow to ``data``)
    histogram:         bin = clip(floor(nbins * (v - lo) / (hi - lo)), 0, nbins - 1), then a
                       ``scatter_add`` of ones
    space_to_depth:    reshape (b, h/s, s, w/s, s, c), transpose to (b, h/s, w/s, s, s, c),
                       reshape; depth_to_space is its inverse
    tensor_scatter:    ``scatter_nd`` of the updates (and of ones, for the mask of updated
                       positions), then ``where``; gradients flow to both

``bincount`` and ``dynamic_stitch`` produce a length known only from the *values*
(``max(arr) + 1``): they are host nodes (NumPy, as ``nonzero`` sizes its result on the host).
``dynamic_stitch``'s gradient is TensorFlow's: ``gather(g, indices[m])`` for each ``data[m]``.
"""

from __future__ import annotations

import numpy as np

from dlcore import ops as _ops
from dlcore.device import to_device, to_host
from dlcore.dtypes import is_floating
from dlcore.registry import AVal

from . import dtypes as _dtypes
from . import plan as _plan
from ._convert import _args, _scoped
from ._index_checks import checked_partitions
from .array_api import boolean_mask, scatter_nd
from .errors import InvalidArgumentError, node_suffix
from .frontend import constant, to_tensor
from .gradients import GRAD_RULES
from .graph import Operation, Tensor, TensorShape, get_default_graph

__all__ = [
    "bincount",
    "depth_to_space",
    "dynamic_partition",
    "dynamic_stitch",
    "histogram_fixed_width",
    "space_to_depth",
    "tensor_scatter_nd_add",
    "tensor_scatter_nd_sub",
    "tensor_scatter_nd_update",
    "unique",
    "unique_with_counts",
]


def _rank_error(x: Tensor, rank: int, name: str, op_type: str) -> ValueError:
    return ValueError(f"Shape must be rank {rank} but is rank {x.aval.ndim} for '{name}' "
                      f"(op: '{op_type}') with input shapes: {_list_shape(x)}.")


def _list_shape(x: Tensor) -> str:
    return "[" + ",".join("?" if d is None else str(d) for d in x.aval.shape) + "]"


# ============================================================================ unique
def _unique(x, out_idx, counts: bool, name, op_type: str):
    v = _args(x)[0]
    if v.aval.ndim != 1 or v.op.attrs.get("unknown_rank"):
        raise _rank_error(v, 1, name or op_type, op_type)
    idt = _dtypes.as_np(out_idx)
    if idt not in (np.dtype(np.int32), np.dtype(np.int64)):
        raise TypeError(f"Value passed to parameter 'out_idx' has DataType {idt} not in list "
                        "of allowed values: int32, int64")

    def f(xv):
        order = _ops.argsort(xv, 0)                               # stable
        s = _ops.take(xv, order)
        diff = _ops.not_equal(_ops.getitem(s, (slice(1, None),)),
                              _ops.getitem(s, (slice(0, -1),)))
        head = _ops.full_like(_ops.getitem(s, (slice(0, 1),)), True, np.bool_)
        starts = _ops.concatenate([head, diff], 0)
        pos = _ops.reshape(_ops.nonzero(starts), (-1,))            # run starts (sorted order)
        first = _ops.take(order, pos)                             # each run's first position
        rank = _ops.argsort(first, 0)                             # runs by first occurrence
        y = _ops.take(xv, _ops.take(first, rank))
        group = _ops.sub(_ops.cumsum(_ops.cast(starts, np.int64), 0), 1)
        new_id = _ops.argsort(rank, 0)                            # run -> output position
        idx_sorted = _ops.take(new_id, group)
        idx = _ops.scatter_add_along_axis(idx_sorted, order, _ops.zeros_like(order), 0)
        out = [y, _ops.cast(idx, idt)]
        if counts:
            ones = _ops.full_like(idx, 1, np.int64)
            out.append(_ops.cast(_ops.scatter_add(ones, idx, _ops.zeros_like(first)), idt))
        return tuple(out)
    return _scoped(op_type, name, f, v)


def unique(x, out_idx=_dtypes.int32, name=None):
    """``(y, idx)``: the distinct values of the 1-D ``x`` in order of first occurrence, and
    for each element of ``x`` the index of its value in ``y`` (``x == y[idx]``).

    Example::

        >>> import dlcore_static as tf
        >>> y, idx = tf.unique([1, 1, 2, 4, 4, 4, 7, 8, 8])
        >>> with tf.Session() as sess:
        ...     [v.tolist() for v in sess.run([y, idx])]
        [[1, 2, 4, 7, 8], [0, 0, 1, 2, 2, 2, 3, 4, 4]]
    """
    return _unique(x, out_idx, False, name, "Unique")


def unique_with_counts(x, out_idx=_dtypes.int32, name=None):
    """``(y, idx, count)``: :func:`unique` and how many times each value of ``y`` occurs.

    Example::

        >>> import dlcore_static as tf
        >>> y, idx, count = tf.unique_with_counts([4, 1, 4, 4])
        >>> with tf.Session() as sess:
        ...     [v.tolist() for v in sess.run([y, idx, count])]
        [[4, 1], [0, 1, 0, 0], [3, 1]]
    """
    return _unique(x, out_idx, True, name, "UniqueWithCounts")


# ============================================================================ histogram
def histogram_fixed_width(values, value_range, nbins=100, dtype=_dtypes.int32, name=None):
    """Counts of ``values`` in ``nbins`` equal bins over ``value_range`` = [lo, hi]; values
    below lo fall in the first bin, values at or above hi in the last.

    Example::

        >>> import dlcore_static as tf
        >>> h = tf.histogram_fixed_width([-1.0, 0.0, 1.5, 2.0, 5.0, 15.0], [0.0, 5.0], nbins=5)
        >>> with tf.Session() as sess:
        ...     sess.run(h).tolist()
        [2, 1, 1, 0, 2]
    """
    if isinstance(nbins, Tensor):
        if nbins.op.type != "Const":
            raise NotImplementedError("histogram_fixed_width: nbins must be known when the "
                                      "graph is built")
        nbins = nbins.op.attrs["value"]
    n = int(np.asarray(nbins))
    if n <= 0:
        raise InvalidArgumentError(None, None, f"nbins should be a positive number, but got "
                                               f"'{n}'")
    odt = _dtypes.as_np(dtype)
    v, r = _args(values, value_range)
    if not (v.aval.dtype.kind in "iu" or is_floating(v.aval.dtype)):
        raise TypeError(f"histogram_fixed_width: values must be numeric, got {v.dtype.name}")

    def f(vv, rv):
        ft = vv.aval.dtype if is_floating(vv.aval.dtype) else np.dtype(np.float64)
        vf = _ops.cast(_ops.reshape(vv, (-1,)), ft)
        rf = _ops.cast(rv, ft)
        lo, hi = _ops.getitem(rf, (0,)), _ops.getitem(rf, (1,))
        scaled = _ops.div(_ops.sub(vf, lo), _ops.sub(hi, lo))
        b = _ops.floor(_ops.mul(scaled, float(n)))
        b = _ops.minimum(_ops.maximum(b, 0.0), float(n - 1))
        idx = _ops.cast(b, np.int64)
        counts = _ops.scatter_add(_ops.full_like(idx, 1, np.int64), idx,
                                  constant(np.zeros(n, np.int64)))
        return _ops.cast(counts, odt)
    return _scoped("histogram_fixed_width", name, f, v, r)


# ============================================================================ partition
def dynamic_partition(data, partitions, num_partitions, name=None) -> list:
    """``num_partitions`` tensors: ``out[i] = data[partitions == i]`` (the leading dimensions
    of ``data`` that ``partitions`` covers are flattened), in order.

    Example::

        >>> import dlcore_static as tf
        >>> parts = tf.dynamic_partition([10, 20, 30, 40, 50], [0, 0, 1, 1, 0], 2)
        >>> with tf.Session() as sess:
        ...     [p.tolist() for p in sess.run(parts)]
        [[10, 20, 50], [30, 40]]
    """
    d, p = _args(data, partitions)
    k = int(num_partitions)
    if k < 1:
        raise ValueError(f"num_partitions must be at least 1, got {k}")
    if p.aval.dtype != np.int32:
        raise TypeError(f"Value passed to parameter 'partitions' has DataType {p.dtype.name} "
                        "not in list of allowed values: int32")
    if not TensorShape(d.aval.shape[:p.aval.ndim]).is_compatible_with(p.shape) or \
            d.aval.ndim < p.aval.ndim:
        raise ValueError(f"data.shape must start with partitions.shape, got data.shape = "
                         f"{_list_shape(d)}, partitions.shape = {_list_shape(p)}")
    g = get_default_graph()
    with g.name_scope(name or "DynamicPartition") as scope:
        if p.aval.ndim == 0:
            d, p = _ops.expand_dims(d, 0), _ops.expand_dims(p, 0)
        p = checked_partitions(p, k)
        out = [boolean_mask(d, _ops.equal(p, i), name=f"partition_{i}") for i in range(k)]
    g.alias_outputs(scope[:-1], out)    # TF1's one op: DynamicPartition:0, :1, ...
    return out


# ============================================================================ host nodes
def _host_op(kind: str, name, inputs, aval: AVal, **attrs) -> Tensor:
    g = get_default_graph()
    op = Operation(g, kind, g.unique_name(name or kind), inputs, [aval], attrs=attrs)
    return op.outputs[0]


def _host_factory(compute):
    def factory(op: Operation, session, device):
        on_host = device.type == "cpu"

        def run(*xs):
            vals = [np.asarray(x) if on_host else to_host(x) for x in xs]
            out = compute(op, *vals)
            return out if on_host else to_device(out, device)
        return run, {}
    return factory


def bincount(arr, weights=None, minlength=None, maxlength=None, dtype=_dtypes.int32):
    """``out[i]`` = how many times ``i`` occurs in ``arr`` (or the sum of ``weights`` where
    ``arr == i``), for i < max(max(arr) + 1, minlength), capped at ``maxlength``.

    Example::

        >>> import dlcore_static as tf
        >>> c = tf.bincount([1, 1, 3, 0], minlength=5)
        >>> with tf.Session() as sess:
        ...     sess.run(c).tolist()
        [1, 2, 0, 1, 0]
    """
    a = to_tensor(arr)
    if a.aval.dtype.kind not in "iu":
        raise TypeError(f"bincount: arr must be an integer tensor, got {a.dtype.name}")
    ins = [a]
    dt = _dtypes.as_np(dtype)
    if weights is not None:
        w = to_tensor(weights)
        if not w.shape.is_compatible_with(a.shape):
            raise ValueError(f"bincount: weights {w.shape} must have the shape of arr "
                             f"{a.shape}")
        ins.append(w)
        dt = w.aval.dtype
    length = None
    if maxlength is not None and minlength is not None and int(maxlength) == int(minlength):
        length = int(maxlength)
    return _host_op("Bincount", "bincount", ins, AVal((length,), dt),
                    minlength=None if minlength is None else int(minlength),
                    maxlength=None if maxlength is None else int(maxlength), dtype=dt)


def _bincount(op: Operation, a, w=None):
    a = a.reshape(-1)
    if a.size and a.min() < 0:
        raise InvalidArgumentError(None, op, "Input arr must be non-negative!"
                                   + node_suffix(op))
    n = int(a.max()) + 1 if a.size else 0
    mn, mx = op.attrs["minlength"], op.attrs["maxlength"]
    if mn is not None:
        n = max(n, mn)
    if mx is not None:
        n = min(n, mx)
    keep = a < n
    wt = None if w is None else w.reshape(-1)[keep]
    out = np.bincount(a[keep], weights=wt, minlength=n)[:n]
    return out.astype(op.attrs["dtype"])


def dynamic_stitch(indices, data, name=None) -> Tensor:
    """``merged[indices[m][i]] = data[m][i]`` over all m and i (a later (m, i) wins where
    indices repeat); ``merged`` has ``max(indices) + 1`` rows.  Gradients flow to ``data``.

    Example::

        >>> import dlcore_static as tf
        >>> m = tf.dynamic_stitch([[0, 2], [1, 3]], [[10.0, 30.0], [20.0, 40.0]])
        >>> with tf.Session() as sess:
        ...     sess.run(m).tolist()
        [10.0, 20.0, 30.0, 40.0]
    """
    if len(indices) != len(data) or not indices:
        raise ValueError(f"List argument 'data' to 'DynamicStitch' Op with length {len(data)} "
                         f"must match length {len(indices)} of argument 'indices'.")
    g = get_default_graph()
    idx = [to_tensor(i, g) for i in indices]
    dat = [to_tensor(d, g) for d in data]
    rest = None
    for m, (i, d) in enumerate(zip(idx, dat)):
        if i.aval.dtype != np.int32:
            raise TypeError(f"dynamic_stitch: indices[{m}] must be int32, got {i.dtype.name}")
        k = i.aval.ndim
        if d.aval.ndim < k or not TensorShape(d.aval.shape[:k]).is_compatible_with(i.shape):
            raise ValueError(f"data[{m}].shape = {_list_shape(d)} does not start with "
                             f"indices[{m}].shape = {_list_shape(i)}")
        r = TensorShape(d.aval.shape[k:])
        if rest is not None and not r.is_compatible_with(rest):
            raise ValueError(f"Need data[0].shape[{idx[0].aval.ndim}:] = {rest} to match "
                             f"data[{m}].shape[{k}:] = {r}")
        rest = r if rest is None else rest
        if d.aval.dtype != dat[0].aval.dtype:
            raise TypeError(f"dynamic_stitch: data[{m}] is {d.dtype.name}, data[0] is "
                            f"{dat[0].dtype.name}")
    assert rest is not None                  # (indices is not empty: checked above)
    return _host_op("DynamicStitch", name, idx + dat,
                    AVal((None,) + tuple(rest.dims or ()), dat[0].aval.dtype), n=len(idx))


def _dynamic_stitch(op: Operation, *vals):
    n = op.attrs["n"]
    idx, dat = vals[:n], vals[n:]
    rest = tuple(op.outputs[0].aval.shape[1:])
    rows = [d.reshape((-1,) + tuple(d.shape[i.ndim:])) for i, d in zip(idx, dat)]
    flat = [i.reshape(-1) for i in idx]
    size = max((int(f.max()) + 1 for f in flat if f.size), default=0)
    for f in flat:
        if f.size and f.min() < 0:
            raise InvalidArgumentError(None, op, f"indices[{int(f.min())}] is out of range"
                                       + node_suffix(op))
    shape = (size,) + (tuple(rows[0].shape[1:]) if rows else rest)
    out = np.zeros(shape, dtype=op.outputs[0].aval.dtype)
    for f, r in zip(flat, rows):
        out[f] = r
    return out


def _dynamic_stitch_grad(op: Operation, t, g):
    n = op.attrs["n"]
    return (None,) * n + tuple(_ops.take(g, _ops.cast(i, np.int64)) for i in op.inputs[:n])


_plan.EXECUTORS["Bincount"] = _host_factory(_bincount)
_plan.EXECUTORS["DynamicStitch"] = _host_factory(_dynamic_stitch)
GRAD_RULES["DynamicStitch"] = _dynamic_stitch_grad


# ============================================================================ space/depth
def _nhwc(x: Tensor, op: str, name: str, data_format: str, block_size) -> tuple:
    if data_format != "NHWC":
        raise NotImplementedError(f"{op}: only data_format='NHWC' is supported, got "
                                  f"{data_format!r}")
    bs = int(block_size)
    if bs < 2:
        raise ValueError(f"Value for attr 'block_size' of {bs} must be at least minimum 2")
    if x.aval.ndim != 4 or x.op.attrs.get("unknown_rank"):
        raise _rank_error(x, 4, name, op)
    _, h, w, c = x.aval.shape
    if h is None or w is None or c is None:
        raise ValueError(f"{op}: height, width and depth of {x.name} (shape {x.shape}) must be "
                         "known when the graph is built")
    return bs, h, w, c


def space_to_depth(input, block_size, name=None, data_format="NHWC"):
    """Blocks of ``block_size`` x ``block_size`` pixels moved into the depth: (b, h, w, c) ->
    (b, h/s, w/s, s*s*c), depth ordered (row in block, column in block, channel).

    Example::

        >>> import numpy as np
        >>> import dlcore_static as tf
        >>> y = tf.space_to_depth(np.arange(4.0).reshape(1, 2, 2, 1), 2)
        >>> with tf.Session() as sess:
        ...     sess.run(y).tolist()
        [[[[0.0, 1.0, 2.0, 3.0]]]]
    """
    x = _args(input)[0]
    bs, h, w, c = _nhwc(x, "SpaceToDepth", name or "SpaceToDepth", data_format, block_size)
    if h % bs or w % bs:
        raise ValueError(f"Image width {w} and height {h} should be divisible by block_size: "
                         f"{bs} for '{name or 'SpaceToDepth'}' (op: 'SpaceToDepth')")

    def f(v):
        y = _ops.reshape(v, (-1, h // bs, bs, w // bs, bs, c))
        y = _ops.transpose(y, (0, 1, 3, 2, 4, 5))
        return _ops.reshape(y, (-1, h // bs, w // bs, bs * bs * c))
    return _scoped("SpaceToDepth", name, f, x)


def depth_to_space(input, block_size, name=None, data_format="NHWC"):
    """The inverse of :func:`space_to_depth`: (b, h, w, s*s*c) -> (b, h*s, w*s, c).

    Example::

        >>> import numpy as np
        >>> import dlcore_static as tf
        >>> y = tf.depth_to_space(np.arange(4.0).reshape(1, 1, 1, 4), 2)
        >>> with tf.Session() as sess:
        ...     sess.run(y)[0, :, :, 0].tolist()
        [[0.0, 1.0], [2.0, 3.0]]
    """
    x = _args(input)[0]
    bs, h, w, c = _nhwc(x, "DepthToSpace", name or "DepthToSpace", data_format, block_size)
    if c % (bs * bs):
        raise ValueError(f"Dimension size must be evenly divisible by {bs * bs} but is {c} "
                         f"for '{name or 'DepthToSpace'}' (op: 'DepthToSpace')")
    co = c // (bs * bs)

    def f(v):
        y = _ops.reshape(v, (-1, h, w, bs, bs, co))
        y = _ops.transpose(y, (0, 1, 3, 2, 4, 5))
        return _ops.reshape(y, (-1, h * bs, w * bs, co))
    return _scoped("DepthToSpace", name, f, x)


# ============================================================================ tensor_scatter
def _tensor_scatter(kind: str, tensor, indices, updates, name):
    from .scatter_extra import tensor_scatter
    mode = {"TensorScatterUpdate": "update", "TensorScatterAdd": "add",
            "TensorScatterSub": "sub"}[kind]
    return tensor_scatter(mode, tensor, indices, updates, name)


def tensor_scatter_nd_update(tensor, indices, updates, name=None):
    """``tensor`` with the slices at ``indices`` replaced by ``updates`` (a copy; where an
    index repeats, the last update wins, as TensorFlow's CPU kernel).

    Example::

        >>> import dlcore_static as tf
        >>> y = tf.tensor_scatter_nd_update([1, 2, 3, 4], [[0], [2]], [9, 8])
        >>> with tf.Session() as sess:
        ...     sess.run(y).tolist()
        [9, 2, 8, 4]
    """
    return _tensor_scatter("TensorScatterUpdate", tensor, indices, updates, name)


def tensor_scatter_nd_add(tensor, indices, updates, name=None):
    """``tensor`` with ``updates`` added at ``indices`` (repeated indices add up).

    Example::

        >>> import dlcore_static as tf
        >>> y = tf.tensor_scatter_nd_add([1, 2, 3, 4], [[0], [0]], [5, 5])
        >>> with tf.Session() as sess:
        ...     sess.run(y).tolist()
        [11, 2, 3, 4]
    """
    return _tensor_scatter("TensorScatterAdd", tensor, indices, updates, name)


def tensor_scatter_nd_sub(tensor, indices, updates, name=None):
    """``tensor`` with ``updates`` subtracted at ``indices``.

    Example::

        >>> import dlcore_static as tf
        >>> y = tf.tensor_scatter_nd_sub([1.0, 2.0], [[1]], [0.5])
        >>> with tf.Session() as sess:
        ...     sess.run(y).tolist()
        [1.0, 1.5]
    """
    return _tensor_scatter("TensorScatterSub", tensor, indices, updates, name)
