"""Numba loops behind the CPU indexing kernels (imported on first use)."""

from __future__ import annotations

from numba import njit

from .runtime import configure_threads

configure_threads()


@njit(cache=True, nogil=True)
def one_hot_rows(idx, out):
    depth = out.shape[1]
    for i in range(idx.shape[0]):
        k = idx[i]
        if 0 <= k < depth:
            out[i, k] = 1


@njit(cache=True, nogil=True)
def scatter_add_rows(v, idx, out):
    """out[idx[j], :] += v[j, :] (indices already checked and made non-negative)."""
    for j in range(idx.shape[0]):
        k = idx[j]
        for c in range(v.shape[1]):
            out[k, c] += v[j, c]


@njit(cache=True, nogil=True)
def in_range(idx, n):
    """Whether every index of the flat integer array ``idx`` is in ``[0, n)`` (``gather``'s
    ``in_range`` for a C-contiguous int64 index: one pass, ~2 -> ~0.5 us for 8 indices)."""
    for k in range(idx.size):
        v = idx[k]
        if v >= n or v < 0:
            return False
    return True


@njit(cache=True, nogil=True)
def in_bounds(idx, n):
    """Whether every index of the flat integer array ``idx`` is in ``[-n, n)`` (one pass where
    NumPy's maximum and minimum made two calls: ~2.4 -> ~0.6 us for a 4x10 embedding)."""
    for k in range(idx.size):
        v = idx[k]
        if v >= n or v < -n:
            return False
    return True
