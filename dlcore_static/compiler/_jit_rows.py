"""The Numba loop behind ``accumulators.scatter_into`` (imported on first use)."""

from __future__ import annotations

from numba import njit

from dlcore.kernels.cpu.runtime import configure_threads

configure_threads()


@njit(cache=True, nogil=True)
def add_rows_checked(v, idx, out):
    """``out[idx[j], :] += v[j, :]``; returns the first index out of range (nothing is written
    then), or -1."""
    n = out.shape[0]
    for j in range(idx.shape[0]):
        k = idx[j]
        if k < -n or k >= n:
            return k
    for j in range(idx.shape[0]):
        k = idx[j]
        if k < 0:
            k += n
        for c in range(v.shape[1]):
            out[k, c] += v[j, c]
    return -1
