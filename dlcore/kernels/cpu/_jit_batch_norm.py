"""Numba loops behind :mod:`dlcore.kernels.cpu.batch_norm` (imported on first use).

Every operand is 3-D ``(N, C, L)`` (C-contiguous: batch, channel, the flattened spatial axes);
statistics are ``(2, C)``.  ``prange`` runs over the channels; each channel's sums are
accumulated in float64 (two passes for the variance)."""

from __future__ import annotations

import math

from numba import njit, prange

from .runtime import configure_threads

configure_threads()

#: Reassociation only (no finite-math assumptions: NaN and inf propagate).
_FM = {"reassoc", "contract"}


@njit(cache=True, nogil=True, parallel=True, fastmath=_FM)
def stats(x, out):
    """out[0, c] = mean, out[1, c] = biased variance of channel c (count n = N L > 0)."""
    nb, nc, nl = x.shape
    n = nb * nl
    for c in prange(nc):
        s = 0.0
        for i in range(nb):
            for j in range(nl):
                s += x[i, c, j]
        mu = s / n
        v = 0.0
        for i in range(nb):
            for j in range(nl):
                d = x[i, c, j] - mu
                v += d * d
        out[0, c] = mu
        out[1, c] = v / n


@njit(cache=True, nogil=True, parallel=True, fastmath=_FM)
def forward(x, st, w, b, out, eps, has_w, has_b):
    """out = (x - mean) rstd [* w] [+ b], as x * scale + shift per channel."""
    nb, nc, nl = x.shape
    for c in prange(nc):
        scale = 1.0 / math.sqrt(st[1, c] * 1.0 + eps)
        if has_w:
            scale = scale * w[c]
        shift = -st[0, c] * scale
        if has_b:
            shift = shift + b[c]
        for i in range(nb):
            for j in range(nl):
                out[i, c, j] = x[i, c, j] * scale + shift


@njit(cache=True, nogil=True, parallel=True, fastmath=_FM)
def grad_stats(g, x, st, out, eps):
    """out[0, c] = sum g, out[1, c] = sum g xhat over channel c."""
    nb, nc, nl = x.shape
    for c in prange(nc):
        mu = st[0, c] * 1.0
        rstd = 1.0 / math.sqrt(st[1, c] * 1.0 + eps)
        sg = 0.0
        sgx = 0.0
        for i in range(nb):
            for j in range(nl):
                gv = g[i, c, j] * 1.0
                sg += gv
                sgx += gv * (x[i, c, j] - mu)
        out[0, c] = sg
        out[1, c] = sgx * rstd


@njit(cache=True, nogil=True, parallel=True, fastmath=_FM)
def grad_x(g, x, st, gs, w, out, eps, has_w):
    """out = w rstd (g - sum(g)/n - xhat sum(g xhat)/n) per channel."""
    nb, nc, nl = x.shape
    n = nb * nl
    for c in prange(nc):
        mu = st[0, c] * 1.0
        rstd = 1.0 / math.sqrt(st[1, c] * 1.0 + eps)
        k1 = rstd * w[c] if has_w else rstd
        k2 = gs[0, c] / n
        k3 = gs[1, c] * rstd / n
        for i in range(nb):
            for j in range(nl):
                out[i, c, j] = k1 * (g[i, c, j] - k2 - (x[i, c, j] - mu) * k3)
