"""Numba loops behind the CPU scatter_set / scatter_combine kernels (imported on first use).
Indices arrive checked and non-negative; every loop runs in index order (deterministic)."""

from __future__ import annotations

from numba import njit

from .runtime import configure_threads

configure_threads()


@njit(cache=True, nogil=True)
def set3(v, idx, out):
    """out[a, idx[a, k, c], c] = v[a, k, c], k ascending: the last write wins."""
    o, kk, inner = v.shape
    for a in range(o):
        for k in range(kk):
            for c in range(inner):
                out[a, idx[a, k, c], c] = v[a, k, c]


@njit(cache=True, nogil=True)
def combine3(v, idx, out, code):
    """out[a, idx[a, k, c], c] = op(out[..], v[a, k, c]); op by code: 0 max, 1 min, 2 product.
    max/min propagate NaN (a NaN operand wins, as PyTorch's amax/amin)."""
    o, kk, inner = v.shape
    for a in range(o):
        for k in range(kk):
            for c in range(inner):
                j = idx[a, k, c]
                cur = out[a, j, c]
                b = v[a, k, c]
                if code == 2:
                    out[a, j, c] = cur * b
                elif code == 0:
                    if b > cur or b != b:  # noqa: PLR0124 - NaN wins
                        out[a, j, c] = b
                elif b < cur or b != b:  # noqa: PLR0124
                    out[a, j, c] = b
