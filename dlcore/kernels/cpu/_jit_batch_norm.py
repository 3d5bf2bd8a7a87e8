"""Numba loops behind :mod:`dlcore.kernels.cpu.batch_norm` (imported on first use).

Every operand is 3-D ``(N, C, L)`` (C-contiguous: batch, channel, the flattened spatial axes);
statistics are ``(2, C)``.  Each kernel is one per-channel body (``_*_channel``, inlined) under
two loops over the channels: serial, and ``prange`` (``*_par``), which the caller picks for
large operands (see :mod:`.batch_norm`).  A channel's sums are accumulated in float64 (two passes for the
variance)."""

from __future__ import annotations

import math

from numba import njit, prange

from .runtime import configure_threads

configure_threads()

#: Reassociation only (no finite-math assumptions: NaN and inf propagate).
_FM = {"reassoc", "contract"}
_INL = {"cache": True, "nogil": True, "inline": "always", "fastmath": _FM}
_SER = {"cache": True, "nogil": True, "fastmath": _FM}
_PAR = {"cache": True, "nogil": True, "parallel": True, "fastmath": _FM}


@njit(**_INL)
def _stats_channel(x, out, c):
    nb, _, nl = x.shape
    n = nb * nl
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


@njit(**_INL)
def scale_shift(st, w, b, eps, has_w, has_b, c):
    """Channel c's forward as ``x * scale + shift``: (rstd [* w], -mean scale [+ b]); the
    channels-last loops (:mod:`._jit_batch_norm_last`) use it too."""
    scale = 1.0 / math.sqrt(st[1, c] * 1.0 + eps)
    if has_w:
        scale = scale * w[c]
    shift = -st[0, c] * scale
    if has_b:
        shift = shift + b[c]
    return scale, shift


@njit(**_INL)
def _forward_channel(x, st, w, b, out, eps, has_w, has_b, c):
    nb, _, nl = x.shape
    scale, shift = scale_shift(st, w, b, eps, has_w, has_b, c)
    for i in range(nb):
        for j in range(nl):
            out[i, c, j] = x[i, c, j] * scale + shift


@njit(**_INL)
def _grad_stats_channel(g, x, st, out, eps, c):
    nb, _, nl = x.shape
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


@njit(**_INL)
def _grad_x_channel(g, x, st, gs, w, out, eps, has_w, c):
    nb, _, nl = x.shape
    n = nb * nl
    mu = st[0, c] * 1.0
    rstd = 1.0 / math.sqrt(st[1, c] * 1.0 + eps)
    k1 = rstd * w[c] if has_w else rstd
    k2 = gs[0, c] / n
    k3 = gs[1, c] * rstd / n
    for i in range(nb):
        for j in range(nl):
            out[i, c, j] = k1 * (g[i, c, j] - k2 - (x[i, c, j] - mu) * k3)


@njit(**_SER)
def stats(x, out):
    """out[0, c] = mean, out[1, c] = biased variance of channel c (count n = N L > 0)."""
    for c in range(x.shape[1]):
        _stats_channel(x, out, c)


@njit(**_PAR)
def stats_par(x, out):
    for c in prange(x.shape[1]):
        _stats_channel(x, out, c)


@njit(**_SER)
def forward(x, st, w, b, out, eps, has_w, has_b):
    """out = (x - mean) rstd [* w] [+ b], as x * scale + shift per channel."""
    for c in range(x.shape[1]):
        _forward_channel(x, st, w, b, out, eps, has_w, has_b, c)


@njit(**_PAR)
def forward_par(x, st, w, b, out, eps, has_w, has_b):
    for c in prange(x.shape[1]):
        _forward_channel(x, st, w, b, out, eps, has_w, has_b, c)


@njit(**_SER)
def grad_stats(g, x, st, out, eps):
    """out[0, c] = sum g, out[1, c] = sum g xhat over channel c."""
    for c in range(x.shape[1]):
        _grad_stats_channel(g, x, st, out, eps, c)


@njit(**_PAR)
def grad_stats_par(g, x, st, out, eps):
    for c in prange(x.shape[1]):
        _grad_stats_channel(g, x, st, out, eps, c)


@njit(**_SER)
def grad_x(g, x, st, gs, w, out, eps, has_w):
    """out = w rstd (g - sum(g)/n - xhat sum(g xhat)/n) per channel."""
    for c in range(x.shape[1]):
        _grad_x_channel(g, x, st, gs, w, out, eps, has_w, c)


@njit(**_PAR)
def grad_x_par(g, x, st, gs, w, out, eps, has_w):
    for c in prange(x.shape[1]):
        _grad_x_channel(g, x, st, gs, w, out, eps, has_w, c)
