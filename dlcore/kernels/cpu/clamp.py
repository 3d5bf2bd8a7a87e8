"""CPU kernels of ``clamp`` and its gradient (``dlcore.ops.clamp``)::

    clamp(x; lo, hi)         = min(max(x, lo), hi)      (a missing bound: -inf / +inf)
    clamp_grad(g, x; lo, hi) = g  if lo <= x <= hi  else 0
    hardtanh_grad(g, x; lo, hi) = g  if lo < x < hi  else 0    (hardtanh's, relu6's)

``clamp`` is NumPy's ``clip`` ufunc (``elementwise.CLIP_UFUNC``) with the bounds as 0-d arrays
of ``x``'s dtype: maximum's then minimum's kernels bit for bit (NaN in ``x`` or a bound kept,
``x`` itself at a tie such as -0.0 against a 0.0 bound, ``hi`` where ``lo > hi``; checked by
tests/eager/test_lane_clamp.py and tests/core/test_clamp_prims.py), in one pass, with
no compilation.  Measured (float32, CPU time, one core, us a call; the two kernels it replaces
against the ufunc): 4x8 ~1.9 -> 0.26, 64k elements 18.3 -> 6.4, 1M 595 -> 287, 4M 1300 (two
parallel loops) -> 1164 (one thread).  Without that ufunc (an older NumPy), or for a dtype it
has no loop for, the same selections are made with ``np.where``.

``clamp_grad`` of float32/float64 operands of one shape is one Numba pass (compiled on first
use, cached on disk) in their memory order (C or Fortran; another layout is copied C-ordered
first; a cotangent of one value broadcast, a sum's, is read as that value).  Measured (float32,
CPU time, one core, us a call, this entry against ``np.where`` of the two comparisons): 4x8
1.1 vs 1.4, 64x100 2.1 vs 7.3, 1000x1000 426 vs 3392.  Broadcasting operands and the other
float types take ``np.where`` (a select: exact in any dtype).
"""

from __future__ import annotations

import numpy as np

from ...registry import scalar_buffer
from .elementwise import CLIP_UFUNC
from .flat import flat as _flat

_F16, _F32, _F64 = np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64)
_ndarray = np.ndarray
_INF = float("inf")
_jit = None


def _loops():
    global _jit
    if _jit is None:
        from . import _jit_clamp
        _jit = _jit_clamp
    return _jit


def bounds(lo, hi, dtype) -> tuple:
    """The bounds as shared read-only 0-d arrays of ``dtype`` (``registry.scalar_buffer``, the
    buffers a number beside a tensor becomes): a missing one as -inf / +inf, which keeps every
    value (NaN too) as maximum's and minimum's kernels keep it."""
    return (scalar_buffer(-_INF if lo is None else lo, dtype),
            scalar_buffer(_INF if hi is None else hi, dtype))


def _select(x, lo, hi):
    """``minimum(maximum(x, lo), hi)`` with NumPy's select: the kernels' expressions
    (``a if (a >= b or a != a) else b``, then ``<=``), for any dtype."""
    with np.errstate(invalid="ignore"):
        t = np.where((x >= lo) | (x != x), x, lo)
        return np.where((t <= hi) | (t != t), t, hi)


def clamp(x, *, lo=None, hi=None):
    d = x.dtype
    slo, shi = bounds(lo, hi, d)
    if CLIP_UFUNC is not None and (d is _F32 or d is _F64 or d == _F16):
        out = CLIP_UFUNC(x, slo, shi)
        return out if type(out) is _ndarray else np.asarray(out)
    return _select(x, slo, shi)


#: (lo, hi, float32?) -> the bounds as Python floats of that dtype's values (-inf / +inf for a
#: missing one), the loop's arguments: a float32 bound rounded to float32 first, so comparing a
#: float32 element with it in float64 (Numba's promotion) gives the float32 comparison, and a
#: Python float is the quickest argument for Numba's dispatcher to type
_LOOP_BOUNDS: dict = {}


def _loop_bounds(lo, hi, d) -> tuple:
    key = (lo, hi, d is _F32)
    b = _LOOP_BOUNDS.get(key)
    if b is None:
        slo, shi = bounds(lo, hi, d)
        b = (float(slo), float(shi))
        if len(_LOOP_BOUNDS) > 256:
            _LOOP_BOUNDS.clear()
        _LOOP_BOUNDS[key] = b
    return b


def clamp_grad(g, x, *, lo=None, hi=None):
    return _grad(g, x, lo, hi, False)


def hardtanh_grad(g, x, *, lo, hi):
    return _grad(g, x, lo, hi, True)


def _grad(g, x, lo, hi, strict: bool):
    """``g`` where ``lo <= x <= hi`` (``strict``: ``lo < x < hi``), else 0."""
    d = g.dtype
    if (d is _F32 or d is _F64) and x.dtype is d and g.shape == x.shape:
        lo_v, hi_v = _loop_bounds(lo, hi, d)
        if x.flags.c_contiguous and g.flags.c_contiguous:       # (the common case first)
            out = np.empty(x.shape, d)
            _loops().clamp_grad(g.ravel(), x.ravel(), out.ravel(), lo_v, hi_v, strict)
            return out
        fx = _flat(x)
        if fx is None:
            fx = (np.ascontiguousarray(x).reshape(-1), "C")
        fx, order = fx
        out = np.empty(x.shape, d, order=order)
        flat = out.reshape(-1) if order == "C" else out.T.reshape(-1)
        if g.size and not any(g.strides):       # (one value broadcast: a sum's cotangent)
            _loops().clamp_grad_fill(g.reshape(-1)[0], fx, flat, lo_v, hi_v, strict)
            return out
        fg = _flat(g)
        if fg is None or fg[1] != order:
            fg = (np.asarray(g, order=order).reshape(-1) if order == "C"
                  else np.asarray(g, order="F").T.reshape(-1), order)
        _loops().clamp_grad(fg[0], fx, flat, lo_v, hi_v, strict)
        return out
    slo, shi = bounds(lo, hi, x.dtype)
    with np.errstate(invalid="ignore"):
        mask = (x > slo) & (x < shi) if strict else (x >= slo) & (x <= shi)
    return np.where(mask, g, np.zeros((), d))
