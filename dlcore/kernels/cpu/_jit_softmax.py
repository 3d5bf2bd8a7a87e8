"""Numba loops behind :mod:`dlcore.kernels.cpu.softmax` (imported on first use).

Float32 lines along the last axis (``inner == 1``, the usual softmax over classes or a
vocabulary) go through :func:`softmax_rows32`: the vectorised row maximum and float32
exponential of :mod:`._jit_exp_rows` (``exp32``, relative error under 1.2e-7; 0 below e^-87, as
PyTorch's vectorised ``exp`` flushes), the sum in float32 blocks added in float64.  Other
lines and dtypes keep one ``math.exp`` in float64 per element.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, types
from numba.extending import overload

from ._fast32 import exp32
from ._jit_exp_rows import _exp_row32, _row_max, _sum_exp32
from .runtime import configure_threads

configure_threads()

_FAST = {"reassoc", "contract"}     # (the sums' vector lanes; no NaN/inf assumptions)


@njit(cache=True, nogil=True, inline="always")
def _line_max(x, a, c, n):
    """The maximum of line (a, :, c), or its first NaN."""
    m = -math.inf
    for k in range(n):
        v = x[a, k, c]
        if v > m or v != v:
            m = v
            if v != v:
                break
    return m


@njit(cache=True, nogil=True)
def softmax3(x, out, log):
    """Softmax (or log-softmax with ``log``) of each line along axis 1 of ``(outer, n, inner)``
    arrays; the exponentials summed in float64."""
    if log:
        _log_softmax3(x, out)
        return
    o, n, inner = x.shape
    e = np.empty(n)                 # the line's exponentials, float64: one exp per element
    for a in range(o):
        for c in range(inner):
            m = _line_max(x, a, c, n)
            s = 0.0
            for k in range(n):
                ek = math.exp(float(x[a, k, c]) - float(m))
                e[k] = ek
                s += ek
            r = 1.0 / s
            for k in range(n):
                out[a, k, c] = e[k] * r


@njit(cache=True, nogil=True)
def _log_softmax3(x, out):
    """``softmax3``'s log form: the same maximum, float64 sum of the same exponentials in the
    same order and the same subtraction (so the same bits), without the line's scratch array
    (log_softmax of 1x32: 0.455 -> 0.403 us a call)."""
    o, n, inner = x.shape
    for a in range(o):
        for c in range(inner):
            m = _line_max(x, a, c, n)
            s = 0.0
            for k in range(n):
                s += math.exp(float(x[a, k, c]) - float(m))
            ls = math.log(s)
            for k in range(n):
                out[a, k, c] = float(x[a, k, c]) - float(m) - ls


@njit(cache=True, nogil=True)
def softmax_rows32(x, out):
    """Softmax of each row of C-contiguous float32 ``(rows, n)`` arrays (see the module
    docstring); a row holding a NaN, or whose maximum is infinite, is NaN throughout, as in
    :func:`softmax3`."""
    n = x.shape[1]
    for r in range(x.shape[0]):
        row = x[r]
        o = out[r]
        m = _row_max(row)               # (NaNs skipped: one reaches the sum, which it makes NaN)
        if not math.isfinite(m):
            o[:] = np.nan
            continue
        inv = 1.0 / _exp_row32(row, m, o)
        for k in range(n):
            o[k] = float(o[k]) * inv


@njit(cache=True, nogil=True)
def log_softmax_rows32(x, out):
    """:func:`softmax_rows32`'s log-softmax: only the sum of the exponentials is made.  (Two
    functions, not one with a ``log`` flag, so that each compiles only its own exponential
    loop: a first log-softmax compiled 2.8-3.4 s, both loops and ``_log_softmax3``.)"""
    n = x.shape[1]
    for r in range(x.shape[0]):
        row = x[r]
        o = out[r]
        m = _row_max(row)
        if not math.isfinite(m):
            o[:] = np.nan
            continue
        ls = math.log(_sum_exp32(row, m))
        fm = float(m)
        for k in range(n):
            o[k] = float(row[k]) - fm - ls


def _is_f32(x):
    """Whether ``x`` is a float32 array (a constant of the compiled function's types)."""
    return False


@overload(_is_f32, inline="always")
def _is_f32_typed(x):
    is_f32 = isinstance(x, types.Array) and x.dtype == types.float32
    return lambda x: is_f32


@njit(cache=True, nogil=True)
def softmax_nd(x, out, o, n, inner, log):
    """``softmax3`` of C-contiguous ``x`` and ``out`` of any rank viewed here as
    ``(o, n, inner)`` (the small-operand form: the two views cost more outside than inside);
    float32 lines along the last axis take :func:`softmax_rows32`'s loops."""
    if inner == 1 and _is_f32(x):
        if log:
            log_softmax_rows32(x.reshape((o, n)), out.reshape((o, n)))
        else:
            softmax_rows32(x.reshape((o, n)), out.reshape((o, n)))
        return
    softmax3(x.reshape((o, n, inner)), out.reshape((o, n, inner)), log)


# The last axis' loops of two arguments (the view shape worked out here: two arguments, not
# six, to type at each call, ~0.25 us less), one per dtype family, picked by the plan.
@njit(cache=True, nogil=True)
def softmax_last(x, out):
    """``softmax_nd`` over the last axis of C-contiguous non-empty ``x`` and ``out``."""
    n = x.shape[-1]
    softmax3(x.reshape((x.size // n, n, 1)), out.reshape((x.size // n, n, 1)), False)


@njit(cache=True, nogil=True)
def log_softmax_last(x, out):
    n = x.shape[-1]
    _log_softmax3(x.reshape((x.size // n, n, 1)), out.reshape((x.size // n, n, 1)))


@njit(cache=True, nogil=True)
def softmax_last32(x, out):
    """``softmax_last`` of float32 arrays (:func:`softmax_rows32`)."""
    n = x.shape[-1]
    softmax_rows32(x.reshape((x.size // n, n)), out.reshape((x.size // n, n)))


@njit(cache=True, nogil=True)
def log_softmax_last32(x, out):
    n = x.shape[-1]
    log_softmax_rows32(x.reshape((x.size // n, n)), out.reshape((x.size // n, n)))


# ----------------------------------------------------------------------------- gradients
@njit(cache=True, nogil=True, fastmath=_FAST)
def log_softmax_grad_rows32(g, y, out):
    """``out = g - exp(y) sum(g)`` per row of float32 ``(rows, n)`` arrays: the row's sum in
    float64 rounded to float32 (as the separate sum kernel did), then one pass of ``exp32``
    (0 below e^-87, NaN kept) where ``np.exp``, a product and a difference made three."""
    rows, n = g.shape
    for r in range(rows):
        s = 0.0
        for j in range(n):
            s += g[r, j]
        sf = np.float32(s)
        for j in range(n):
            v = y[r, j]
            e = exp32(v) if not v < np.float32(-87.0) else np.float32(0.0)
            out[r, j] = g[r, j] - e * sf


@njit(cache=True, nogil=True, fastmath=_FAST)
def softmax_grad_rows(g, y, out):
    """``out = y (g - sum(g y))`` per row of float32/float64 ``(rows, n)`` arrays (each
    product in the dtype, the sum in float64 rounded to the dtype once, as the separate
    kernels did): two passes where a product, a sum, a difference and a product made four."""
    rows, n = g.shape
    for r in range(rows):
        s = 0.0
        for j in range(n):
            s += g[r, j] * y[r, j]
        sd = y.dtype.type(s)
        for j in range(n):
            out[r, j] = y[r, j] * (g[r, j] - sd)
