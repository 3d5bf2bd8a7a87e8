"""Numba loops behind the CPU reductions (imported on first use, never by ``import dlcore``).

Every reduction is brought to one of two 2-D problems over a (possibly strided) view ``x`` of
shape ``(M, K)``, reducing over ``K``:

* ``*_rows``: ``out[i] = reduce(x[i, :])`` when the reduced axis is the fast one in memory
  (``sum(x, axis=-1)``); the inner loop is contiguous.  ``parallel=True`` splits the rows.
* ``*_cols``: ``out[:] = reduce over j of x[:, j]`` when the kept axis is the fast one
  (``sum(x, axis=0)``, the bias gradient); it walks ``x`` row by row in memory order and
  accumulates into ``out``, instead of striding down columns.

Sums accumulate in float64 (integers and bools in int64) and round once at the end, like the
accuracy NumPy's pairwise summation gives.  ``max``/``min``/``argmax`` propagate NaN as NumPy does.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .runtime import configure_threads

configure_threads()

_BLOCK = 256


@njit(cache=True, nogil=True)
def sum_rows(x, out):
    for i in range(x.shape[0]):
        acc = 0
        for j in range(x.shape[1]):
            acc += x[i, j]
        out[i] = acc


@njit(cache=True, nogil=True, parallel=True)
def sum_rows_par(x, out):
    for i in prange(x.shape[0]):
        acc = 0
        for j in range(x.shape[1]):
            acc += x[i, j]
        out[i] = acc


@njit(cache=True, nogil=True)
def sum_cols_t(x, acc):
    # x is (M, K) with M the fast axis in memory: iterate K outside, M inside, via x.T views.
    xt = x.T
    for j in range(xt.shape[0]):
        for i in range(xt.shape[1]):
            acc[i] += xt[j, i]


@njit(cache=True, nogil=True, parallel=True)
def sum_cols_t_par(x, acc):
    xt = x.T
    m = xt.shape[1]
    nblocks = (m + _BLOCK - 1) // _BLOCK
    for b in prange(nblocks):
        lo = b * _BLOCK
        hi = min(m, lo + _BLOCK)
        for j in range(xt.shape[0]):
            for i in range(lo, hi):
                acc[i] += xt[j, i]


@njit(cache=True, nogil=True)
def max_rows(x, out):
    for i in range(x.shape[0]):
        acc = x[i, 0]
        for j in range(1, x.shape[1]):
            v = x[i, j]
            if v > acc or v != v:
                acc = v
                if v != v:
                    break
        out[i] = acc


@njit(cache=True, nogil=True)
def min_rows(x, out):
    for i in range(x.shape[0]):
        acc = x[i, 0]
        for j in range(1, x.shape[1]):
            v = x[i, j]
            if v < acc or v != v:
                acc = v
                if v != v:
                    break
        out[i] = acc


@njit(cache=True, nogil=True)
def max_cols_t(x, out):
    xt = x.T
    for i in range(xt.shape[1]):
        out[i] = xt[0, i]
    for j in range(1, xt.shape[0]):
        for i in range(xt.shape[1]):
            v = xt[j, i]
            a = out[i]
            if v > a or (v != v and a == a):
                out[i] = v


@njit(cache=True, nogil=True)
def min_cols_t(x, out):
    xt = x.T
    for i in range(xt.shape[1]):
        out[i] = xt[0, i]
    for j in range(1, xt.shape[0]):
        for i in range(xt.shape[1]):
            v = xt[j, i]
            a = out[i]
            if v < a or (v != v and a == a):
                out[i] = v


@njit(cache=True, nogil=True, parallel=True)
def max_rows_par(x, out):
    for i in prange(x.shape[0]):
        acc = x[i, 0]
        for j in range(1, x.shape[1]):
            v = x[i, j]
            if v > acc or v != v:
                acc = v
                if v != v:
                    break
        out[i] = acc


@njit(cache=True, nogil=True, parallel=True)
def min_rows_par(x, out):
    for i in prange(x.shape[0]):
        acc = x[i, 0]
        for j in range(1, x.shape[1]):
            v = x[i, j]
            if v < acc or v != v:
                acc = v
                if v != v:
                    break
        out[i] = acc


@njit(cache=True, nogil=True)
def argmax_rows(x, out):
    for i in range(x.shape[0]):
        best = x[i, 0]
        k = 0
        if best == best:
            for j in range(1, x.shape[1]):
                v = x[i, j]
                if v > best or v != v:
                    best = v
                    k = j
                    if v != v:
                        break
        out[i] = k
