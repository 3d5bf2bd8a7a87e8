"""Indexing primitives: basic slicing (``getitem``) with its scatter vjp (``slice_scatter``),
functional assignment (``index_update``, used for ``x[idx] = v``) and ``one_hot``.

An index is normalised into a hashable tuple (``canonical_index``) whose entries are an ``int``,
``None`` (a new axis) or ``('slice', start, stop, step)``; an ``Ellipsis`` is expanded.
Boolean-mask assignment (the seed's ``grad_h[h < 0] = 0``) is ``where(mask, value, x)``.
"""

from __future__ import annotations

import operator

import numpy as np

from .. import dtypes as _dt
from ..api import exports
from ..errors import AxisError, DTypeNotImplemented
from ..kernels.cpu import indexing as _cpu
from ..kernels.cpu import known_shapes as _cpu_known_shapes
from ..kernels.cuda import indexing as _cuda
from ..registry import AVal, Primitive, aval_of, bind
from .broadcast import sum_to
from .elementwise import cast


def canonical_index(idx, ndim: int) -> tuple:
    """Turn a NumPy basic index into dlcore's hashable canonical form."""
    if not isinstance(idx, tuple):
        idx = (idx,)
    consumed = sum(1 for i in idx if i is not None and i is not Ellipsis)
    out: list = []
    for i in idx:
        if i is Ellipsis:
            out.extend([("slice", None, None, None)] * (ndim - consumed))
            consumed = ndim
        elif i is None:
            out.append(None)
        elif isinstance(i, slice):
            out.append(("slice", _int_or_none(i.start), _int_or_none(i.stop),
                        _int_or_none(i.step)))
        elif isinstance(i, (int, np.integer)) and not isinstance(i, bool):
            out.append(int(i))
        else:
            raise TypeError(f"dlcore: getitem supports ints, slices, None and ..., not "
                            f"{type(i).__name__} (use where() for masks)")
    if consumed > ndim:
        # (an IndexError too, as PyTorch's; TensorFlow's ValueError: AxisError is both)
        raise AxisError("getitem", f"too many indices ({consumed}) for a tensor of rank {ndim}",
                        [])
    return tuple(out)


def _int_or_none(v):
    if v is None or type(v) is int:
        return v
    try:                                 # (int(1.5) truncated: x[1.5:3] was x[1:3])
        return operator.index(v)
    except TypeError:
        pass
    raise TypeError("slice indices must be integers or None or have an __index__ method")


def _getitem_rule(x: AVal, *, idx) -> AVal:
    shape: list[int | None] = []
    dim = 0
    for i in idx:
        if i is None:
            shape.append(1)
            continue
        if dim >= len(x.shape):
            raise AxisError("getitem", f"too many indices for tensor of dimension "
                            f"{len(x.shape)}", [x.shape])
        d = x.shape[dim]
        if isinstance(i, tuple):
            shape.append(None if d is None else len(range(*slice(*i[1:]).indices(d))))
        elif d is not None and not -d <= i < d:
            raise AxisError("getitem", f"index {i} is out of bounds for dimension {dim} with "
                             f"size {d}", [x.shape])
        dim += 1
    shape.extend(x.shape[dim:])
    return AVal(tuple(shape), x.dtype)


getitem_p = Primitive(
    "getitem", _getitem_rule, lambda g, y, x, *, idx: (slice_scatter(g, x, idx),),
    kind="index", view=True, tf_type="StridedSlice",
    doc="y = x[idx] (basic slicing);  dx = zeros like x with g placed at idx",
    kernels={"cpu": _cpu.getitem, "cuda": _cuda.getitem},
    static_cpu=_cpu_known_shapes.basic_slice)      # (a plan's: the index converted once)


def getitem(x, idx):
    """``x[idx]`` for a NumPy basic index, or an index already in canonical form (the vjps of
    slice_scatter and index_update pass their canonical ``idx`` back in)."""
    cidx = idx if _is_canonical(idx) else canonical_index(idx, aval_of(x).ndim)
    return bind(getitem_p, x, idx=cidx)


def _slice_scatter_rule(g: AVal, ref: AVal, *, idx) -> AVal:
    return AVal(ref.shape, g.dtype)


slice_scatter_p = Primitive(
    "slice_scatter", _slice_scatter_rule,
    lambda g, y, v, ref, *, idx: (getitem(g, idx), None), kind="index",
    doc="y = zeros(shape(ref)); y[idx] = v;  dv = g[idx]",
    kernels={"cpu": _cpu.slice_scatter, "cuda": _cuda.slice_scatter})


def slice_scatter(v, ref, idx):
    return bind(slice_scatter_p, v, ref, idx=idx)


def _index_update_rule(x: AVal, v: AVal, *, idx) -> AVal:
    if v.dtype != x.dtype:
        raise DTypeNotImplemented("index_update", "the value must have the tensor's dtype",
                                  [x.dtype, v.dtype])
    return AVal(x.shape, x.dtype)


index_update_p = Primitive(
    "index_update", _index_update_rule,
    lambda g, y, x, v, *, idx: (lambda: index_update(g, idx, 0),
                                lambda: sum_to(getitem(g, idx), v)),
    kind="index", doc="y = copy of x with y[idx] = v;  dx = g with g[idx] = 0,  dv = g[idx]",
    kernels={"cpu": _cpu.index_update, "cuda": _cuda.index_update})


def index_update(x, idx, v):
    """Functional ``x[idx] = v``: a new value equal to x except at idx."""
    cidx = idx if _is_canonical(idx) else canonical_index(idx, aval_of(x).ndim)
    if not _dt.is_python_scalar(v) and aval_of(v).dtype != aval_of(x).dtype:
        v = cast(v, aval_of(x).dtype)
    return bind(index_update_p, x, v, idx=cidx)


def _is_canonical(idx) -> bool:
    return isinstance(idx, tuple) and all(
        i is None or isinstance(i, int) or (isinstance(i, tuple) and i and i[0] == "slice")
        for i in idx)


# ----------------------------------------------------------------------------- one_hot
def _one_hot_rule(x: AVal, *, depth, dtype) -> AVal:
    if x.dtype.kind not in "iu":
        raise DTypeNotImplemented("one_hot", "indices must be integers", [x.dtype])
    return AVal(x.shape + (depth,), _dt.as_dtype(dtype))


one_hot_p = Primitive("one_hot", _one_hot_rule, None, kind="index", differentiable=False,
                      doc="y[..., k] = (x == k);  not differentiable",
                      kernels={"cpu": _cpu.one_hot, "cuda": _cuda.one_hot})


@exports({"torch.nn.functional": "one_hot", "tf": "one_hot"}, "sequence")
def one_hot(indices, depth, dtype=_dt.float32):
    return bind(one_hot_p, indices, depth=int(depth), dtype=_dt.as_dtype(dtype))
