"""Numba loops behind the CPU scatter_set / scatter_combine kernels (imported on first use).
Indices arrive checked and non-negative; every loop runs in index order (deterministic)."""

from __future__ import annotations

import numpy as np
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


@njit(cache=True, nogil=True, error_model="numpy")     # (g / 0: inf or NaN, as NumPy)
def minmax_grad3(g, y, x, v, idx, dx, dv):
    """scatter_combine's max/min gradient (``scatter_ops._minmax_vjp``'s steps, their float
    operations in their order): per line, the ties n = (x == y) + the count of v == y at
    each position, g / n, dx = (g / n) (x == y), dv = (g / n)[idx] (v == y[idx])."""
    o, n, inner = x.shape
    kk = v.shape[1]
    cnt = np.empty(n, dx.dtype)
    for a in range(o):
        for c in range(inner):
            for p in range(n):
                cnt[p] = 1 if x[a, p, c] == y[a, p, c] else 0
            for k in range(kk):
                j = idx[a, k, c]
                if v[a, k, c] == y[a, j, c]:
                    cnt[j] += 1
            for p in range(n):
                gn = g[a, p, c] / cnt[p]
                cnt[p] = gn
                dx[a, p, c] = gn * (1 if x[a, p, c] == y[a, p, c] else 0)
            for k in range(kk):
                j = idx[a, k, c]
                dv[a, k, c] = cnt[j] * (1 if v[a, k, c] == y[a, j, c] else 0)
