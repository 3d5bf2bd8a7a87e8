"""Reductions: ``sum``, ``max``, ``min`` over any axes (with ``keepdims``) and ``argmax``
(``sum_to``, the reduction that undoes broadcasting in every vjp, is in :mod:`.broadcast`
with ``broadcast_to``, its transpose; it is re-exported here).

Axes are normalised by the functional wrappers into a sorted tuple of non-negative ints, so the
primitives' parameters are hashable and canonical (the graph compiler keys its caches on them).
"""

from __future__ import annotations

import numpy as np

from .. import dtypes as _dt
from ..api import exports
from ..errors import ShapeError
from ..kernels.cpu import reduce as _cpu
from ..kernels.cpu import shape as _cpu_shape
from ..kernels.cuda import reduce as _cuda
from ..registry import CONCRETE, AVal, Primitive, aval_of, bind
from . import _rules
from . import elementwise as _ew
from . import shape as _shape
from ._fastpath import LEAN_VJPS, lean2
from .broadcast import broadcast_like_p as _broadcast_like_p
from .broadcast import sum_to  # noqa: F401 - the reductions' home name


def _reduced_shape(shape, axes, keepdims):
    if keepdims:
        return tuple(1 if i in axes else d for i, d in enumerate(shape))
    return tuple(d for i, d in enumerate(shape) if i not in axes)


def _reduce_rule(name):
    def rule(x: AVal, *, axes, keepdims) -> AVal:
        if name != "sum":
            _rules.require_numeric(name, x)
            for a in axes:
                if x.shape[a] == 0:
                    raise ShapeError(name, f"cannot reduce over the empty axis {a} (it has no "
                                     "identity)", [x.shape])
        dtype = x.dtype
        if name == "sum" and dtype.kind == "b":
            dtype = _dt.int64
        return AVal(_reduced_shape(x.shape, axes, keepdims), dtype)
    return rule


#: below this many elements a whole reduction's 0-d cotangent (eager backward's buffers) is
#: spread into a fresh C-contiguous array rather than a stride-0 view (``_spread``)
SPREAD_BELOW = 4096


def _spread(g, shape, size: int):
    """A 0-d buffer ``g``'s value over ``shape`` (``size`` elements), as eager backward hands a
    whole sum's or mean's cotangent on: for fewer than ``SPREAD_BELOW`` elements a fresh
    C-contiguous array (NumPy's empty and one fill, 0.30 us against the ndarray constructor's
    0.55 us for a 4x8 view; the next ufunc on it 0.28 against 0.71-0.97 us, NumPy's strided
    path for a stride-0 operand; a leaf's .grad then takes it without a copy), else the
    read-only stride-0 view ``_broadcast`` makes (no memory per element)."""
    if size < SPREAD_BELOW:
        v = np.empty(shape, g.dtype)
        v[...] = g
        return v
    v = np.ndarray(shape, g.dtype, g, 0, (0,) * len(shape))
    v.flags.writeable = False
    return v


def _sum_vjp(g, y, x, *, axes, keepdims):
    if type(g) is np.ndarray and type(x) is np.ndarray and \
            _shape.expand_dims_p.kernels["cpu"] is _cpu_shape.expand_dims and \
            _broadcast_like_p.kernels["cpu"] is _cpu_shape.broadcast_like:
        # eager backward's buffers (g of y's shape, checked by the engine): the two CPU kernels
        # bind would call, whose rules hold (expand_dims at the normalised axes restores x's
        # rank; x's shape is g's with those ones broadcast), without the op layers (issue 19:
        # 3.9 -> 1.4-2.0 us, two in a 10-op chain's backward)
        if not g.ndim and x.ndim:
            # a whole reduction's 0-d cotangent (a loss's sum or mean): the view _broadcast
            # makes of it, made at once (0.58 against 1.05 us a 4x8 input)
            v = np.ndarray(x.shape, g.dtype, g, 0, (0,) * x.ndim)
            v.flags.writeable = False
            return (v,)
        if not keepdims and axes and axes[-1] != len(axes) - 1:
            g = _cpu_shape.expand_dims(g, axes=axes)  # (leading axes: broadcasting adds them)
        return (g if g.shape == x.shape else _cpu_shape.broadcast_like(g, x),)
    fe = lean2(g, x, shaped=False) if type(g) in CONCRETE else None
    if fe is not None:
        return _sum_lean(fe, g, y, x, axes=axes, keepdims=keepdims)
    if not keepdims:
        if type(g) is np.ndarray and axes:
            # (the eager backward's buffers: ``axes`` are already normalised for x's rank,
            # which is the rank expand_dims restores, so its argument handling is skipped)
            g = bind(_shape.expand_dims_p, g, axes=axes)
        else:
            g = _shape.expand_dims(g, axes)
    return (_shape.broadcast_like(g, x),)


def _sum_lean(fe, g, y, x, *, axes, keepdims):
    """_sum_vjp's concrete values (create_graph): the front end's lanes for its ops; a whole
    reduction's 0-d cotangent as one broadcast_to (PyTorch's ExpandBackward0, as the buffers'
    branch above makes one view), where the general path makes two."""
    xs = x._buf.shape
    if not g._buf.ndim and xs:
        return (fe.expand(g, xs),)          # (the lane's entry for that view)
    if not keepdims and axes:
        g = fe.apply(_shape.expand_dims_p, (g,), {"axes": axes})
    return (g if g._buf.shape == xs else _shape.broadcast_like(g, x),)


def _minmax_vjp(g, y, x, *, axes, keepdims):
    # The gradient is shared equally between the positions that hold the extreme value.
    if not keepdims:
        g = _shape.expand_dims(g, axes)
        y = _shape.expand_dims(y, axes)
    mask = _ew.cast(_ew.equal(x, y), aval_of(g).dtype)
    count = sum(mask, axes, keepdims=True)
    return (_ew.mul(_ew.div(mask, count), g),)


sum_p = Primitive("sum", _reduce_rule("sum"), _sum_vjp, kind="reduce",
                  doc="y = sum over axes of x;  dx = broadcast(g) back to x's shape",
                  kernels={"cpu": _cpu.sum, "cuda": _cuda.sum})
LEAN_VJPS[sum_p] = _sum_lean
max_p = Primitive("max", _reduce_rule("max"), _minmax_vjp, kind="reduce",
                  doc="y = max over axes;  dx = g * [x == y] / count([x == y])",
                  kernels={"cpu": _cpu.max, "cuda": _cuda.max})
min_p = Primitive("min", _reduce_rule("min"), _minmax_vjp, kind="reduce",
                  doc="y = min over axes;  dx = g * [x == y] / count([x == y])",
                  kernels={"cpu": _cpu.min, "cuda": _cuda.min})


def _axes(name, x, axis):
    av = aval_of(x)
    return _rules.normalize_axes(name, axis, av.ndim, av.shape)


@exports({"torch": "sum", "Tensor": "sum", "tf": "reduce_sum", "tf.math": "reduce_sum"},
         "reduce", prim=sum_p, int_to_int64=True, axes_bind=True, tf_type="Sum")
def sum(x, axis=None, keepdims=False):  # noqa: A001 - NumPy's name
    return bind(sum_p, x, axes=_axes("sum", x, axis), keepdims=bool(keepdims))


@exports({"torch": "amax", "Tensor": "amax", "tf": "reduce_max", "tf.math": "reduce_max"},
         "reduce", prim=max_p, axes_bind=True, tf_type="Max")
def max_(x, axis=None, keepdims=False):
    return bind(max_p, x, axes=_axes("max", x, axis), keepdims=bool(keepdims))


@exports({"torch": "amin", "Tensor": "amin", "tf": "reduce_min", "tf.math": "reduce_min"},
         "reduce", prim=min_p, axes_bind=True, tf_type="Min")
def min_(x, axis=None, keepdims=False):
    return bind(min_p, x, axes=_axes("min", x, axis), keepdims=bool(keepdims))


# ----------------------------------------------------------------------------- argmax
def _argmax_rule(x: AVal, *, axis, keepdims) -> AVal:
    _rules.require_numeric("argmax", x)
    if x.shape[axis] == 0:
        raise ShapeError("argmax", f"cannot take argmax over the empty axis {axis}", [x.shape])
    return AVal(_reduced_shape(x.shape, (axis,), keepdims), _dt.int64)


argmax_p = Primitive("argmax", _argmax_rule, None, kind="reduce", differentiable=False,
                     tf_type="ArgMax",
                     doc="y = index of the first maximum along axis (int64);  not differentiable",
                     kernels={"cpu": _cpu.argmax, "cuda": _cuda.argmax})


def argmax(x, axis=None, keepdims=False):
    """Index of the maximum along ``axis`` (over the flattened array when axis is None)."""
    if axis is None:
        x = _shape.reshape(x, (-1,))
        axis = 0
    av = aval_of(x)
    return bind(argmax_p, x, axis=_rules.normalize_axis("argmax", int(axis), av.ndim, av.shape),
                keepdims=bool(keepdims))
