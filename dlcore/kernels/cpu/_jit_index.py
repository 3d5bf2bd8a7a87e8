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
