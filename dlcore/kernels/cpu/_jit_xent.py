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

from ._jit_exp_rows import SUM_BLOCK, _row_max, _sum_exp32, exp_row  # noqa: F401
from .runtime import configure_threads

configure_threads()


@njit(cache=True, nogil=True)
def xent_rows(x, labels, out):
    """out[r] = logsumexp(x[r]) - x[r, labels[r]]; returns the first row with a label outside
    [0, C), or -1.  Float32 rows take the vectorised exponential (``exp_row``).

    The row's exponentials are stored in a scratch row and summed from there
    (``_exp_row32``, as the gradient's row loop sums them), not summed as they are made
    (``_sum_exp32``): so the fused loss-and-gradient loop (``xent_loss_grad_rows``, one pass of
    exponentials for both) gives this loop's loss bit for bit, and the two loops vectorise at
    least as well as the one (see ``_jit_exp_rows``)."""
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
        s = exp_row(row, m, e)
        out[r] = float(m) + math.log(s) - float(row[k])
    return -1


@njit(cache=True, nogil=True, inline="always")
def _grad_row(o, k, s, gr, one):
    """One row of the gradient in place: ``o`` holds the row's exponentials, summing to ``s``;
    ``p_j g`` off the label ``k`` and ``(p_k - 1) g`` on it (``one``: a 1-element buffer of the
    row's dtype, so the scale is rounded to it and the loop runs in float32 for float32)."""
    pk = float(o[k]) / s
    one[0] = gr / s
    scale = one[0]
    for j in range(o.shape[0]):
        o[j] = o[j] * scale
    o[k] = (pk - 1.0) * gr


@njit(cache=True, nogil=True)
def xent_grad_rows(g, x, labels, out):
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
        s = exp_row(row, m, o)
        _grad_row(o, k, s, float(g[r]), one)
    return -1


@njit(cache=True, nogil=True)
def xent_loss_grad_rows(g, x, labels, loss, out):
    """``xent_rows`` into ``loss`` and ``xent_grad_rows`` into ``out`` in one pass of
    exponentials per row (the compiled plan's loss and its gradient, when both are wanted:
    ``dlcore_static/compiler/emit_xent.py``): the same row maximum, exponentials and sum as
    each of them, so the same values bit for bit; returns the first row with a label outside
    [0, C), or -1 (rows before it are written, as in the two loops)."""
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
            loss[r] = np.nan
            o[:] = np.nan
            continue
        s = exp_row(row, m, o)
        loss[r] = float(m) + math.log(s) - float(row[k])
        _grad_row(o, k, s, float(g[r]), one)
    return -1


@njit(cache=True, nogil=True)
def xent_loss_grad_rows_bias(g, a, bias, labels, loss, out, colsum):
    """``xent_loss_grad_rows`` on the logits ``a + bias`` (``a`` (rows, C), ``bias`` (C,), the
    sum rounded to the logits' dtype, as the add's own loop rounds it) without them as an
    array: each row's sum is made in a scratch row (the compiled plan's classifier head,
    ``dlcore_static/compiler/emit_xent.py``); with ``colsum`` of C float64 elements, each
    gradient row is also added into it in order (the bias's gradient, a sum over rows, as the
    compiled plan's row-ordered float64 reduction adds them: the same bits); an empty
    ``colsum`` adds nothing.  Returns the first row with a label outside [0, C), or -1."""
    m_rows, c = a.shape
    one = np.empty(1, a.dtype)
    row = np.empty(c, a.dtype)
    sums = colsum.shape[0] != 0
    for r in range(m_rows):
        k = labels[r]
        if k < 0 or k >= c:
            return r
        ar = a[r]
        for j in range(c):
            row[j] = ar[j] + bias[j]
        o = out[r]
        m = _row_max(row)
        if not math.isfinite(m):
            loss[r] = np.nan
            o[:] = np.nan
        else:
            s = exp_row(row, m, o)
            loss[r] = float(m) + math.log(s) - float(row[k])
            _grad_row(o, k, s, float(g[r]), one)
        if sums:
            for j in range(c):
                colsum[j] += o[j]
    return -1
