"""numba.cuda kernels behind :mod:`dlcore.kernels.cuda.special_math` (imported on first use):
the scalar functions of :mod:`dlcore.kernels._special_scalar` compiled as device functions, and
one grid-stride kernel for the unary ops and one for the binary ones."""

from __future__ import annotations

import math

import numpy as np
from numba import cuda

from .. import _special_scalar as S

_dev = cuda.jit(device=True)
_digamma = _dev(S.digamma)
_zeta = _dev(S.zeta)
_bessel_i = _dev(S.bessel_i)
_erfcx = _dev(S.erfcx)
_ndtri = _dev(S.ndtri)
_igamma = _dev(S.igamma)
_betainc = _dev(S.betainc)


@cuda.jit(device=True)
def _polygamma(n, x):
    if math.isnan(n) or math.isnan(x) or n < 0.0 or n == math.inf or n != math.floor(n):
        return math.nan
    if n == 0.0:
        return _digamma(x)
    sign = 1.0 if n % 2.0 == 1.0 else -1.0
    return sign * math.exp(math.lgamma(n + 1.0)) * _zeta(n + 1.0, x)


@cuda.jit
def unary_kernel(op, out, x, n):
    """op: 0 digamma, 1 erfcx, 2 ndtri, 3 i0, 4 i0e, 5 i1, 6 i1e."""
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for i in range(start, n, step):
        v = np.float64(x[i])          # float64 maths for float32 data (simulator too)
        if op == 0:
            r = _digamma(v)
        elif op == 1:
            r = _erfcx(v)
        elif op == 2:
            r = _ndtri(v)
        else:
            r = _bessel_i(float((op - 3) // 2), v, (op - 3) % 2 == 1)
        out[i] = r


@cuda.jit
def binary_kernel(op, out, a, b, n):
    """op: 0 zeta(a, b), 1 polygamma(a, b), 2 igamma(a, b), 3 igammac(a, b)."""
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for i in range(start, n, step):
        if op == 0:
            out[i] = _zeta(np.float64(a[i]), np.float64(b[i]))
        elif op == 1:
            out[i] = _polygamma(np.float64(a[i]), np.float64(b[i]))
        else:
            out[i] = _igamma(np.float64(a[i]), np.float64(b[i]), op == 3)


@cuda.jit
def betainc_kernel(out, a, b, x, n):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for i in range(start, n, step):
        out[i] = _betainc(np.float64(a[i]), np.float64(b[i]), np.float64(x[i]))
