"""Numba loops behind :mod:`dlcore.kernels.cpu.layer_norm` (imported on first use).

Every array is 2-D ``(rows, n)`` (C-contiguous) and ``w``/``b`` are 1-D ``(n,)``; a row's mean
and variance are two passes accumulated in float64, ``rstd = 1 / sqrt(var + eps)``."""

from __future__ import annotations

import math

from numba import njit

from ._jit_var import row_mean, row_ssd
from .runtime import configure_threads

configure_threads()

#: Reassociation only (no finite-math assumptions: NaN and inf propagate as before): the row
#: sums vectorise instead of waiting on one float64 add after another.
_FM = {"reassoc", "contract"}


@njit(cache=True, nogil=True, inline="always", fastmath=_FM)
def _stats(x, r, n, eps):
    mu = row_mean(x, r, n)               # (the variance loops' two passes: _jit_var)
    return mu, 1.0 / math.sqrt(row_ssd(x, r, n, mu) / n + eps)


@njit(cache=True, nogil=True, fastmath=_FM)
def forward(x, w, b, out, eps, has_w, has_b):
    """out = (x - mean) * rstd [* w] [+ b] per row."""
    rows, n = x.shape
    for r in range(rows):
        mu, rstd = _stats(x, r, n, eps)
        for j in range(n):
            y = (x[r, j] - mu) * rstd
            if has_w:
                y = y * w[j]
            if has_b:
                y = y + b[j]
            out[r, j] = y


@njit(cache=True, nogil=True, fastmath=_FM)
def grad_x(g, x, w, out, eps, has_w):
    """out = rstd (a - mean(a) - xhat mean(a xhat)) per row, a = g [* w]."""
    rows, n = x.shape
    for r in range(rows):
        mu, rstd = _stats(x, r, n, eps)
        sa = 0.0
        sax = 0.0
        for j in range(n):
            a = g[r, j] * w[j] if has_w else g[r, j] * 1.0
            sa += a
            sax += a * ((x[r, j] - mu) * rstd)
        sa /= n
        sax /= n
        for j in range(n):
            a = g[r, j] * w[j] if has_w else g[r, j] * 1.0
            out[r, j] = rstd * (a - sa - (x[r, j] - mu) * rstd * sax)


@njit(cache=True, nogil=True, fastmath=_FM)
def grad_w(g, x, acc, eps):
    """acc[j] = sum over rows of g xhat (acc: float64, zeroed here)."""
    rows, n = x.shape
    for j in range(n):
        acc[j] = 0.0
    for r in range(rows):
        mu, rstd = _stats(x, r, n, eps)
        for j in range(n):
            acc[j] += g[r, j] * ((x[r, j] - mu) * rstd)
