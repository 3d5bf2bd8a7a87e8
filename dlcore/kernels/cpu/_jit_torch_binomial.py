"""Numba kernel of ATen's CPU binomial sampler (``sample_binomial<scalar_t, double>`` of
``ATen/native/Distributions.h``, as ``torch.binomial`` calls it) over PyTorch's MT19937 words
(``dlcore_eager/distributions/_torch_samplers.py``; the same loop in Python there before, 50x
slower than torch).  ``raw`` holds 32-bit draws; a double uniform is two of them (see
``_jit_torch_gamma``).  Per element: 0 for ``count <= 0`` or ``p <= 0``, ``count`` for
``p >= 1``; ``p > 1/2`` mirrored (``count - draw(count, 1 - p)``); below ``count p = 10``
inversion (geometric sums: ``geom += ceil(log u / log1p(-p))`` until past ``count``), from it
Hormann's BTRS.  For float32 ``scalar_t`` the products, quotients, square root and ``log1p``
round to float as C++ evaluates them; the rest is double.

The kernel stops at the first element whose draws would run past ``raw`` and reports how far it
got (elements done, words used), so the caller can draw more words and go on.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from ._jit_torch_gamma import _unit

_KW = {"nogil": True, "cache": True, "error_model": "numpy"}
_TAIL = np.array([0.0810614667953272, 0.0413406959554092, 0.0276779256849983,
                  0.02079067210376509, 0.0166446911898211, 0.0138761288230707,
                  0.0118967099458917, 0.0104112652619720, 0.00925546218271273,
                  0.00833056343336287])


@njit(inline="always", **_KW)
def _s(x, f32):
    return float(np.float32(x)) if f32 else x


@njit(**_KW)
def _stirling_tail(k):
    if k <= 9:
        return _TAIL[int(k)]
    kp1sq = (k + 1) * (k + 1)
    return (1.0 / 12 - (1.0 / 360 - 1.0 / 1260 / kp1sq) / kp1sq) / (k + 1)


@njit(**_KW)
def _inversion(count, prob, f32, raw, pos):
    """(draw, new pos); pos = -1: the words ran out."""
    n_raw = raw.shape[0]
    if f32:
        logprob = float(np.log1p(np.float32(-prob)))
    else:
        logprob = math.log1p(-prob)
    geom_sum = 0.0
    num = 0
    while True:
        if pos + 2 > n_raw:
            return 0.0, -1
        u = _unit(raw, pos)
        pos += 2
        geom_sum += math.ceil(math.log(u) / logprob)
        if geom_sum > count:
            return float(num), pos
        num += 1


@njit(**_KW)
def _btrs(count, prob, f32, raw, pos):
    n_raw = raw.shape[0]
    stddev = math.sqrt(_s(_s(count * prob, f32) * _s(1 - prob, f32), f32))
    stddev = _s(stddev, f32)
    b = 1.15 + 2.53 * stddev
    a = -0.0873 + 0.0248 * b + 0.01 * prob
    c = _s(count * prob, f32) + 0.5
    v_r = 0.92 - 4.2 / b
    r = _s(_s(prob, f32) / _s(1 - prob, f32), f32)
    alpha = (2.83 + 5.1 / b) * stddev
    m = math.floor(_s(_s(count + 1, f32) * prob, f32))
    while True:
        if pos + 4 > n_raw:
            return 0.0, -1
        U = _unit(raw, pos) - 0.5
        V = _unit(raw, pos + 2)
        pos += 4
        us = 0.5 - abs(U)
        k = _s(math.floor((2 * a / us + b) * U + c), f32)
        if k < 0 or k > count:
            continue
        if us >= 0.07 and V <= v_r:
            return k, pos
        V = math.log(V * alpha / (a / (us * us) + b))
        upper = ((m + 0.5) * math.log((m + 1) / (r * (count - m + 1)))
                 + (count + 1) * math.log((count - m + 1) / (count - k + 1))
                 + (k + 0.5) * math.log(r * (count - k + 1) / (k + 1))
                 + _stirling_tail(m) + _stirling_tail(count - m)
                 - _stirling_tail(k) - _stirling_tail(count - k))
        if V <= upper:
            return k, pos


@njit(**_KW)
def _draw(count, prob, f32, raw, pos):
    if count <= 0.0 or prob <= 0.0:
        return 0.0, pos
    if prob >= 1.0:
        return count, pos
    if prob <= 0.5:
        if _s(count * prob, f32) >= 10.0:
            return _btrs(count, prob, f32, raw, pos)
        return _inversion(count, prob, f32, raw, pos)
    if prob > 0.5:
        q = _s(1.0 - prob, f32)
        if _s(count * q, f32) >= 10.0:
            k, pos = _btrs(count, q, f32, raw, pos)
        else:
            k, pos = _inversion(count, q, f32, raw, pos)
        return _s(count - k, f32), pos
    return math.nan, pos


@njit(**_KW)
def binomial_fill(raw, counts, probs, f32, start, out):
    """Fill ``out[start:]`` with binomial draws (float64 values); returns (next element,
    words used)."""
    pos = 0
    i = start
    while i < counts.shape[0]:
        v, p = _draw(counts[i], probs[i], f32, raw, pos)
        if p < 0:
            return i, pos
        out[i] = v
        pos = p
        i += 1
    return i, pos
