"""Numba loops behind :mod:`dlcore.kernels.cpu.scan` (imported on first use)."""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from .runtime import configure_threads

configure_threads()


@njit(cache=True, nogil=True)
def scan3(x, out, reverse, exclusive, product, init):
    """Inclusive/exclusive, forward/reverse running sum or product along axis 1, starting at
    ``init`` (0 or 1, typed: of x's dtype, or of a wider one for float32/complex64, whose sums
    then accumulate in double precision, each output rounded to ``out``'s dtype; not ``x * 0``,
    which is NaN for an infinite first element)."""
    o, n, inner = x.shape
    for a in range(o):
        for c in range(inner):
            acc = init
            for k in range(n):
                kk = n - 1 - k if reverse else k
                v = x[a, kk, c]
                if exclusive:
                    out[a, kk, c] = acc
                if product:
                    acc = acc * v
                else:
                    acc = acc + v
                if not exclusive:
                    out[a, kk, c] = acc


@njit(cache=True, nogil=True)
def scatter_add3(v, idx, out):
    """out[a, idx[a, k, c], c] += v[a, k, c] (indices checked, non-negative)."""
    o, kk, inner = v.shape
    for a in range(o):
        for k in range(kk):
            for c in range(inner):
                out[a, idx[a, k, c], c] += v[a, k, c]


@njit(cache=True, nogil=True)
def take_along3(x, i, axis, out):
    """``out[a, b, c] = x[.., i[a, b, c], ..]`` (the index along ``axis``) for 3-D ``x`` and
    ``i`` of one shape except along ``axis``, any strides (an expanded operand is read in
    place); a negative index wraps.  False, with ``out`` partly written, at an index out of
    range (the caller raises the general path's error)."""
    n = x.shape[axis]
    for a in range(i.shape[0]):
        for b in range(i.shape[1]):
            for c in range(i.shape[2]):
                k = i[a, b, c]
                if k < 0:
                    k += n
                if k < 0 or k >= n:
                    return False
                if axis == 0:
                    out[a, b, c] = x[k, b, c]
                elif axis == 1:
                    out[a, b, c] = x[a, k, c]
                else:
                    out[a, b, c] = x[a, b, k]
    return True


@njit(cache=True, nogil=True)
def pack_sort_keys32(bits, keys):
    """``keys[r, j]``: a float32 line's order key and ``j`` in one int64, ``bits`` the lines'
    float32 bits (int32, (rows, n), ``n < 2**31``): the bits made monotone as signed integers
    (negatives' magnitude bits flipped), -0.0 as +0.0 and every NaN as the positive quiet NaN
    (above +inf, as PyTorch sorts NaN), shifted up 32 bits, the index below: sorting the keys
    as integers is the stable sort of the values."""
    rows, n = bits.shape
    for r in range(rows):
        for j in range(n):
            b = bits[r, j]
            m = b & 0x7FFFFFFF
            if m > 0x7F800000:
                b = 0x7FC00000                  # (NaN)
            elif m == 0:
                b = 0                           # (-0.0)
            k = b ^ ((b >> 31) & 0x7FFFFFFF)
            keys[r, j] = (np.int64(k) << 32) | j


@njit(cache=True, nogil=True)
def logaddexp_scan3(x, out):
    """``out[a, k, c] = log(sum_{j <= k} exp(x[a, j, c]))`` as a running log-add-exp in
    float64 (PyTorch's ``_log_add_exp_helper``: ``log1p(exp(min - max)) + max``, NaN kept, two
    equal infinities the infinity), each output rounded to ``out``'s dtype."""
    o, n, inner = x.shape
    for a in range(o):
        for c in range(inner):
            acc = -np.inf
            for k in range(n):
                v = x[a, k, c] * 1.0
                if acc != acc:
                    pass                                # (NaN stays)
                elif v != v:
                    acc = v
                else:
                    lo = v if v < acc else acc
                    hi = acc if v < acc else v
                    if lo != hi or math.isfinite(lo):   # (unequal, or finite)
                        acc = np.log1p(np.exp(lo - hi)) + hi
                    else:
                        acc = v                         # (two equal infinities)
                out[a, k, c] = acc
