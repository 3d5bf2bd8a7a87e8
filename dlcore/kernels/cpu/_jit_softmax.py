"""Numba loops behind :mod:`dlcore.kernels.cpu.softmax` (imported on first use)."""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from .runtime import configure_threads

configure_threads()


@njit(cache=True, nogil=True)
def softmax3(x, out, log):
    """Softmax (or log-softmax with ``log``) of each line along axis 1 of ``(outer, n, inner)``
    arrays; the exponentials summed in float64."""
    o, n, inner = x.shape
    e = np.empty(n)                 # the line's exponentials, float64: one exp per element
    for a in range(o):
        for c in range(inner):
            m = -math.inf
            for k in range(n):
                v = x[a, k, c]
                if v > m or v != v:
                    m = v
                    if v != v:
                        break
            s = 0.0
            for k in range(n):
                ek = math.exp(float(x[a, k, c]) - float(m))
                e[k] = ek
                s += ek
            if log:
                ls = math.log(s)
                for k in range(n):
                    out[a, k, c] = float(x[a, k, c]) - float(m) - ls
            else:
                r = 1.0 / s
                for k in range(n):
                    out[a, k, c] = e[k] * r


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
    softmax3(x.reshape((o, n, 1)), out.reshape((o, n, 1)), True)
