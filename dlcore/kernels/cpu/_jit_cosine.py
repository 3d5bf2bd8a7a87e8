"""Numba loops behind :mod:`dlcore.kernels.cpu.cosine` (imported on first use).

``x1``, ``x2`` and the input gradient are 3-D ``(A, n, B)`` (C-contiguous; ``n`` the summed
axis), the similarity and its cotangent 2-D ``(A, B)``.  Per ``(a, b)`` the three sums
``|x1|^2``, ``|x2|^2`` and ``x1.x2`` accumulate in float64; each norm is
``sqrt(max(|x|^2, eps^2))``."""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from .runtime import configure_threads

configure_threads()

_FM = {"reassoc", "contract"}


@njit(cache=True, nogil=True, fastmath=_FM)
def _sums(x1, x2, a):
    """(s11, s22, s12), each (B,) float64, of row block ``a``."""
    _, n, b_ = x1.shape
    s = np.zeros((3, b_))
    for j in range(n):
        for k in range(b_):
            p = x1[a, j, k] * 1.0
            q = x2[a, j, k] * 1.0
            s[0, k] += p * p
            s[1, k] += q * q
            s[2, k] += p * q
    return s


@njit(cache=True, nogil=True, inline="always", fastmath=_FM)
def _line_sums(x1, x2, a):
    """(s11, s22, s12) of line ``a`` where B == 1 (the summed axis last: contiguous)."""
    s11 = 0.0
    s22 = 0.0
    s12 = 0.0
    for j in range(x1.shape[1]):
        p = x1[a, j, 0] * 1.0
        q = x2[a, j, 0] * 1.0
        s11 += p * p
        s22 += q * q
        s12 += p * q
    return s11, s22, s12


@njit(cache=True, nogil=True, fastmath=_FM)
def forward(x1, x2, out, eps2):
    """out[a, b] = (x1 . x2) / (max(|x1|, eps) max(|x2|, eps)) along axis 1."""
    a_, n, b_ = x1.shape
    for a in range(a_):
        if b_ == 1:
            s11, s22, s12 = _line_sums(x1, x2, a)
            out[a, 0] = s12 / (math.sqrt(max(s11, eps2)) * math.sqrt(max(s22, eps2)))
        else:
            s = _sums(x1, x2, a)
            for k in range(b_):
                out[a, k] = s[2, k] / (math.sqrt(max(s[0, k], eps2))
                                       * math.sqrt(max(s[1, k], eps2)))


@njit(cache=True, nogil=True, inline="always")
def _coefs(s11, s22, s12, gg, eps2):
    """(c1, c2) with dx1 = c1 x1 + c2 x2: g (x2 / n2 - cos x1 / n1) / n1, the x1 term absent
    where |x1|^2 <= eps^2 (the clamped norm is a constant there)."""
    n1 = math.sqrt(max(s11, eps2))
    n2 = math.sqrt(max(s22, eps2))
    c2 = gg / (n1 * n2)
    c1 = -gg * (s12 / (n1 * n2)) / (n1 * n1) if s11 > eps2 else 0.0
    return c1, c2


@njit(cache=True, nogil=True, fastmath=_FM)
def grad(g, x1, x2, out, eps2):
    """out = d cos / d x1 times the cotangent ``g`` (A, B)."""
    a_, n, b_ = x1.shape
    for a in range(a_):
        if b_ == 1:
            s11, s22, s12 = _line_sums(x1, x2, a)
            c1, c2 = _coefs(s11, s22, s12, g[a, 0] * 1.0, eps2)
            for j in range(n):
                out[a, j, 0] = x1[a, j, 0] * c1 + x2[a, j, 0] * c2
        else:
            s = _sums(x1, x2, a)
            c = np.empty((2, b_))
            for k in range(b_):
                c[0, k], c[1, k] = _coefs(s[0, k], s[1, k], s[2, k], g[a, k] * 1.0, eps2)
            for j in range(n):
                for k in range(b_):
                    out[a, j, k] = x1[a, j, k] * c[0, k] + x2[a, j, k] * c[1, k]
