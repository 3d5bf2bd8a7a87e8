"""CPU kernels of hardshrink, softshrink, threshold and their gradients
(``dlcore.ops.shrink``; PyTorch's vectorised CPU bodies)::

    hardshrink(x; l)         = 0 if -l <= x <= l else x             (NaN: NaN)
    softshrink(x; l)         = x - l above l, x + l below -l, else 0 (NaN: NaN)
    shrink_grad(g, x; l)     = g if x > l or x < -l else 0          (NaN x: 0)
    threshold(x; t, v)       = v if x <= t else x                   (NaN: NaN)
    threshold_grad(g, x; t)  = 0 if x <= t else g                   (NaN x: g)

The zeros are +0.0.  float32/float64 arrays run one Numba pass (compiled on first use, cached
on disk) in their memory order (C or Fortran; another layout is copied C-ordered first), the
numbers rounded to the dtype first; a gradient whose operands differ in shape or layout, and
the half types (in float32, rounded once, as PyTorch's opmath), take NumPy.
"""

from __future__ import annotations

import numpy as np

from ... import dtypes as _dt
from .flat import dense as _dense
from .flat import empty as _out
from .flat import flat as _flat

_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)
_jit = None


def _loops():
    global _jit
    if _jit is None:
        from . import _jit_shrink
        _jit = _jit_shrink
    return _jit


def _unary(loop: str, np_form):
    """The kernel ``f(x, a, b)`` running ``_jit_shrink``'s ``loop`` on float32/float64 ``x``
    with ``a``, ``b`` as scalars of its dtype, ``np_form(x, a, b)`` otherwise."""
    def kernel(x, a, b):
        d = x.dtype
        if d is _F32 or d is _F64:
            t = d.type
            if x.flags.c_contiguous:
                out = np.empty(x.shape, d)
                getattr(_jit or _loops(), loop)(x.reshape(-1), out.reshape(-1), t(a), t(b))
                return out
            f, order = _dense(x)
            out, flat = _out(x.shape, d, order)
            getattr(_jit or _loops(), loop)(f, flat, t(a), t(b))
            return out
        w = x.astype(_F32) if _dt.is_half(d) else x
        with np.errstate(invalid="ignore"):
            return np_form(w, *_nums(d, w.dtype, (a, b))).astype(d, copy=False)
    return kernel


def _nums(d, w, nums) -> tuple:
    """The numbers rounded to the dtype ``d`` (a half type's too), as scalars of ``w``'s."""
    return tuple(np.asarray(v, d).astype(w)[()] for v in nums)


def _grad(loop: str, np_form):
    """The gradient kernel ``f(g, x, *nums)``: ``loop`` on same-shape float32/float64 operands
    of one dtype and memory order, ``np_form(g, x, *nums)`` (broadcasting) otherwise."""
    def kernel(g, x, *nums):
        d = g.dtype
        if (d is _F32 or d is _F64) and x.dtype is d and g.shape == x.shape:
            fx, fg = _flat(x), _flat(g)
            if fx is not None and fg is not None and fx[1] == fg[1]:
                out, flat = _out(x.shape, d, fx[1])
                getattr(_jit or _loops(), loop)(fg[0], fx[0], flat, *(d.type(v) for v in nums))
                return out
        half = _dt.is_half(d)
        w = x.astype(_F32) if half else x
        gw = g.astype(_F32) if half else g
        with np.errstate(invalid="ignore"):
            y = np_form(gw, w, *_nums(d, np.result_type(gw, w), nums))
        return y.astype(d, copy=False)
    return kernel


def _np_hardshrink(x, lo, hi):
    return np.where((x >= lo) & (x <= hi), x - x, x)


def _np_softshrink(x, lo, hi):
    return np.where(x > hi, x - hi, np.where(x < lo, x - lo, x - x))


def _np_shrink_grad(g, x, lo, hi):
    return np.where((x > hi) | (x < lo), g, 0)


def _np_threshold(x, t, value):
    return np.where(x <= t, value, x)


def _np_threshold_grad(g, x, t):
    return np.where(x <= t, 0, g)


_hardshrink = _unary("hardshrink", _np_hardshrink)
_softshrink = _unary("softshrink", _np_softshrink)
_shrink_grad = _grad("shrink_grad", _np_shrink_grad)
_threshold = _unary("threshold", _np_threshold)
threshold_grad_kernel = _grad("threshold_grad", _np_threshold_grad)


def hardshrink(x, *, lambd):
    return _hardshrink(x, -lambd, lambd)


def softshrink(x, *, lambd):
    return _softshrink(x, -lambd, lambd)


def shrink_grad(g, x, *, lambd):
    return _shrink_grad(g, x, -lambd, lambd)


def threshold(x, *, threshold, value):
    return _threshold(x, threshold, value)


def threshold_grad(g, x, *, threshold):
    return threshold_grad_kernel(g, x, threshold)
