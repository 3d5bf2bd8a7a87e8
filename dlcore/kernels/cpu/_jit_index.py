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
