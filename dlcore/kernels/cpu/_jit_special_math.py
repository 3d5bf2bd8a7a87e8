"""Numba loops behind :mod:`dlcore.kernels.cpu.special_math` (imported on first use): the
scalar functions of :mod:`dlcore.kernels._special_scalar` compiled with ``njit``, and one flat
loop per op (the input read as float64, the result written in the output's dtype)."""

from __future__ import annotations

import math

from numba import njit

from .. import _special_scalar as S
from .runtime import configure_threads

configure_threads()

_jit = njit(cache=True, nogil=True)
digamma_s = _jit(S.digamma)
zeta_s = _jit(S.zeta)
bessel_i_s = _jit(S.bessel_i)
erfcx_s = _jit(S.erfcx)
ndtri_s = _jit(S.ndtri)
igamma_s = _jit(S.igamma)
betainc_s = _jit(S.betainc)


@_jit
def polygamma_s(n, x):
    """polygamma(n, x) = (-1)^(n+1) n! zeta(n + 1, x) for n >= 1, digamma for n = 0; NaN for a
    negative or non-integer n."""
    if math.isnan(n) or math.isnan(x) or n < 0.0 or n == math.inf or n != math.floor(n):
        return math.nan
    if n == 0.0:
        return digamma_s(x)
    sign = 1.0 if n % 2.0 == 1.0 else -1.0
    return sign * math.exp(math.lgamma(n + 1.0)) * zeta_s(n + 1.0, x)


@_jit
def unary_flat(op, x, out):
    """op: 0 digamma, 1 erfcx, 2 ndtri, 3 i0, 4 i0e, 5 i1, 6 i1e."""
    for i in range(x.shape[0]):
        v = x[i] * 1.0        # float64 maths for float32 data too (float() keeps float32)
        if op == 0:
            r = digamma_s(v)
        elif op == 1:
            r = erfcx_s(v)
        elif op == 2:
            r = ndtri_s(v)
        else:
            r = bessel_i_s(float((op - 3) // 2), v, (op - 3) % 2 == 1)
        out[i] = r


@_jit
def binary_flat(op, a, b, out):
    """op: 0 zeta(a, b), 1 polygamma(a, b), 2 igamma(a, b), 3 igammac(a, b)."""
    for i in range(a.shape[0]):
        if op == 0:
            out[i] = zeta_s(a[i] * 1.0, b[i] * 1.0)
        elif op == 1:
            out[i] = polygamma_s(a[i] * 1.0, b[i] * 1.0)
        else:
            out[i] = igamma_s(a[i] * 1.0, b[i] * 1.0, op == 3)


@_jit
def betainc_flat(a, b, x, out):
    for i in range(x.shape[0]):
        out[i] = betainc_s(a[i] * 1.0, b[i] * 1.0, x[i] * 1.0)
