"""``erfinv`` of one value, written once in plain Python over ``math`` and compiled twice:
with ``numba.njit`` for the CPU (:mod:`dlcore.kernels.cpu._jit_special`) and
``numba.cuda.jit(device=True)`` for CUDA (:mod:`dlcore.kernels.cuda._kernels_special`), as
:mod:`dlcore.kernels._bessel_scalar`.

Giles' single-precision polynomial ("Approximating the erfinv function", GPU Computing Gems,
2010) as the starting point, then two Newton steps on ``erf(y) - x`` (derivative
``2/sqrt(pi) exp(-y^2)``), which bring it to float64 round-off in the open interval; +-1 give
+-inf and values outside [-1, 1] give NaN, as in PyTorch and SciPy (handled before ``log``
sees them: the CUDA simulator's ``math`` raises where Numba returns inf or NaN).
"""

from __future__ import annotations

import math


def erfinv(x):
    """erfinv of one float (see the module docstring)."""
    if x != x or x < -1.0 or x > 1.0:    # noqa: PLR0124 (NaN)
        return math.nan
    if x == 1.0:
        return math.inf
    if x == -1.0:
        return -math.inf
    w = -math.log((1.0 - x) * (1.0 + x))
    if w < 5.0:
        w = w - 2.5
        p = 2.81022636e-08
        p = 3.43273939e-07 + p * w
        p = -3.5233877e-06 + p * w
        p = -4.39150654e-06 + p * w
        p = 0.00021858087 + p * w
        p = -0.00125372503 + p * w
        p = -0.00417768164 + p * w
        p = 0.246640727 + p * w
        p = 1.50140941 + p * w
    else:
        w = math.sqrt(w) - 3.0
        p = -0.000200214257
        p = 0.000100950558 + p * w
        p = 0.00134934322 + p * w
        p = -0.00367342844 + p * w
        p = 0.00573950773 + p * w
        p = -0.0076224613 + p * w
        p = 0.00943887047 + p * w
        p = 1.00167406 + p * w
        p = 2.83297682 + p * w
    y = p * x
    for _ in range(2):
        d = 1.1283791670955126 * math.exp(-y * y)
        if d == 0.0:
            break
        y = y - (math.erf(y) - x) / d
    return y
