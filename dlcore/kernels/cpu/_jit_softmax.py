"""Numba loops behind :mod:`dlcore.kernels.cpu.softmax` (imported on first use)."""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from .runtime import configure_threads

configure_threads()


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
def softmax_nd(x, out, o, n, inner, log):
    """``softmax3`` of C-contiguous ``x`` and ``out`` of any rank viewed here as
    ``(o, n, inner)`` (the small-operand form: the two views cost more outside than inside)."""
    softmax3(x.reshape((o, n, inner)), out.reshape((o, n, inner)), log)


@njit(cache=True, nogil=True)
def softmax_last(x, out):
    """``softmax_nd`` over the last axis of C-contiguous non-empty ``x`` and ``out`` (the view
    shape worked out here: two arguments, not six, to type at each call, ~0.25 us less)."""
    n = x.shape[-1]
    o = x.size // n
    softmax3(x.reshape((o, n, 1)), out.reshape((o, n, 1)), False)


@njit(cache=True, nogil=True)
def log_softmax_last(x, out):
    """``softmax_last`` with the logarithm (``softmax_nd``'s ``log``)."""
    n = x.shape[-1]
    o = x.size // n
    _log_softmax3(x.reshape((o, n, 1)), out.reshape((o, n, 1)))
