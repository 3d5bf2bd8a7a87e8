"""Numba row loops of the softmax family over float rows (imported by :mod:`._jit_xent` and
:mod:`._jit_softmax`): the row maximum, and the row's exponentials and their sum.

Each row makes two passes: its maximum ``m``, then ``e_j = exp(x_j - m)`` with their sum ``s``
(float64; float32 rows add blocks of ``SUM_BLOCK`` terms in float32 first, then the blocks in
float64: no conversion per term, error against float64 unchanged).  The exponential is the
cost (a vocabulary-sized row per example): Numba has no vectorised ``exp`` here (no SVML), and
a scalar ``math.exp`` per element cost about twice NumPy's SIMD ``exp``.  So float32 rows use
:func:`_exp_row32` / :func:`_sum_exp32`, loops of ``_fast32.exp32`` (a Cephes-style ``expf``
as plain arithmetic, ``2^k`` by an LLVM bitcast) that LLVM vectorises: relative error under
1.2e-7, and exactly 0 below ``e^-87`` (where float32 would be subnormal; PyTorch's vectorised
``exp`` flushes those too).  No int32 scratch (an earlier form built ``2^k`` in a second pass
through an int32 array view): (200, 2000) float32 cross-entropy forward 1922 -> 1153 us,
gradient 1954 -> 1232 us (CPU time, one thread, an Ice Lake); ``_exp_row32`` as a map and then
a sum of what it stored, each loop vectorised: gradient 379 -> 220 us (an AMD EPYC, AVX-512).
Other dtypes keep ``math.exp`` in float64.  The blocks are ``SUM_BLOCK`` terms each, the
last one the row's remaining ``n % SUM_BLOCK``, each summed over a slice of its own length
(``e[b:min(b + SUM_BLOCK, n)]``, ``range(blk.shape[0])``), which LLVM vectorises at any
length.  Two earlier forms each lost it somewhere: ``range(b, min(b + SUM_BLOCK, n))`` blocks
on long rows (the (700, 10000) float32 rows of the LSTM language model's classifier, each
with its maximum, 20.3-21.2 -> 13.3 ms against constant-count blocks), and those
constant-count blocks' tail, ``range(n - n % SUM_BLOCK, n)``, on rows shorter than a block
(the whole row: 64 rows of 128, the exponentials and sums, 7.9 -> 4.1 us; ``_sum_exp32``
8.8 -> 4.1; 200x2000 173 -> 155 and 212 -> 157; 700x10000 3.07 -> 2.95 and 3.33 -> 2.78 ms;
one thread, this 2.8 GHz Xeon).  The two loops' sums, of the same terms in the same blocks,
came out equal bit for bit on every row tried (the three shapes above).

The row maximum (:func:`_row_max`) is a select reduction into eight running maxima, which LLVM
vectorises (a single running maximum with a NaN test and an exit in the loop did not):
(200, 2000) float32 maxima 280 -> 95 us (CPU time, one thread, same process).  It skips NaNs
(``v > m`` is false for them), so a NaN reaches the sum instead: ``exp(NaN - m)`` is NaN (the
float32 form takes it to ``exp32``, which keeps it; only ``r < -87`` is flushed to 0), and the
row's result is NaN.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, types
from numba.extending import overload

from ._fast32 import exp32

_FAST = {"reassoc", "contract"}      # reorder the sum (vector lanes); no NaN/inf assumptions
SUM_BLOCK = 256                      # terms per float32 partial sum of the forward (_sum_exp32)


@njit(fastmath=_FAST, cache=True, nogil=True)
def _exp_row32(x, m, e):
    """``e[j] = exp(x[j] - m)`` (float32, ``m`` = the finite row maximum, 0 below e^-87);
    returns sum(e): float32 partial sums over blocks of ``SUM_BLOCK``, added in float64 (as
    ``_sum_exp32``).  Two loops, a map then the sum of what it stored: each vectorises
    better than one loop doing both ((200, 2000) float32 softmax 395 -> 235 us)."""
    n = x.shape[0]
    for j in range(n):
        r = x[j] - m
        e[j] = exp32(r) if not r < np.float32(-87.0) else np.float32(0.0)    # NaN: kept
    s = 0.0
    for b in range(0, n, SUM_BLOCK):
        blk = e[b:min(b + SUM_BLOCK, n)]
        p = np.float32(0.0)
        for j in range(blk.shape[0]):
            p += blk[j]
        s += float(p)
    return s


@njit(fastmath=_FAST, cache=True, nogil=True)
def _sum_exp32(x, m):
    """``sum(exp(x - m))`` as ``_exp_row32`` without storing the exponentials (the forward):
    float32 partial sums over blocks of ``SUM_BLOCK`` terms (each in [0, 1]; the vector lanes
    add a few dozen each), the blocks added in float64.  (200, 2000): 729 -> 571 us against
    a float64 running sum (a conversion per term)."""
    n = x.shape[0]
    s = 0.0
    for b in range(0, n, SUM_BLOCK):
        blk = x[b:min(b + SUM_BLOCK, n)]
        p = np.float32(0.0)
        for j in range(blk.shape[0]):
            r = blk[j] - m
            p += exp32(r) if not r < np.float32(-87.0) else np.float32(0.0)  # NaN: kept
        s += float(p)
    return s


@njit(cache=True, nogil=True)
def _exp_row64(x, m, e):
    s = 0.0
    for j in range(x.shape[0]):
        v = math.exp(float(x[j]) - float(m))
        e[j] = v
        s += v
    return s


def exp_row(x, m, e):
    """``_exp_row32(x, m, e)`` for float32 rows, ``_exp_row64`` for the others, chosen by the
    row's type when a Numba caller is typed (``_exp_row_typed``): a caller compiles the one
    its dtype takes.  A run-time flag (``fast``) choosing between the two compiled both in
    every caller: ``_exp_row64`` cost a float32 program 0.13-0.15 s of its first run's
    compilation for code it never ran (this shim, compiled once per dtype, 0.07 s)."""
    if x.dtype == np.float32:
        return _exp_row32(x, m, e)
    return _exp_row64(x, m, e)


@overload(exp_row, jit_options={"nogil": True})
def _exp_row_typed(x, m, e):
    if isinstance(x, types.Array) and x.dtype == types.float32:
        return lambda x, m, e: _exp_row32(x, m, e)
    return lambda x, m, e: _exp_row64(x, m, e)


@njit(cache=True, nogil=True)
def _row_max(x):
    """The row's maximum over its non-NaN values (-inf if none): eight running maxima, so that
    LLVM vectorises the loop (see the module docstring); a NaN in the row is left to the sum of
    the exponentials, which it makes NaN."""
    n = x.shape[0]
    m0 = m1 = m2 = m3 = m4 = m5 = m6 = m7 = x.dtype.type(-np.inf)
    n8 = n - n % 8
    for j in range(0, n8, 8):
        v0, v1, v2, v3 = x[j], x[j + 1], x[j + 2], x[j + 3]
        v4, v5, v6, v7 = x[j + 4], x[j + 5], x[j + 6], x[j + 7]
        m0 = v0 if v0 > m0 else m0  # noqa: FURB136 - NaN skipped, a select
        m1 = v1 if v1 > m1 else m1  # noqa: FURB136 - NaN skipped, a select
        m2 = v2 if v2 > m2 else m2  # noqa: FURB136 - NaN skipped, a select
        m3 = v3 if v3 > m3 else m3  # noqa: FURB136 - NaN skipped, a select
        m4 = v4 if v4 > m4 else m4  # noqa: FURB136 - NaN skipped, a select
        m5 = v5 if v5 > m5 else m5  # noqa: FURB136 - NaN skipped, a select
        m6 = v6 if v6 > m6 else m6  # noqa: FURB136 - NaN skipped, a select
        m7 = v7 if v7 > m7 else m7  # noqa: FURB136 - NaN skipped, a select
    m = max(max(max(m0, m1), max(m2, m3)), max(max(m4, m5), max(m6, m7)))
    for j in range(n8, n):
        v = x[j]
        m = v if v > m else m  # noqa: FURB136
    return m
