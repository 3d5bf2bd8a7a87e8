"""Array API under TensorFlow's names: placeholders, constants, fills, reshapes, joins, slicing.

``placeholder(dtype, shape)`` is an input slot with a static shape in which ``None`` is a
wildcard; a run that needs it must feed it.  ``placeholder_with_default`` runs its default when
nothing is fed.  The others wrap the core's functional ops (no arithmetic here).
"""

from __future__ import annotations

import numpy as np

from dlcore import ops as _ops
from dlcore.errors import ShapeError
from dlcore.ops.indexing import getitem_p as _getitem_p
from dlcore.ops.shape import concatenate_p as _concatenate_p
from dlcore.registry import AVal

from . import dtypes as _dtypes
from . import unknown_rank as _unknown_rank
from ._convert import _args, _list_operands, _named, _one_dtype, _scoped
from .errors import reraise_with_node
from .frontend import StaticFrontend, constant, rename, to_tensor
from .graph import (
    Operation,
    Tensor,
    TensorShape,
    _user_location,
    get_default_graph,
    new_op,
    setup_op,
)
from .run_time_shapes import _fill_at_run_time, _run_time_shape

# A node of graph tensors, as ``dlcore.registry.bind`` makes it, without its frame (the front
# end's location walk starts at the caller's caller either way: the user's line, issue 19).
_node = StaticFrontend.apply


def placeholder(dtype, shape=None, name: str | None = None) -> Tensor:
    """An input slot.  ``shape=None`` (unknown rank) accepts an array of any shape: ops built on
    it see a scalar at build time and compute with the fed array's shape at run time; an int
    ``shape=784`` means ``(784,)``."""
    g = get_default_graph()
    dt = _dtypes.as_np(dtype)
    if isinstance(shape, (int, np.integer)):
        shape = (int(shape),)
    dims = None if shape is None else getattr(shape, "dims", shape)
    dims = None if dims is None else tuple(dims)
    if dims is not None:
        dims = tuple(None if d is None or d == -1 else int(d) for d in dims)
    # (Operation(...).outputs[0] without the keyword call and the list: issue 19), named when
    # a name is asked for, as a Const (constant_op.constant)
    t = setup_op(new_op(Operation), g, "Placeholder", None, (),
                 (AVal(dims if dims is not None else (), dt),), None, None,
                 {"shape": dims, "unknown_rank": dims is None}, _user_location())
    return t if not name or name == "Placeholder" else rename(t, name, t.op._id)


def placeholder_with_default(input, shape, name: str | None = None) -> Tensor:
    g = get_default_graph()
    default = to_tensor(input, g)
    dims = tuple(None if d is None else int(d) for d in (getattr(shape, "dims", shape) or ()))
    op = Operation(g, "PlaceholderWithDefault", g.unique_name(name or "PlaceholderWithDefault"),
                   [default], [AVal(dims, default.aval.dtype)], attrs={"shape": dims})
    return op.outputs[0]


def _shape_tuple(shape) -> tuple:
    if isinstance(shape, TensorShape):
        return tuple(shape.as_list())
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    return tuple(int(d) for d in shape)


def zeros(shape, dtype=_dtypes.float32, name: str | None = None) -> Tensor:
    if _run_time_shape(shape):
        return _fill_at_run_time(shape, 0, dtype, name or "zeros")
    return constant(0, dtype, _shape_tuple(shape), name=name or "zeros")


def ones(shape, dtype=_dtypes.float32, name: str | None = None) -> Tensor:
    if _run_time_shape(shape):
        return _fill_at_run_time(shape, 1, dtype, name or "ones")
    return constant(1, dtype, _shape_tuple(shape), name=name or "ones")


def fill(dims, value, name: str | None = None) -> Tensor:
    return constant(value, None, _shape_tuple(dims), name=name or "Fill")


def zeros_like(tensor, dtype=None, name: str | None = None) -> Tensor:
    # (TF1: name_scope(name, "zeros_like"), the op takes the scope's name)
    return _named(lambda x: _ops.zeros_like(x, None if dtype is None else _dtypes.as_np(dtype)),
                  name or "zeros_like", tensor)


def ones_like(tensor, dtype=None, name: str | None = None) -> Tensor:
    return _named(lambda x: _ops.ones_like(x, None if dtype is None else _dtypes.as_np(dtype)),
                  name or "ones_like", tensor)


def identity(input, name: str | None = None) -> Tensor:
    return _named(_ops.identity, name, input)


def reshape(tensor, shape, name: str | None = None) -> Tensor:
    first = len(get_default_graph()._ops)
    x = _args(tensor)[0]
    if isinstance(shape, Tensor) or (isinstance(shape, (list, tuple)) and any(
            isinstance(d, Tensor) or hasattr(d, "_as_graph_element") for d in shape)):
        from .array_api import run_time_dims, static_shape_arg
        target = _unknown_rank.shape_target(shape)
        if target is not None:                      # a shape vector of unknown length, or
            return rename(_unknown_rank.reshape_to(  # the shape of a tensor of unknown rank
                x, target), name or "Reshape", first)
        dims = run_time_dims(x, shape)              # entries known only at run time: as TF1,
        if dims is not None:                        # unknown dimensions, not -1
            return rename(_ops.reshape_dynamic(x, dims), name or "Reshape", first)
        shape = static_shape_arg(x, shape)          # tf.reshape(x, [tf.shape(x)[0], -1])
    shape = tuple(-1 if d is None else int(d) for d in (
        shape.as_list() if isinstance(shape, TensorShape) else np.atleast_1d(shape).tolist()
        if not isinstance(shape, (list, tuple)) else shape))
    out = _ops.reshape(x, shape)
    if out is x:
        out = _ops.identity(x)
    return rename(out, name, first)


def transpose(a, perm=None, name: str = "transpose", conjugate: bool = False) -> Tensor:
    first = len(get_default_graph()._ops)
    x = _args(a)[0]
    if not x.aval.shape and _unknown_rank.unknown(x):
        return rename(_unknown_rank.transpose(x, perm), name or "transpose", first)
    try:
        out = _ops.transpose(x, None if perm is None else tuple(int(p) for p in perm))
    except ShapeError as e:
        reraise_with_node(e, name, "Transpose", [x])
    if out is x:
        out = _ops.identity(x)
    # (TF1: name_scope(name, "transpose"): name=None is transpose too)
    return rename(out, name or "transpose", first)


def concat(values, axis, name: str = "concat") -> Tensor:
    tv = type(values)
    if (tv is list or tv is tuple) and len(values) > 1 and type(axis) is int:
        # graph tensors of one dtype and an axis in range (issue 19): what
        # dlcore.ops.concatenate binds (no cast, the axis as it is), bound directly and named
        # there (rename's work, frontend.StaticFrontend.apply); _one_dtype's test inline
        x0 = values[0]
        if type(x0) is Tensor:
            a0 = x0.aval
            d = a0.dtype
            for v in values:
                if type(v) is not Tensor or v.aval.dtype is not d:
                    break
            else:
                if 0 <= axis < len(a0.shape):
                    return _node(_concatenate_p, tuple(values), {"axis": axis}, name, True)
    xs = list(values) if _one_dtype(values) else _list_operands("values", "ConcatV2", values)
    first = len(get_default_graph()._ops)
    if len(xs) > 1 and any(_unknown_rank.unknown(x) for x in xs):
        known = [x for x in xs if not _unknown_rank.unknown(x)]
        if not known:                   # the axis is taken on the fed arrays (TF's kernel)
            return rename(_unknown_rank.concat_along(xs, axis), name, first)
        # a known input's rank is the rank (TF's shape function): the axis is normalised
        # with it and the rule's trial ranks (frontend._unknown_rank_apply) keep the one
        from dlcore.ops._rules import normalize_axis
        nd = known[0].aval.ndim
        a = normalize_axis("ConcatV2", int(axis), nd, known[0].aval.shape)
        return rename(_node(_concatenate_p, tuple(xs), {"axis": a}), name, first)
    return rename(_ops.concatenate(xs, int(axis)), name, first)


def stack(values, axis: int = 0, name: str = "stack") -> Tensor:
    xs = _list_operands("values", "Pack", values)
    if any(_unknown_rank.unknown(x) for x in xs):
        from .unknown_rank_ops import stack as _stack
        return _scoped("stack", name or "stack", lambda *vs: _stack(list(vs), axis), *xs)
    if name is None:                    # TF1 passes None to the Pack op: Pack
        return _named(lambda *vs: _ops.stack(list(vs), axis), None, *xs)
    return _scoped("stack", name, lambda *vs: _ops.stack(list(vs), axis), *xs)


def expand_dims(input, axis=None, name: str | None = None, dim=None) -> Tensor:
    a = axis if axis is not None else dim
    if _unknown_rank.unknown(input):
        from .unknown_rank_ops import expand_dims as _expand
        return _named(lambda x: _expand(x, a), name, input, op_type="ExpandDims")
    return _named(lambda x: _ops.expand_dims(x, int(a)), name, input, op_type="ExpandDims")


def squeeze(input, axis=None, name: str | None = None, squeeze_dims=None) -> Tensor:
    a = axis if axis is not None else squeeze_dims
    first = len(get_default_graph()._ops)
    x = _args(input)[0]
    if _unknown_rank.unknown(x):
        from .unknown_rank_ops import squeeze as _squeeze
        return rename(_squeeze(x, a), name or "Squeeze", first)
    out = _ops.squeeze(x, a)
    if out is x:
        out = _ops.identity(x)
    return rename(out, name, first)


# (start, stop, step) of ``x[a:b:c]`` -> its canonical index: one tuple for every such slice
# (a tree net's ``E[w:w + 1]`` leaves, a graph built per batch: issue 19), which the cyclic
# collector's first look untracks (it holds no container), and with it the op's parameters
# dict: three objects fewer per slice node for it to walk when the graph is freed
_SLICE_INDEX: dict = {}


def getitem(x, idx) -> Tensor:
    """``x[idx]`` with ints, slices, None and Ellipsis, and scalar integer tensors (``x[i]``
    in a ``while_loop`` body: TensorFlow's strided slice with a computed begin), which pick
    along their axis as ``tf.gather`` does, negative values counting from the end."""
    t = x if type(x) is Tensor else _args(x)[0]
    # (named as TensorFlow's _slice_helper names it: ``strided_slice``)
    if type(idx) is slice and t.aval.shape:     # x[a:b]: no tensor index (issue 19)
        a, b, c = idx.start, idx.stop, idx.step
        if (a is None or type(a) is int) and (b is None or type(b) is int) and \
                (c is None or type(c) is int):
            # its canonical index written out (what canonical_index makes of it), named in
            # the node's making (rename's work, frontend.StaticFrontend.apply); one tuple
            # per index (_SLICE_INDEX)
            key = (a, b, c)
            index = _SLICE_INDEX.get(key)
            if index is None:
                if len(_SLICE_INDEX) >= 4096:
                    _SLICE_INDEX.clear()
                index = _SLICE_INDEX[key] = (("slice", a, b, c),)
            return _node(_getitem_p, (t,), {"idx": index}, "strided_slice",
                         True)          # (its index plain: frontend.StaticFrontend.apply)
    first = len(t.op.graph._ops)
    if not t.aval.shape and _unknown_rank.unknown(t):
        items = idx if isinstance(idx, tuple) else (idx,)
        if not any(isinstance(i, Tensor) or (type(i) is slice and _tensor_bounds(i))
                   for i in items):
            return rename(_unknown_rank.getitem(t, items), "strided_slice", first)
    if type(idx) is slice:              # (of a 0-d tensor: refused by the rule)
        if _tensor_bounds(idx):
            return _tensor_getitem(t, (idx,))
        return rename(_ops.getitem(t, idx), "strided_slice", first)
    if type(idx) is int:                # x[i]
        return rename(_ops.getitem(t, idx), "strided_slice", first)
    items = idx if isinstance(idx, tuple) else (idx,)
    for i in items:
        if isinstance(i, Tensor) or (type(i) is slice and _tensor_bounds(i)):
            return _tensor_getitem(t, items)
    return rename(_ops.getitem(t, idx), "strided_slice", first)


def _tensor_bounds(s: slice) -> bool:
    """A slice with a bound computed at run time (``x[:, :n]`` with ``n = tf.shape(y)[1]``)."""
    return isinstance(s.start, Tensor) or isinstance(s.stop, Tensor) or \
        isinstance(s.step, Tensor)


def _slice_range(y: Tensor, axis: int, s: slice) -> Tensor:
    """The int64 positions ``range(n)[s]`` of ``y``'s axis for a slice with run-time bounds
    (Python's clamping of negative and too large bounds; a positive int step)."""
    from .sequence_ops import range as _range
    step = s.step
    if step is not None and (isinstance(step, Tensor) or int(step) <= 0):
        raise NotImplementedError("a slice with a bound computed at run time takes a positive "
                                  f"int step, got {step!r}")
    n = _ops.cast(_ops.dim_size(y, axis), np.int64)

    def bound(v, default):
        if v is None:
            return default
        v = _ops.cast(v, np.int64) if isinstance(v, Tensor) else constant(int(v), np.int64)
        v = _ops.where(_ops.less(v, 0), _ops.add(v, n), v)
        return _ops.minimum(_ops.maximum(v, constant(0, np.int64)), n)

    start = bound(s.start, constant(0, np.int64))
    stop = _ops.maximum(bound(s.stop, n), start)
    return _range(start, stop, 1 if step is None else int(step))


def _tensor_getitem(t: Tensor, items: tuple) -> Tensor:
    from dlcore.ops import sequence as _seq
    for i in items:
        if type(i) is slice:
            for v in (i.start, i.stop, i.step):
                if isinstance(v, Tensor) and (v.aval.ndim != 0 or v.aval.dtype.kind not in "iu"):
                    raise TypeError(f"slice indices must be integers or None or have an "
                                    f"__index__ method, got {v!r}")
        if isinstance(i, Tensor) and (i.aval.ndim != 0 or i.aval.dtype.kind not in "iu"):
            raise TypeError(f"Only integers, slices (`:`), ellipsis (`...`), tf.newaxis "
                            f"(`None`) and scalar tf.int32/tf.int64 tensors are valid indices, "
                            f"got {i!r}")
    # the basic index with each tensor replaced by a full slice; where its axis ends up
    n_real = sum(1 for i in items if i is not None and i is not Ellipsis)
    basic: list = []
    picks: list = []
    out_axis = 0
    for i in items:
        if i is Ellipsis:
            out_axis += t.aval.ndim - n_real
            basic.append(i)
        elif isinstance(i, Tensor) or (type(i) is slice and _tensor_bounds(i)):
            picks.append((out_axis, i))         # (a scalar pick, or a run-time slice)
            basic.append(slice(None))
            out_axis += 1
        elif i is None or isinstance(i, slice):
            basic.append(i)
            out_axis += 1
        else:                                   # a Python int removes its axis
            basic.append(i)
    y = _ops.getitem(t, tuple(basic))
    for axis, i in reversed(picks):             # later axes first: earlier ones keep place
        if type(i) is slice:
            y = _seq.gather(y, _slice_range(y, axis, i), axis)
            continue
        i = _ops.cast(i, np.int64) if i.aval.dtype != np.int64 else i
        n = _ops.cast(_ops.dim_size(y, axis), np.int64)
        i = _ops.where(_ops.less(i, 0), _ops.add(i, n), i)
        y = _seq.gather(y, i, axis)
    return y


def shape(input, name: str | None = None, out_type=_dtypes.int32) -> Tensor:
    """The shape as a constant when it is fully known at build time."""
    t = _args(input)[0]
    if not t.shape.is_fully_defined():
        raise NotImplementedError("tf.shape of a tensor with unknown dimensions is not "
                                  "supported; use x.shape for the static shape")
    return constant(list(t.aval.shape), out_type, name=name or "Shape")


def size(input, name: str | None = None, out_type=_dtypes.int32) -> Tensor:
    t = _args(input)[0]
    if not t.shape.is_fully_defined():
        raise NotImplementedError("tf.size of a tensor with unknown dimensions")
    return constant(int(np.prod(t.aval.shape)), out_type, name=name or "Size")


def rank(input, name: str | None = None) -> Tensor:
    return constant(len(_args(input)[0].aval.shape), _dtypes.int32, name=name or "Rank")
