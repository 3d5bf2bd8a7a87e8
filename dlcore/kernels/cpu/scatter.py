"""CPU kernels of ``scatter_set`` and ``scatter_combine`` (dlcore/ops/scatter_ops.py).

Each operand is viewed as ``(outer, n, inner)`` around the axis (as the along-axis gathers in
``scan.py``); a Numba loop (:mod:`._jit_scatter`, imported on first use) walks every line in
order ``k``, so repeated indices resolve deterministically: the last write wins for
``scatter_set``, values fold in index order for ``scatter_combine``.
"""

from __future__ import annotations

import numpy as np

from .scan import _check, lines

_CODES = {"max": 0, "min": 1, "prod": 2}


def _prepare(x, v, i, axis, op):
    out = np.array(x, copy=True, order="C")
    i = _check(np.asarray(i), x.shape[axis], op)
    shape3 = lines(np.shape(i), axis)
    return (out, np.ascontiguousarray(v).reshape(shape3),
            np.ascontiguousarray(i, dtype=np.int64).reshape(shape3),
            out.reshape(lines(x.shape, axis)))


def scatter_set(x, v, i, *, axis):
    """y = x;  y[..i[..k..]..] = v[..k..] in order k (last write wins)."""
    out, v3, i3, o3 = _prepare(x, v, i, axis, "scatter")
    if v3.size and o3.size:
        from ._jit_scatter import set3
        set3(v3, i3, o3)
    return out


def scatter_combine(x, v, i, *, axis, reduce):
    """y = x;  y[..i[..k..]..] = reduce(y[..], v[..k..]) in order k (max/min keep NaN)."""
    out, v3, i3, o3 = _prepare(x, v, i, axis, f"scatter_reduce({reduce})")
    if v3.size and o3.size:
        from ._jit_scatter import combine3
        combine3(v3, i3, o3, _CODES[reduce])
    return out


def minmax_grad(g, y, x, v, i, axis: int):
    """``(dx, dv)`` of ``scatter_combine``'s max/min for NumPy operands of one float dtype: its
    vjp rule's eleven steps as one Numba pass over each line, the same float operations in the
    same order (the same bits; a GNN's ``scatter_reduce(.., "amax")`` backward 11 kernel calls
    -> 1)."""
    from ._jit_scatter import minmax_grad3
    shape3 = lines(x.shape, axis)
    vshape3 = lines(v.shape, axis)
    dx = np.empty(x.shape, g.dtype)
    dv = np.empty(v.shape, g.dtype)
    i = _check(np.asarray(i), x.shape[axis], axis)
    if dx.size:
        minmax_grad3(np.ascontiguousarray(g).reshape(shape3),
                     np.ascontiguousarray(y).reshape(shape3),
                     np.ascontiguousarray(x).reshape(shape3),
                     np.ascontiguousarray(v).reshape(vshape3),
                     np.ascontiguousarray(i, dtype=np.int64).reshape(vshape3),
                     dx.reshape(shape3), dv.reshape(vshape3))
    elif dv.size:
        dv[...] = 0
    return dx, dv
