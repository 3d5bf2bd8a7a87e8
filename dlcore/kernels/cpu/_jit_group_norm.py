"""Numba loops behind :mod:`dlcore.kernels.cpu.group_norm` (imported on first use).

``x``, ``g`` and ``out`` are 3-D ``(N, C, S)`` (C-contiguous; ``S`` the product of the spatial
axes), ``w``/``b`` 1-D ``(C,)``.  A group is ``C // groups`` consecutive channels of one sample;
its mean and variance are two passes accumulated in float64, ``rstd = 1 / sqrt(var + eps)``, as
the layer-norm loops (:mod:`._jit_layer_norm`) compute a row's."""

from __future__ import annotations

import math

from numba import njit

from .runtime import configure_threads

configure_threads()

#: Reassociation only (NaN and inf propagate): the group sums vectorise.
_FM = {"reassoc", "contract"}


@njit(cache=True, nogil=True, inline="always", fastmath=_FM)
def _stats(x, i, c0, c1, eps):
    s_ = x.shape[2]
    t = 0.0
    for c in range(c0, c1):
        for j in range(s_):
            t += x[i, c, j]
    m = (c1 - c0) * s_
    mu = t / m
    v = 0.0
    for c in range(c0, c1):
        for j in range(s_):
            d = x[i, c, j] - mu
            v += d * d
    return mu, 1.0 / math.sqrt(v / m + eps)


@njit(cache=True, nogil=True, fastmath=_FM)
def forward(x, w, b, out, groups, eps, has_w, has_b):
    """out = (x - mean) * rstd [* w[c]] [+ b[c]] per group, as ``(x - mean) * scale + shift``
    with one scale and shift per channel (in float64, rounded once; ``x * scale + shift`` with
    ``shift = -mean * scale`` left a rounding error where ``x == mean``, not PyTorch's 0)."""
    n_, c_, s_ = x.shape
    cg = c_ // groups
    for i in range(n_):
        for grp in range(groups):
            c0 = grp * cg
            mu, rstd = _stats(x, i, c0, c0 + cg, eps)
            for c in range(c0, c0 + cg):
                scale = rstd * w[c] if has_w else rstd
                shift = b[c] * 1.0 if has_b else 0.0
                for j in range(s_):
                    out[i, c, j] = (x[i, c, j] - mu) * scale + shift


@njit(cache=True, nogil=True, fastmath=_FM)
def grad_x(g, x, w, out, groups, eps, has_w):
    """out = rstd (a - mean(a) - xhat mean(a xhat)) per group, a = g [* w[c]]."""
    n_, c_, s_ = x.shape
    cg = c_ // groups
    m = cg * s_
    for i in range(n_):
        for grp in range(groups):
            c0 = grp * cg
            mu, rstd = _stats(x, i, c0, c0 + cg, eps)
            sa = 0.0
            sax = 0.0
            for c in range(c0, c0 + cg):
                wc = w[c] * 1.0 if has_w else 1.0
                ta = 0.0
                tax = 0.0
                for j in range(s_):
                    a = g[i, c, j] * 1.0
                    ta += a
                    tax += a * (x[i, c, j] - mu)
                sa += ta * wc
                sax += tax * wc
            sa /= m
            sax = sax * rstd / m
            for c in range(c0, c0 + cg):
                wc = w[c] * rstd if has_w else rstd
                # out = wc g - rstd (sa + xhat sax) = wc g - rstd^2 sax (x - mu) - rstd sa
                k = rstd * rstd * sax
                shift = rstd * sa
                for j in range(s_):
                    out[i, c, j] = g[i, c, j] * wc - (x[i, c, j] - mu) * k - shift


@njit(cache=True, nogil=True, fastmath=_FM)
def grad_w(g, x, acc, groups, eps):
    """acc[c] = sum over samples and positions of g xhat (acc: float64, zeroed here)."""
    n_, c_, s_ = x.shape
    cg = c_ // groups
    for c in range(c_):
        acc[c] = 0.0
    for i in range(n_):
        for grp in range(groups):
            c0 = grp * cg
            mu, rstd = _stats(x, i, c0, c0 + cg, eps)
            for c in range(c0, c0 + cg):
                t = 0.0
                for j in range(s_):
                    t += g[i, c, j] * (x[i, c, j] - mu)
                acc[c] += t * rstd
