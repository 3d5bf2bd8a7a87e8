"""The classical orthogonal polynomials of ``torch.special``, written once in plain Python over
``math`` and compiled twice: with ``numba.njit`` for the CPU (:mod:`dlcore.kernels.cpu.orthopoly`)
and with ``numba.cuda.jit(device=True)`` for CUDA (:mod:`dlcore.kernels.cuda._kernels_orthopoly`).
One function, ``orthopoly(op, x, nf, hermite_limit)``, in float64, with PyTorch's conventions
(ATen's ``*_polynomial_*_forward``): the degree is ``nf`` truncated to an integer; a negative,
infinite or NaN degree gives 0; at the interval's ends the closed forms; past a small degree
and inside (-1, 1) the trigonometric forms (T_n = cos(n t), U_n = sin((n+1) t) / sin t, ... with
t = acos x); otherwise the three-term recurrences (stopping at a NaN).  The shifted
Chebyshev polynomials are the ordinary ones at 2x - 1; Hermite H_n and He_n are NaN above
``hermite_limit`` (PyTorch's: 128 for float32, 512 for float64).

    op  0 T   1 U   2 V   3 W   (Chebyshev, first to fourth kind)
        4 T*  5 U*  6 V*  7 W*  (shifted Chebyshev)
        8 H   9 He  (physicists' and probabilists' Hermite)
        10 L  (Laguerre)   11 P  (Legendre)
"""

from __future__ import annotations

import math


def orthopoly(op, x, nf, hermite_limit):
    if nf != nf or nf == math.inf or nf == -math.inf or abs(nf) >= 9.2e18:
        return 0.0
    n = int(nf)                       # truncation towards zero, as C++'s cast
    if n < 0:
        return 0.0
    if op >= 4 and op <= 7:           # shifted Chebyshev: the ordinary ones at y = 2x - 1
        y = x + x - 1.0
        if x == 1.0:
            if op == 4 or op == 6:
                return 1.0
            if op == 5:
                return n + 1.0
            return n + n + 1.0
        if x == 0.0:
            if op == 4 or op == 7:
                return 1.0 if n % 2 == 0 else -1.0
            if op == 5:
                return n + 1.0 if n % 2 == 0 else -(n + 1.0)
            return n + n + 1.0 if n % 2 == 0 else -(n + n + 1.0)
        if ((op == 7 and n > 4) or (op != 7 and n > 6)) and abs(y) < 1.0:
            t = math.acos(y)
            if op == 4:
                return math.cos(n * t)
            if op == 5:
                if math.sin(t) != 0.0:
                    return math.sin((n + 1) * t) / math.sin(t)
                return (n + 1) * math.cos((n + 1) * t) / y
            if op == 6:
                if math.sin(t / 2.0) != 1.0:
                    return math.cos((n + 0.5) * t) / math.cos(t / 2.0)
                return n + n + 1.0 if n % 2 == 0 else -(n + n + 1.0)
            if math.cos(t / 2.0) != 1.0:
                return math.sin((n + 0.5) * t) / math.sin(t / 2.0)
            return 1.0 if n % 2 == 0 else -1.0
        first = y
        if op == 5:
            first = y + y
        elif op == 6:
            first = y + y - 1.0
        elif op == 7:
            first = y + y + 1.0
        if n == 0:
            return 1.0
        if n == 1:
            return first
        p = 1.0
        q = first
        r = first
        k = 2
        while k <= n and q == q:
            r = (y + y) * q - p
            p = q
            q = r
            k += 1
        return r
    if op <= 3:                       # Chebyshev T, U, V, W
        if abs(x) == 1.0:
            if op == 0:
                return 1.0 if x > 0.0 or n % 2 == 0 else -1.0
            if op == 1:
                return n + 1.0 if x > 0.0 or n % 2 == 0 else -(n + 1.0)
            if op == 2:
                if x > 0.0:
                    return 1.0
                return n + n + 1.0 if n % 2 == 0 else -(n + n + 1.0)
            if x > 0.0:
                return n + n + 1.0
            return 1.0 if n % 2 == 0 else -1.0
        if ((op == 0 and n > 6) or (op != 0 and n > 8)) and abs(x) < 1.0:
            t = math.acos(x)
            if op == 0:
                return math.cos(n * t)
            if op == 1:
                if math.sin(t) != 0.0:
                    return math.sin((n + 1) * t) / math.sin(t)
                return (n + 1) * math.cos((n + 1) * t) / x
            if op == 2:
                if math.sin(t / 2.0) != 1.0:
                    return math.cos((n + 0.5) * t) / math.cos(t / 2.0)
                return n + n + 1.0 if n % 2 == 0 else -(n + n + 1.0)
            if math.cos(t / 2.0) != 1.0:
                return math.sin((n + 0.5) * t) / math.sin(t / 2.0)
            if x > 0.0:
                return n + n + 1.0
            return 1.0 if n % 2 == 0 else -1.0
        first = x
        if op == 1:
            first = x + x
        elif op == 2:
            first = x + x - 1.0
        elif op == 3:
            first = x + x + 1.0
        if n == 0:
            return 1.0
        if n == 1:
            return first
        p = 1.0
        q = first
        r = first
        k = 2
        while k <= n and q == q:
            r = (x + x) * q - p
            p = q
            q = r
            k += 1
        return r
    if op == 8 or op == 9:            # Hermite H_n (physicists'), He_n (probabilists')
        if n == 0:
            return 1.0
        if n == 1:
            return x + x if op == 8 else x
        if n > hermite_limit:
            return math.nan
        p = 1.0
        if op == 8:
            q = x + x
            r = 0.0
            k = 2
            while k < n + n:
                r = (x + x) * q - k * p
                p = q
                q = r
                k += 2
            return r
        q = x
        r = x
        k = 1
        while k < n:
            r = x * q - k * p
            p = q
            q = r
            k += 1
        return r
    if op == 10:                      # Laguerre L_n
        if abs(x) == 0.0:
            return 1.0
        if n == 0:
            return 1.0
        if n == 1:
            return 1.0 - x
        p = 1.0
        q = 1.0 - x
        r = q
        k = 1
        while k < n and q == q:
            r = (((k + k) + (1.0 - x)) * q - k * p) / (k + 1)
            p = q
            q = r
            k += 1
        return r
    # Legendre P_n
    if abs(x) == 1.0:
        return 1.0 if x > 0.0 or n % 2 == 0 else -1.0
    if n == 0:
        return 1.0
    if n == 1:
        return x
    p = 1.0
    q = x
    r = x
    k = 1
    while k < n and q == q:
        r = ((k + k + 1) * x * q - k * p) / (k + 1)
        p = q
        q = r
        k += 1
    return r
