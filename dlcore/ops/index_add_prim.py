"""``index_add`` (PyTorch's ``index_add``/``index_add_``) as one primitive::

    index_add(x, i, v; axis)   y = x;  y[.., i[k], ..] += v[.., k, ..] along ``axis``, k
                               ascending (repeated indices add up, each into the sum so far)
                               dx = g;  dv = g[.., i, ..] (PyTorch's IndexAddBackward0)

``i`` is a vector of integers (PyTorch's 0-d index is made one by the composite); negative
indices count from the end.  One node where the composite (moves to the front, ``scatter_add``
into zeros, ``add``) made two or more, and the sum in PyTorch's CPU order: each contribution
added into ``x``'s running value (the composite added ``x`` to the contributions' own sum, a
different rounding where an index repeats).  The CPU kernel copies ``x`` once and adds rows in
place with ``kernels.cpu.gather.add_rows``, ``scatter_add``'s Numba loop (NumPy's ``add.at`` of
rows took 14.8 us of 90 x 16 where the loop takes 1.9); the CUDA
kernel adds rows into a copy with atomic adds (``kernels.cuda.gather.add_rows``).  A GNN's
``torch.zeros(n).index_add_(0, col, e)`` with grad: 24.4 -> 12.5 us with its ``zeros``
(PyTorch 3.0; issue 19).
"""

from __future__ import annotations

import numpy as np

from ..errors import ShapeError
from ..kernels.cpu import gather as _cpu_gather
from ..kernels.cuda import gather as _cuda_gather
from ..kernels.cuda import shape as _cuda_shape
from ..registry import AVal, Primitive, aval_of, bind
from .gather import _check_indices, take
from .shape import axis_to_front, transpose


def _index_add_rule(x: AVal, i: AVal, v: AVal, *, axis) -> AVal:
    _check_indices("index_add", i)
    if not 0 <= axis < x.ndim or i.ndim != 1:
        raise ShapeError("index_add", f"needs an axis of x and a vector of indices "
                         f"(axis {axis})", [x.shape, i.shape, v.shape])
    want = tuple(x.shape[:axis]) + tuple(i.shape) + tuple(x.shape[axis + 1:])
    if len(v.shape) != len(want) or any(a is not None and b is not None and a != b
                                        for a, b in zip(v.shape, want)):
        raise ShapeError("index_add", f"the values must have x's shape with axis {axis} the "
                         f"indices' length", [x.shape, i.shape, v.shape])
    if v.dtype != x.dtype:
        raise ShapeError("index_add", "x and the values must have one dtype",
                         [x.shape, v.shape])
    return AVal(tuple(x.shape), x.dtype)


def _index_add_cpu(x, i, v, *, axis):
    if axis:                            # (the axis moved to the front, in C order)
        y = np.ascontiguousarray(np.moveaxis(x, axis, 0))
        v = np.moveaxis(v, axis, 0)
    else:
        y = np.array(x, order="C")
    _cpu_gather.add_rows(y, i, v)
    return np.ascontiguousarray(np.moveaxis(y, 0, axis)) if axis else y


def _index_add_cuda(x, i, v, *, axis):
    nd = len(x.shape)
    perm = axis_to_front(nd, axis)[0]
    y = _cuda_shape.transpose(x, perm=perm)          # (a copy, the axis in front)
    if axis:
        v = _cuda_shape.transpose(v, perm=perm)
    _cuda_gather.add_rows(y, v, i)
    if not axis:
        return y
    return _cuda_shape.transpose(y, perm=axis_to_front(nd, axis)[1])


def _index_add_vjp(g, y, x, i, v, *, axis):
    return g, None, lambda: index_select_axis(g, i, axis)


def index_select_axis(g, i, axis: int):
    """``g``'s entries at ``i`` along ``axis`` (``take`` with the axis moved to the front and
    back)."""
    if not axis:
        return take(g, i)
    perm, inv = axis_to_front(aval_of(g).ndim, axis)
    return transpose(take(transpose(g, perm), i), inv)


index_add_p = Primitive(
    "index_add", _index_add_rule, _index_add_vjp, kind="index",
    doc="y = x; y[.., i[k], ..] += v[.., k, ..] along axis;  dx = g, dv = g[.., i, ..]",
    kernels={"cpu": _index_add_cpu, "cuda": _index_add_cuda})


def index_add(x, i, v, axis: int):
    """``index_add_p``: ``x`` with the entries of ``v`` added at ``i`` along ``axis`` (>= 0)."""
    return bind(index_add_p, x, i, v, axis=int(axis))
