"""Numba loops of the sparse softmax cross-entropy and its gradient (imported on first use by
:mod:`dlcore.kernels.cpu.softmax`).

The row loops (maximum, exponentials, sums) are :mod:`._jit_exp_rows`'s, shared with the softmax.

A row holding a NaN, or whose maximum is infinite (+inf, or a row of -inf), is NaN throughout,
as ``exp(x - max)`` makes it in PyTorch; a label outside [0, C) stops the loop and is reported
(its row index) to the caller.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from ._jit_exp_rows import SUM_BLOCK, _exp_row32, _exp_row64, _row_max, _sum_exp32  # noqa: F401
from .runtime import configure_threads

configure_threads()


@njit(cache=True, nogil=True)
def xent_rows(x, labels, out, fast):
    """out[r] = logsumexp(x[r]) - x[r, labels[r]]; returns the first row with a label outside
    [0, C), or -1.  ``fast``: float32 rows through the vectorised exponential."""
    m_rows, c = x.shape
    e = np.empty(c, x.dtype)
    for r in range(m_rows):
        k = labels[r]
        if k < 0 or k >= c:
            return r
        row = x[r]
        m = _row_max(row)
        if not math.isfinite(m):
            out[r] = np.nan
            continue
        s = _sum_exp32(row, m) if fast else _exp_row64(row, m, e)
        out[r] = float(m) + math.log(s) - float(row[k])
    return -1


@njit(cache=True, nogil=True)
def xent_grad_rows(g, x, labels, out, fast):
    """out[r] = (softmax(x[r]) - one_hot(labels[r])) g[r]: ``p_j g`` off the label and
    ``(p_k - 1) g`` on it; returns the first row with a label outside [0, C), or -1."""
    m_rows, c = x.shape
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
        s = _exp_row32(row, m, o) if fast else _exp_row64(row, m, o)
        gr = float(g[r])
        pk = float(o[k]) / s
        one[0] = gr / s                 # the scale in the row's dtype (a float32 loop)
        scale = one[0]
        for j in range(c):
            o[j] = o[j] * scale
        o[k] = (pk - 1.0) * gr
    return -1
