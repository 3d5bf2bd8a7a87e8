"""Scatter with *set* and *combine* semantics along an axis: the primitives behind PyTorch's
``x[idx] = v``, ``index_put_``, ``index_copy_``, ``scatter``, ``scatter_reduce`` and
``max_unpool``, and TensorFlow's ``tensor_scatter_nd_update/max/min`` and
``unsorted_segment_max/min/prod``.  (The *add* scatters are ``scatter_add`` in gather.py and
``scatter_add_along_axis`` in scan.py.)

Layout as ``take_along_axis``: ``v`` and the integer ``i`` have one shape, equal to ``x``'s
except along ``axis`` (any length ``m`` there); every (outer, inner) line is independent, and
``i[.., k, ..]`` names the position along the axis that ``v[.., k, ..]`` goes to (negative
indices count from the end; out-of-range ones raise IndexError).  A row scatter along axis 0
(``x[idx] = rows``) broadcasts ``i`` over the row.

    scatter_set(x, v, i)      y = x;  for k = 0 .. m-1 in order:  y[..i[..k..]..] = v[..k..]
                              Repeated indices: the last write wins (PyTorch on the CPU).
        winner = scatter_set(full(shape(x), -1), kpos, i)      kpos[..k..] = k  (int64)
        won[..k..] = (take_along_axis(winner, i) == k)          v[..k..]'s write survived
        dx = scatter_set(g, zeros_like(v), i)                   g, overwritten positions zeroed
        dv = where(won, take_along_axis(g, i), 0)
        This is the derivative (finite differences agree): a write that was overwritten has no
        effect on y, so its gradient is 0.  PyTorch's index_put/max_unpool backward and
        TensorFlow's TensorScatterUpdate gradient gather g for every write, overwritten ones
        included; they differ from dlcore only where indices repeat.

    scatter_combine(x, v, i, reduce)   reduce in 'max', 'min', 'prod':
                              y = x;  y[..i[..k..]..] = reduce(y[..i[..k..]..], v[..k..])
        max/min (PyTorch's scatter_reduce rule: the gradient is shared evenly by the ties):
            mx = (x == y),  mv = (v == take_along_axis(y, i)),  n = mx + scatter_add(mv, i)
            dx = g mx / n,  dv = take_along_axis(g / n, i) mv
        prod (zeros handled as PyTorch): with z = number of zero factors of each output
        element and p = the product of its non-zero factors,
            d y / d factor = p / factor      when z == 0
                           = p               when z == 1 and the factor is the zero one
                           = 0               otherwise

Kernels: the CPU walks each line in order (Numba), so the result is deterministic.  CUDA
(deterministic too): ``scatter_set`` finds the last writer of each destination with an atomic
max of ``k`` into an int64 buffer, then a second pass writes only the winners;
``scatter_combine`` runs one thread per destination element that folds its line's matching
values in order ``k`` (``m`` reads per thread: meant for the modest ``m`` of segment and
scatter reductions, exact and free of atomics on floating point).
"""

from __future__ import annotations

import numpy as np

from .. import dtypes as _dt
from ..dtypes import is_floating
from ..errors import DTypeNotImplemented
from ..kernels.cpu import scatter as _cpu
from ..kernels.cuda import scatter as _cuda
from ..registry import AVal, Primitive, aval_of, bind
from .elementwise import add, cast, div, equal, full_like, mul, where
from .scan import _axis, _index_rule, cumsum, scatter_add_along_axis, take_along_axis

REDUCTIONS = ("max", "min", "prod")


def _rule(name, x: AVal, v: AVal, i: AVal, axis) -> AVal:
    _index_rule(name, x, i, axis)
    if len(v.shape) != len(i.shape) or any(a is not None and b is not None and a != b
                                           for a, b in zip(v.shape, i.shape)):
        from ..errors import ShapeError
        raise ShapeError(name, "values and indices must have one shape",
                         [x.shape, v.shape, i.shape])
    if v.dtype != x.dtype:
        raise DTypeNotImplemented(
            name, "the values must have the tensor's dtype", [x.dtype, v.dtype])
    return AVal(tuple(x.shape), x.dtype)


def _set_rule(x: AVal, v: AVal, i: AVal, *, axis) -> AVal:
    return _rule("scatter_set", x, v, i, axis)


def _combine_rule(x: AVal, v: AVal, i: AVal, *, axis, reduce) -> AVal:
    if reduce not in REDUCTIONS:
        raise ValueError(f"scatter_combine: reduce must be one of {REDUCTIONS}, got {reduce!r}")
    if not (x.dtype.kind in "iu" or is_floating(x.dtype)):
        raise DTypeNotImplemented("scatter_combine", f"reduce={reduce!r} needs numbers", [x.dtype])
    return _rule("scatter_combine", x, v, i, axis)


def _positions(i, axis):
    """kpos[..k..] = k along ``axis`` (int64, i's shape)."""
    ones = full_like(i, 1, _dt.int64)
    return cumsum(ones, axis, exclusive=True)


def survivors(i, x, axis):
    """won[..k..]: whether the write of element k survives in scatter_set(x, v, i, axis)."""
    kpos = _positions(i, axis)
    winner = bind(scatter_set_p, full_like(x, -1, _dt.int64), kpos, i, axis=axis)
    return equal(take_along_axis(winner, i, axis), kpos)


def _set_vjp(g, y, x, v, i, *, axis):
    return (lambda: bind(scatter_set_p, g, full_like(v, 0, aval_of(g).dtype), i, axis=axis),
            lambda: where(survivors(i, x, axis), take_along_axis(g, i, axis),
                          full_like(v, 0, aval_of(g).dtype)),
            None)


_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def _minmax_vjp(g, y, x, v, i, axis):
    if type(g) is np.ndarray and type(y) is np.ndarray and type(x) is np.ndarray and \
            type(v) is np.ndarray and type(i) is np.ndarray and g.dtype in _FLOATS and \
            y.dtype is g.dtype and x.dtype is g.dtype and v.dtype is g.dtype:
        dx, dv = _cpu.minmax_grad(g, y, x, v, i, axis)      # (the steps below in one pass)
        return dx, dv, None
    dt = aval_of(g).dtype
    mx = cast(equal(x, y), dt)
    mv = cast(equal(v, take_along_axis(y, i, axis)), dt)
    gn = div(g, add(mx, scatter_add_along_axis(mv, i, x, axis)))
    return (lambda: mul(gn, mx), lambda: mul(take_along_axis(gn, i, axis), mv), None)


def _prod_vjp(g, y, x, v, i, axis):
    dt = aval_of(g).dtype
    zx, zv = equal(x, 0), equal(v, 0)
    z = add(cast(zx, dt), scatter_add_along_axis(cast(zv, dt), i, x, axis))
    x1 = where(zx, full_like(x, 1), x)
    v1 = where(zv, full_like(v, 1), v)
    p = bind(scatter_combine_p, x1, v1, i, axis=axis, reduce="prod")

    def d(factor1, is_zero, zz, pp, gg):
        zero = full_like(pp, 0)
        others = where(equal(zz, 0), div(pp, factor1),
                       where(is_zero, where(equal(zz, 1), pp, zero), zero))
        return mul(gg, others)
    return (lambda: d(x1, zx, z, p, g),
            lambda: d(v1, zv, take_along_axis(z, i, axis), take_along_axis(p, i, axis),
                      take_along_axis(g, i, axis)),
            None)


def _combine_vjp(g, y, x, v, i, *, axis, reduce):
    if reduce == "prod":
        return _prod_vjp(g, y, x, v, i, axis)
    return _minmax_vjp(g, y, x, v, i, axis)


scatter_set_p = Primitive(
    "scatter_set", _set_rule, _set_vjp, kind="index",
    doc="y = x; y[..i[..k..]..] = v[..k..] in order k (last write wins);  "
        "dx = scatter_set(g, 0, i),  dv = where(won, take_along_axis(g, i), 0)",
    kernels={"cpu": _cpu.scatter_set, "cuda": _cuda.scatter_set})
scatter_combine_p = Primitive(
    "scatter_combine", _combine_rule, _combine_vjp, kind="index",
    doc="y = x; y[..i[..k..]..] = reduce(y[..], v[..k..]) for reduce in max/min/prod;  "
        "max/min: the gradient shared by the ties; prod: the product of the other factors",
    kernels={"cpu": _cpu.scatter_combine, "cuda": _cuda.scatter_combine})


def scatter_set(x, v, indices, axis=0):
    """``x`` with ``v`` written at ``indices`` along ``axis`` (last write wins)."""
    return bind(scatter_set_p, x, v, indices, axis=_axis("scatter_set", x, axis))


def scatter_combine(x, v, indices, axis=0, reduce="max"):
    """``x`` with ``v`` folded in at ``indices`` along ``axis`` by max, min or prod."""
    return bind(scatter_combine_p, x, v, indices, axis=_axis("scatter_combine", x, axis),
                reduce=reduce)


def row_indices(indices, v):
    """Row indices (shape ``(m,)``) broadcast over the rest of ``v`` (``(m, *rest)``), for a
    row scatter along axis 0."""
    from .shape import broadcast_to, reshape
    vs = aval_of(v).shape
    i = reshape(indices, (-1,) + (1,) * (len(vs) - 1))
    if None in vs:                 # (a static graph's row count known at run time only)
        from .broadcast import broadcast_like
        return broadcast_like(i, v)
    return broadcast_to(i, tuple(vs))
