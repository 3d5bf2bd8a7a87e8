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

_FM = {"reassoc", "contract"}   # sums may be reassociated: lets LLVM vectorise them


@njit(cache=True, nogil=True, fastmath=_FM)
def sum_rows(x, out):
    for i in range(x.shape[0]):
        acc = 0
        for j in range(x.shape[1]):
            acc += x[i, j]
        out[i] = acc


@njit(cache=True, nogil=True, parallel=True, fastmath=_FM)
def sum_rows_par(x, out):
    for i in prange(x.shape[0]):
        acc = 0
        for j in range(x.shape[1]):
            acc += x[i, j]
        out[i] = acc


@njit(cache=True, nogil=True)
def sum_cols(xt, acc):
    """acc[i] += xt[j, i] for all j: xt is (K, M), M the fast axis in memory.  Four rows per
    pass over ``acc``, each element still adding them one at a time in row order (so the same
    bits as one row per pass; no ``reassoc`` here, which would let LLVM add the four rows
    first): ``acc`` is loaded and stored once per four rows, not per row.  (200, 2000) float32,
    one thread: 53 -> 28 us (PyTorch's float32 column sum 26); (203, 400) 11.5 -> 5.9 us."""
    k, m = xt.shape
    j = 0
    while j + 4 <= k:
        r0, r1, r2, r3 = xt[j], xt[j + 1], xt[j + 2], xt[j + 3]
        for i in range(m):
            a = acc[i]
            a += r0[i]
            a += r1[i]
            a += r2[i]
            a += r3[i]
            acc[i] = a
        j += 4
    while j < k:
        r0 = xt[j]
        for i in range(m):
            acc[i] += r0[i]
        j += 1


@njit(cache=True, nogil=True, parallel=True, fastmath=_FM)
def sum_cols_par(xt, acc):
    """sum_cols with the K rows split into chunks, each streamed by one thread into its own
    partial sums (memory order, no false sharing), then the partials are added."""
    k, m = xt.shape
    nch = 8
    step = (k + nch - 1) // nch
    partial = np.zeros((nch, m), acc.dtype)
    for c in prange(nch):
        for j in range(c * step, min(k, (c + 1) * step)):
            for i in range(m):
                partial[c, i] += xt[j, i]
    for c in range(nch):
        for i in range(m):
            acc[i] += partial[c, i]


@njit(cache=True, nogil=True, fastmath=_FM)
def sum_mid(x, acc):
    """acc[j] += sum over i and k of x[i, j, k]: ``x`` (A, M, B) C-contiguous, the kept axes
    in the middle (a bias or per-channel gradient of an NCHW tensor: axes (0, 2, 3)).  Each
    (i, j) row of B is summed contiguously, where the general path first copied the transpose
    to (M, A*B).  8x16x256 float32, one thread: 12.8 -> see reduce.py's ``_reduce``."""
    a_, m_, b_ = x.shape
    for i in range(a_):
        for j in range(m_):
            t = 0.0
            for k in range(b_):
                t += x[i, j, k]
            acc[j] += t


@njit(cache=True, nogil=True, parallel=True, fastmath=_FM)
def sum_mid_par(x, acc):
    """sum_mid with the kept (middle) axis split across threads."""
    a_, m_, b_ = x.shape
    for j in prange(m_):
        t = 0.0
        for i in range(a_):
            for k in range(b_):
                t += x[i, j, k]
        acc[j] += t


@njit(cache=True, nogil=True)
def _count_nan(row):
    n = 0
    for j in range(row.shape[0]):
        n += row[j] != row[j]
    return n


@njit(cache=True, nogil=True)
def _first_nan(row):
    for j in range(row.shape[0]):
        if row[j] != row[j]:
            return j
    return -1


@njit(cache=True, nogil=True)
def _max_ignoring_nan(row):
    """Max of a row, NaNs skipped.  Eight independent running maxima held in locals: a single
    ``if v > acc`` chain is one long dependency and never vectorises (fastmath does not help)."""
    n = row.shape[0]
    a0 = a1 = a2 = a3 = a4 = a5 = a6 = a7 = row[0]
    m = n - n % 8
    for j in range(0, m, 8):
        v = row[j + 0]
        a0 = v if v > a0 else a0
        v = row[j + 1]
        a1 = v if v > a1 else a1
        v = row[j + 2]
        a2 = v if v > a2 else a2
        v = row[j + 3]
        a3 = v if v > a3 else a3
        v = row[j + 4]
        a4 = v if v > a4 else a4
        v = row[j + 5]
        a5 = v if v > a5 else a5
        v = row[j + 6]
        a6 = v if v > a6 else a6
        v = row[j + 7]
        a7 = v if v > a7 else a7
    for j in range(m, n):
        v = row[j]
        a0 = v if v > a0 else a0
    a0 = a0 if a0 > a1 else a1
    a2 = a2 if a2 > a3 else a3
    a4 = a4 if a4 > a5 else a5
    a6 = a6 if a6 > a7 else a7
    a0 = a0 if a0 > a2 else a2
    a4 = a4 if a4 > a6 else a6
    return a0 if a0 > a4 else a4


@njit(cache=True, nogil=True)
def _min_ignoring_nan(row):
    """Min of a row, NaNs skipped (see _max_ignoring_nan)."""
    n = row.shape[0]
    a0 = a1 = a2 = a3 = a4 = a5 = a6 = a7 = row[0]
    m = n - n % 8
    for j in range(0, m, 8):
        v = row[j + 0]
        a0 = v if v < a0 else a0
        v = row[j + 1]
        a1 = v if v < a1 else a1
        v = row[j + 2]
        a2 = v if v < a2 else a2
        v = row[j + 3]
        a3 = v if v < a3 else a3
        v = row[j + 4]
        a4 = v if v < a4 else a4
        v = row[j + 5]
        a5 = v if v < a5 else a5
        v = row[j + 6]
        a6 = v if v < a6 else a6
        v = row[j + 7]
        a7 = v if v < a7 else a7
    for j in range(m, n):
        v = row[j]
        a0 = v if v < a0 else a0
    a0 = a0 if a0 < a1 else a1
    a2 = a2 if a2 < a3 else a3
    a4 = a4 if a4 < a5 else a5
    a6 = a6 if a6 < a7 else a7
    a0 = a0 if a0 < a2 else a2
    a4 = a4 if a4 < a6 else a6
    return a0 if a0 < a4 else a4


@njit(cache=True, nogil=True)
def row_max(row):
    """max(row); the first NaN if there is one (NumPy's rule).  The NaN check is a second,
    vectorised pass over a row that is still in cache."""
    acc = _max_ignoring_nan(row)
    if _count_nan(row):
        return row[_first_nan(row)]
    return acc


@njit(cache=True, nogil=True)
def row_min(row):
    acc = _min_ignoring_nan(row)
    if _count_nan(row):
        return row[_first_nan(row)]
    return acc


@njit(cache=True, nogil=True)
def max_rows(x, out):
    for i in range(x.shape[0]):
        out[i] = row_max(x[i])


@njit(cache=True, nogil=True)
def min_rows(x, out):
    for i in range(x.shape[0]):
        out[i] = row_min(x[i])


@njit(cache=True, nogil=True)
def max_cols(xt, out):
    for i in range(xt.shape[1]):
        out[i] = xt[0, i]
    for j in range(1, xt.shape[0]):
        for i in range(xt.shape[1]):
            v = xt[j, i]
            a = out[i]
            if v > a or (v != v and a == a):
                out[i] = v


@njit(cache=True, nogil=True)
def min_cols(xt, out):
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
        out[i] = row_max(x[i])


@njit(cache=True, nogil=True, parallel=True)
def min_rows_par(x, out):
    for i in prange(x.shape[0]):
        out[i] = row_min(x[i])


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
