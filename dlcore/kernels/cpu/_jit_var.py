"""Numba loops behind :mod:`dlcore.kernels.cpu.var` (imported on first use).

``x`` is 2-D ``(rows, n)`` (C-contiguous), each row one variance: its mean and its sum of squared
deviations are two passes accumulated in float64 (PyTorch's CPU ``var`` accumulates its Welford
pass in double for float32 input)."""

from __future__ import annotations

from numba import njit

from .runtime import configure_threads

configure_threads()

#: Reassociation only (NaN and inf propagate as before): the row sums vectorise.
_FM = {"reassoc", "contract"}


@njit(cache=True, nogil=True, fastmath=_FM, error_model="numpy")
def var_rows(x, out, dof):
    """out[r] = sum_j (x[r, j] - mean_r)^2 / dof, in float64, rounded to out's dtype."""
    rows, n = x.shape
    for r in range(rows):
        s = 0.0
        for j in range(n):
            s += x[r, j]
        mu = s / n
        v = 0.0
        for j in range(n):
            d = x[r, j] - mu
            v += d * d
        out[r] = v / dof


@njit(cache=True, nogil=True, fastmath=_FM, error_model="numpy")
def var_grad_rows(g, x, out, scale):
    """out[r, j] = g[r] * scale * (x[r, j] - mean_r) (scale = 2 / dof), the mean in float64."""
    rows, n = x.shape
    for r in range(rows):
        s = 0.0
        for j in range(n):
            s += x[r, j]
        mu = s / n
        k = g[r] * scale
        for j in range(n):
            out[r, j] = k * (x[r, j] - mu)
