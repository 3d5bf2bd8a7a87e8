"""Numba loops behind :mod:`dlcore.kernels.cpu.norm2` (imported on first use).

``x`` is 2-D ``(rows, n)`` C-contiguous: the reduced axes last.  Each square is taken in the
operand's dtype (a float32 square of 1e30 overflows to inf, as PyTorch's), the squares summed
in float64 and the root rounded once: float32 results are the correctly rounded norms of the
float32 squares."""

from __future__ import annotations

import math

from numba import njit

from .runtime import configure_threads

configure_threads()

#: Reassociation only (no finite-math assumptions: NaN and inf propagate): the float64 row
#: sums vectorise.
_FM = {"reassoc", "contract"}


@njit(cache=True, nogil=True, inline="always", fastmath=_FM)
def _row(x, r, n):
    acc = 0.0
    for j in range(n):
        v = x[r, j]
        acc += v * v
    return math.sqrt(acc)


@njit(cache=True, nogil=True, fastmath=_FM)
def forward(x, out):
    """out[r] = sqrt(sum_j x[r, j]^2)."""
    rows, n = x.shape
    for r in range(rows):
        out[r] = _row(x, r, n)


@njit(cache=True, nogil=True, fastmath=_FM, error_model="numpy")
def grad(g, x, y, out, masked):
    """out[r, j] = x[r, j] * (g[r] / y[r]) (PyTorch's ``self * (grad / norm)``, in the
    operand's dtype), 0 where y[r] == 0 when ``masked`` (PyTorch's ``masked_fill_``; else
    TensorFlow's 0 * inf = NaN there); ``y`` a scratch row of that dtype, where each norm is
    rounded to it."""
    rows, n = x.shape
    for r in range(rows):
        y[r] = _row(x, r, n)
        yr = y[r]
        if masked and yr == 0:
            for j in range(n):
                out[r, j] = 0
        else:
            s = g[r] / yr
            for j in range(n):
                out[r, j] = x[r, j] * s
