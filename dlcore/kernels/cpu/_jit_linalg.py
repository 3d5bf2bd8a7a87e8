"""Numba loops behind :mod:`dlcore.kernels.cpu.linalg_solve` (imported on first use)."""

from __future__ import annotations

from numba import njit

from .runtime import configure_threads

configure_threads()


@njit(cache=True, nogil=True, error_model="numpy")
def trsm_batch(a, b, out, lower, unit):
    """out[i] = a[i]^-1 b[i] for triangular a[i] (n x n), b[i] and out[i] (n x k): forward
    substitution (``lower``) or back substitution, row by row, all k columns at once."""
    nb, n, k = b.shape
    for i in range(nb):
        for step in range(n):
            r = step if lower else n - 1 - step
            for c in range(k):
                acc = b[i, r, c]
                if lower:
                    for j in range(r):
                        acc -= a[i, r, j] * out[i, j, c]
                else:
                    for j in range(r + 1, n):
                        acc -= a[i, r, j] * out[i, j, c]
                out[i, r, c] = acc if unit else acc / a[i, r, r]
