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


@njit(cache=True, nogil=True, inline="always", fastmath=_FM)
def row_mean(x, r, n):
    """The mean of row ``r`` of ``x`` (its first ``n`` entries), accumulated in float64."""
    s = 0.0
    for j in range(n):
        s += x[r, j]
    return s / n


@njit(cache=True, nogil=True, inline="always", fastmath=_FM)
def row_ssd(x, r, n, mu):
    """The sum of squared deviations of row ``r`` from ``mu``, in float64 (also the layer-norm
    loops' second pass: ``_jit_layer_norm._stats``)."""
    v = 0.0
    for j in range(n):
        d = x[r, j] - mu
        v += d * d
    return v


@njit(cache=True, nogil=True, fastmath=_FM, error_model="numpy")
def var_rows(x, out, dof):
    """out[r] = sum_j (x[r, j] - mean_r)^2 / dof, in float64, rounded to out's dtype."""
    rows, n = x.shape
    for r in range(rows):
        out[r] = row_ssd(x, r, n, row_mean(x, r, n)) / dof


@njit(cache=True, nogil=True, fastmath=_FM, error_model="numpy")
def var_grad_rows(g, x, out, scale):
    """out[r, j] = g[r] * scale * (x[r, j] - mean_r) (scale = 2 / dof), the mean in float64."""
    rows, n = x.shape
    for r in range(rows):
        mu = row_mean(x, r, n)
        k = g[r] * scale
        for j in range(n):
            out[r, j] = k * (x[r, j] - mu)
