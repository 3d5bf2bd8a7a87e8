"""Numba loops of the sparse softmax cross-entropy and its gradient (imported on first use by
:mod:`dlcore.kernels.cpu.softmax`).

Each row makes two passes: its maximum ``m``, then ``e_j = exp(x_j - m)`` with their sum ``s``
(float64).  The exponential is the cost (a vocabulary-sized row per example): Numba has no
vectorised ``exp`` here (no SVML), and a scalar ``math.exp`` per element cost about twice
NumPy's SIMD ``exp``.  So float32 rows use :func:`_exp_row32`, a Cephes-style ``expf`` written
as plain arithmetic that LLVM vectorises: ``r = x - m`` (<= 0), ``k = round(r / ln 2)``,
``f = r - k ln 2`` (two-part ln 2), ``e^f`` by its degree-7 polynomial, times ``2^k`` built from
the exponent bits; relative error under 1.2e-7 (checked over [-88, 0] against float64), and
exactly 0 below ``e^-87.3`` (where float32 would be subnormal; PyTorch's vectorised ``exp``
flushes those too).  Other dtypes keep ``math.exp`` in float64.

A row whose maximum is NaN or infinite is NaN throughout, as ``exp(x - max)`` makes it in
PyTorch; a label outside [0, C) stops the loop and is reported (its row index) to the caller.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from .runtime import configure_threads

configure_threads()

_FAST = {"reassoc", "contract"}      # reorder the sum (vector lanes); no NaN/inf assumptions


@njit(fastmath=_FAST, cache=True, nogil=True)
def _exp_row32(x, m, e, bits):
    """``e[j] = exp(x[j] - m)`` (float32, ``m`` = the finite row maximum); returns sum(e) in
    float64.  ``bits`` is int32 scratch of the row's length."""
    n = x.shape[0]
    for j in range(n):
        r = max(x[j] - m, np.float32(-87.0))
        k = np.floor(r * np.float32(1.4426950408889634) + np.float32(0.5))   # float32
        f = r - k * np.float32(0.693359375) - k * np.float32(-2.12194440e-4)
        p = np.float32(1.9875691500e-4)
        p = p * f + np.float32(1.3981999507e-3)
        p = p * f + np.float32(8.3334519073e-3)
        p = p * f + np.float32(4.1665795894e-2)
        p = p * f + np.float32(1.6666665459e-1)
        p = p * f + np.float32(5.0000001201e-1)
        e[j] = p * f * f + f + np.float32(1.0)
        bits[j] = (np.int32(k) + np.int32(127)) << np.int32(23)
    scale = bits.view(np.float32)
    s = 0.0
    for j in range(n):
        v = e[j] * scale[j] if x[j] - m >= np.float32(-87.0) else np.float32(0.0)
        e[j] = v
        s += float(v)
    return s


@njit(cache=True, nogil=True)
def _exp_row64(x, m, e):
    s = 0.0
    for j in range(x.shape[0]):
        v = math.exp(float(x[j]) - float(m))
        e[j] = v
        s += v
    return s


@njit(cache=True, nogil=True)
def _row_max(x):
    """The row's maximum, NaN if it holds one."""
    m = -math.inf
    for v in x:
        if v > m or math.isnan(v):
            m = v
            if math.isnan(v):
                break
    return m


@njit(cache=True, nogil=True)
def xent_rows(x, labels, out, fast):
    """out[r] = logsumexp(x[r]) - x[r, labels[r]]; returns the first row with a label outside
    [0, C), or -1.  ``fast``: float32 rows through the vectorised exponential."""
    m_rows, c = x.shape
    e = np.empty(c, x.dtype)
    bits = np.empty(c, np.int32)
    for r in range(m_rows):
        k = labels[r]
        if k < 0 or k >= c:
            return r
        row = x[r]
        m = _row_max(row)
        if not math.isfinite(m):
            out[r] = np.nan
            continue
        s = _exp_row32(row, m, e, bits) if fast else _exp_row64(row, m, e)
        out[r] = float(m) + math.log(s) - float(row[k])
    return -1


@njit(cache=True, nogil=True)
def xent_grad_rows(g, x, labels, out, fast):
    """out[r] = (softmax(x[r]) - one_hot(labels[r])) g[r]: ``p_j g`` off the label and
    ``(p_k - 1) g`` on it; returns the first row with a label outside [0, C), or -1."""
    m_rows, c = x.shape
    bits = np.empty(c, np.int32)
    one = np.empty(1, x.dtype)
    for r in range(m_rows):
        k = labels[r]
        if k < 0 or k >= c:
            return r
        row = x[r]
        o = out[r]
        m = _row_max(row)
        if not math.isfinite(m):
            o[:] = np.nan
            continue
        s = _exp_row32(row, m, o, bits) if fast else _exp_row64(row, m, o)
        gr = float(g[r])
        pk = float(o[k]) / s
        one[0] = gr / s                 # the scale in the row's dtype (a float32 loop)
        scale = one[0]
        for j in range(c):
            o[j] = o[j] * scale
        o[k] = (pk - 1.0) * gr
    return -1
