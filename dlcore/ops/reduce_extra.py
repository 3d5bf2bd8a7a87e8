"""More reductions and shape queries: ``prod`` (a primitive), ``reduce_any``/``reduce_all``
(composites on ``sum``), ``nonzero`` (indices of the true elements: its output length is only
known at run time) and ``shape_of`` (a tensor's shape as an int32 vector, for dimensions unknown
until run time, TensorFlow's ``tf.shape``).

    prod(x, axes)        y = product over axes
                         dx = g * prod of the other elements: g y / x where x != 0; where x is
                         the only zero of its slice, g * (product of the non-zeros); else 0
    reduce_any(x, axes)  = sum(x != 0) > 0          reduce_all(x, axes) = sum(x == 0) == 0
    nonzero(x)           int64 (n, rank): the coordinates of the non-zero elements, row-major
    shape_of(x)          int32 (rank,): x's run-time shape
    arange(start, limit, delta)   (n,): start + k delta for k < n, n = ceil((limit - start) /
                         delta), from three 0-d values (TensorFlow's ``Range`` with tensor
                         bounds: its length is known only at run time); not differentiable
"""

from __future__ import annotations

import numpy as np

from .. import dtypes as _dt
from ..api import exports
from ..errors import ShapeError
from ..registry import AVal, Primitive, aval_of, bind
from . import _rules
from . import elementwise as _ew
from . import shape as _shape
from .reduce import sum as _sum


# ----------------------------------------------------------------------------- prod
def _prod_rule(x: AVal, *, axes, keepdims) -> AVal:
    _rules.require_numeric("prod", x)
    for a in axes:
        if a >= x.ndim:
            raise ShapeError("prod", f"axis {a} is out of range for rank {x.ndim}", [x.shape])
    kept = tuple(1 if i in axes else d for i, d in enumerate(x.shape)) if keepdims else \
        tuple(d for i, d in enumerate(x.shape) if i not in axes)
    return AVal(kept, x.dtype)


def _prod_vjp(g, y, x, *, axes, keepdims):
    if not keepdims:
        g = _shape.expand_dims(g, axes)
        y = _shape.expand_dims(y, axes)
    zero = _ew.equal(x, 0)
    nzeros = _sum(_ew.cast(zero, _dt.int32), axes, keepdims=True)
    safe = _ew.where(zero, _ew.ones_like(x), x)
    prod_nz = prod(safe, axes, keepdims=True)
    gy = _ew.mul(g, y)
    other = _ew.where(zero, _ew.where(_ew.equal(nzeros, 1), _ew.mul(g, prod_nz),
                                      _ew.zeros_like(gy)), _ew.div(gy, safe))
    return (_shape.broadcast_like(other, x),)


def _cpu_prod(x, *, axes, keepdims):
    x = np.asarray(x)
    return np.asarray(np.prod(x, axis=tuple(axes), keepdims=keepdims, dtype=x.dtype))


def _cuda_prod(x, *, axes, keepdims):
    from ..kernels.cuda import reduce as _cuda_reduce
    return _cuda_reduce.prod(x, axes=axes, keepdims=keepdims)


prod_p = Primitive("prod", _prod_rule, _prod_vjp, kind="reduce",
                   doc="y = product over axes;  dx = g * (product of the other elements)",
                   kernels={"cpu": _cpu_prod, "cuda": _cuda_prod})


@exports({"tf": "reduce_prod", "tf.math": "reduce_prod", "keras.backend": "prod"}, "reduce",
         prim=prod_p, tf_type="Prod")
def prod(x, axis=None, keepdims=False):
    av = aval_of(x)
    return bind(prod_p, x, axes=_rules.normalize_axes("prod", axis, av.ndim, av.shape),
                keepdims=bool(keepdims))


# ----------------------------------------------------------------------------- any / all
@exports({"tf": "reduce_any", "tf.math": "reduce_any", "keras.backend": "any"}, "reduce",
         tf_type="Any")
def reduce_any(x, axis=None, keepdims=False):
    """True where some element along ``axis`` is non-zero."""
    return _ew.greater(_sum(_ew.not_equal(x, False if aval_of(x).dtype == _dt.bool_ else 0),
                            axis, keepdims), 0)


@exports({"tf": "reduce_all", "tf.math": "reduce_all", "keras.backend": "all"}, "reduce",
         tf_type="All")
def reduce_all(x, axis=None, keepdims=False):
    """True where every element along ``axis`` is non-zero."""
    return _ew.equal(_sum(_ew.equal(x, False if aval_of(x).dtype == _dt.bool_ else 0),
                          axis, keepdims), 0)


# ----------------------------------------------------------------------------- nonzero
def _nonzero_rule(x: AVal) -> AVal:
    return AVal((None, x.ndim), _dt.int64)


def _cpu_nonzero(x):
    return np.argwhere(np.asarray(x)).astype(np.int64)


def _cuda_nonzero(x):
    # The output length depends on the data: one device-to-host copy of the mask is needed to
    # size the result anyway, so the coordinates are found on the host and copied back.
    from numba import cuda
    return cuda.to_device(np.ascontiguousarray(_cpu_nonzero(x.copy_to_host())))


nonzero_p = Primitive("nonzero", _nonzero_rule, None, kind="index", differentiable=False,
                      doc="y = coordinates (n, rank) of the non-zero elements;  "
                          "not differentiable",
                      kernels={"cpu": _cpu_nonzero, "cuda": _cuda_nonzero})


def nonzero(x):
    """int64 ``(n, rank)``: the coordinates of the non-zero elements (row-major order)."""
    return bind(nonzero_p, x)


# ----------------------------------------------------------------------------- shape_of
def _shape_of_rule(x: AVal) -> AVal:
    return AVal((x.ndim,), _dt.int32)


def _cpu_shape_of(x):
    return np.asarray(x.shape, dtype=np.int32).reshape(len(x.shape))


def _cuda_shape_of(x):
    from numba import cuda
    return cuda.to_device(_cpu_shape_of(x))


shape_of_p = Primitive("shape_of", _shape_of_rule, None, kind="other", differentiable=False,
                       doc="y = the run-time shape of x (int32);  not differentiable",
                       kernels={"cpu": _cpu_shape_of, "cuda": _cuda_shape_of})


def shape_of(x):
    """x's shape as an int32 vector, computed when the graph runs."""
    return bind(shape_of_p, x)


def dim_size(x, axis: int):
    """Dimension ``axis`` of ``x``: an int when known, else a 0-d int64 value computed at run
    time (``shape_of(x)[axis]``)."""
    d = aval_of(x).shape[axis]
    if d is not None:
        return int(d)
    from .indexing import getitem
    return _ew.cast(getitem(shape_of(x), (axis,)), _dt.int64)


# ----------------------------------------------------------------------------- arange
def _arange_rule(start: AVal, limit: AVal, delta: AVal, *, dtype) -> AVal:
    for what, a in (("start", start), ("limit", limit), ("delta", delta)):
        if a.ndim != 0:
            raise ShapeError("range", f"Shape must be rank 0 but is rank {a.ndim} for "
                             f"'{what}'", [start.shape, limit.shape, delta.shape])
    return AVal((None,), np.dtype(dtype))


def range_length(start, limit, delta) -> int:
    """TensorFlow's ``Range`` length, with its checks (ValueError, TensorFlow's words)."""
    if delta == 0:
        raise ValueError(f"Requires delta != 0: {delta}")
    if delta > 0 and start > limit:
        raise ValueError(f"Requires start <= limit when delta > 0: {start}/{limit}")
    if delta < 0 and start < limit:
        raise ValueError(f"Requires start >= limit when delta < 0: {start}/{limit}")
    if isinstance(start, (int, np.integer)) and isinstance(delta, (int, np.integer)) \
            and isinstance(limit, (int, np.integer)):
        return (abs(int(limit) - int(start)) + abs(int(delta)) - 1) // abs(int(delta))
    return int(np.ceil(abs((limit - start) / delta)))


def _cpu_arange(start, limit, delta, *, dtype):
    s, lim, d = (np.asarray(v, np.dtype(dtype)).reshape(())[()] for v in (start, limit, delta))
    n = range_length(s, lim, d)
    return (np.asarray(s, np.dtype(dtype)) + np.arange(n, dtype=np.dtype(dtype))
            * np.asarray(d, np.dtype(dtype))).astype(np.dtype(dtype))


def _cuda_arange(start, limit, delta, *, dtype):
    # The length depends on the values: they are read on the host anyway to size the result.
    from numba import cuda
    host = [v.copy_to_host() if hasattr(v, "copy_to_host") else v
            for v in (start, limit, delta)]
    return cuda.to_device(np.ascontiguousarray(_cpu_arange(*host, dtype=dtype)))


arange_p = Primitive("arange", _arange_rule, None, kind="index", differentiable=False,
                     doc="y[k] = start + k delta for k < ceil((limit - start) / delta);  not "
                         "differentiable (TensorFlow's Range has no gradient)",
                     kernels={"cpu": _cpu_arange, "cuda": _cuda_arange})


def arange(start, limit, delta, dtype):
    """``[start, start + delta, ...)`` up to ``limit`` from three 0-d values, as ``dtype``;
    its length is known only at run time (``(None,)``)."""
    return bind(arange_p, start, limit, delta, dtype=np.dtype(dtype).name)
