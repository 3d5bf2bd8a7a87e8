"""Flat float32 loops over ``_fast32``'s scalar forms, for the tanh/sigmoid/tanh_grad CPU kernels
(``transcendental``; measurements there).  ``error_model='numpy'``: with Python's, each division
carries a zero check that keeps LLVM from vectorising the loop (measured 58 -> 15 us for a
(20, 200) tanh).  Imported on first use, so importing dlcore compiles nothing."""

from __future__ import annotations

import numpy as np
from numba import njit

from ._fast32 import sigmoid32, tanh32


@njit(cache=True, nogil=True, error_model="numpy")
def tanh32_loop(x, out):
    for i in range(x.size):
        out[i] = tanh32(x[i])


@njit(cache=True, nogil=True, error_model="numpy")
def sigmoid32_loop(x, out):
    """out = sigmoid32(x); returns how many x are below -87.33 (where sigmoid32 clamps)."""
    low = 0
    for i in range(x.size):
        xi = x[i]
        out[i] = sigmoid32(xi)
        low += xi < np.float32(-87.33)
    return low


@njit(cache=True, nogil=True, error_model="numpy")
def tanh_grad32_loop(g, t, out):
    """out = g (1 - t t) in float32: the same three roundings as NumPy's g * (1 - t * t)."""
    one = np.float32(1.0)
    for i in range(g.size):
        ti = t[i]
        out[i] = g[i] * (one - ti * ti)
