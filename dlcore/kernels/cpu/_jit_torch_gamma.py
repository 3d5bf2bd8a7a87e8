"""Numba kernel of ATen's CPU gamma sampler (``sample_gamma<scalar_t, double>`` of
``ATen/native/Distributions.h``, as ``torch._standard_gamma`` and ``torch._sample_dirichlet``
call it) over PyTorch's MT19937 words (``dlcore_eager/distributions/_torch_samplers.py``).

``raw`` holds 32-bit draws of the stream; a double uniform is two of them,
``((w0 << 32) | w1) & (2**53 - 1)) * 2**-53``; a standard normal is
``normal_distribution<double>``: ``u1, u2`` uniforms, ``r = sqrt(-2 log1p(-u2))``,
``theta = 2 pi u1``, returns ``r cos theta`` and caches ``r sin theta`` (``cache`` = [valid,
value], the generator's ``next_double_normal_sample``).  Per element (Marsaglia and Tsang)::

    if a < 1: scale = (1 - u)^(1/a); a += 1          (1/a, a + 1 in float32 for float32 a)
    d = a - 1/3 (float32 for float32 a: 1.0f / 3.0f),  c = 1 / sqrt(9 d)
    repeat: x normal, y = 1 + c x until y > 0;  v = y^3;  u = 1 - uniform
            accept scale d v if u < 1 - 0.0331f x^4 or log u < x^2/2 + d (1 - v + log v)

The kernel stops at the first element whose draws would run past ``raw`` and reports how far it
got (elements done, words used, the cache as it was after the last whole element), so the
caller can draw more words and go on.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

_KW = {"nogil": True, "cache": True, "error_model": "numpy"}
_MASK53 = np.uint64((1 << 53) - 1)
_THIRD32 = np.float32(np.float32(1.0) / np.float32(3.0))
_C331 = float(np.float32(0.0331))


@njit(inline="always", **_KW)
def _unit(raw, pos):
    w = ((raw[pos] << np.uint64(32)) | raw[pos + 1]) & _MASK53
    return float(w) * 1.1102230246251565e-16


@njit(**_KW)
def gamma_fill(raw, alpha, f32, start, out, cache):
    """Fill ``out[start:]`` with gamma draws of ``alpha`` (float64 values, rounded where float32
    ``a`` is); returns (next element, words used); ``cache`` is updated in place."""
    n_raw = raw.shape[0]
    pos = 0
    i = start
    while i < alpha.shape[0]:
        p0 = pos
        cv0 = cache[0]
        cx0 = cache[1]
        a = alpha[i]
        scale = 1.0
        short = False
        res = 0.0
        if a < 1.0 and a == 0.0:
            res = 0.0
        else:
            if a < 1.0:
                if pos + 2 > n_raw:
                    short = True
                else:
                    u0 = _unit(raw, pos)
                    pos += 2
                    if f32:
                        inv = float(np.float32(1.0) / np.float32(a))
                        a = float(np.float32(a) + np.float32(1.0))
                    else:
                        inv = 1.0 / a
                        a = a + 1.0
                    scale *= math.pow(1.0 - u0, inv)
            if not short:
                if f32:
                    d = float(np.float32(a) - _THIRD32)
                else:
                    d = a - float(_THIRD32)
                c = 1.0 / math.sqrt(9.0 * d)
                done = False
                while not done and not short:
                    x = 0.0
                    y = 0.0
                    while True:
                        if cache[0] != 0.0:
                            cache[0] = 0.0
                            x = cache[1]
                        else:
                            if pos + 4 > n_raw:
                                short = True
                                break
                            u1 = _unit(raw, pos)
                            u2 = _unit(raw, pos + 2)
                            pos += 4
                            r = math.sqrt(-2.0 * math.log1p(-u2))
                            th = 2.0 * math.pi * u1
                            x = r * math.cos(th)
                            cache[0] = 1.0
                            cache[1] = r * math.sin(th)
                        y = 1.0 + c * x
                        if y > 0:
                            break
                    if short:
                        break
                    v = y * y * y
                    if pos + 2 > n_raw:
                        short = True
                        break
                    u = 1.0 - _unit(raw, pos)
                    pos += 2
                    xx = x * x
                    if u < 1.0 - _C331 * xx * xx or math.log(u) < 0.5 * xx + d * (1.0 - v + math.log(v)):
                        res = scale * d * v
                        done = True
        if short:
            cache[0] = cv0
            cache[1] = cx0
            return i, p0
        out[i] = res
        i += 1
    return i, pos
