"""numba.cuda kernels behind :mod:`dlcore.kernels.cuda.cosine` (imported on first use).
Flat C-order ``(A, n, B)`` operands; one thread per ``(a, b)`` pair, grid-stride loops, the
three sums in float64 as on the CPU."""

from __future__ import annotations

import math

from numba import cuda


@cuda.jit(device=True)
def _sums(x1, x2, base, n, b_):
    s11 = 0.0
    s22 = 0.0
    s12 = 0.0
    for j in range(n):
        p = x1[base + j * b_] * 1.0
        q = x2[base + j * b_] * 1.0
        s11 += p * p
        s22 += q * q
        s12 += p * q
    return s11, s22, s12


@cuda.jit
def forward_pairs(out, x1, x2, a_, n, b_, eps2):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for r in range(start, a_ * b_, step):          # r = a * B + k
        base = (r // b_) * n * b_ + r % b_
        s11, s22, s12 = _sums(x1, x2, base, n, b_)
        out[r] = s12 / (math.sqrt(max(s11, eps2)) * math.sqrt(max(s22, eps2)))


@cuda.jit
def grad_pairs(out, g, x1, x2, a_, n, b_, eps2):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for r in range(start, a_ * b_, step):
        base = (r // b_) * n * b_ + r % b_
        s11, s22, s12 = _sums(x1, x2, base, n, b_)
        n1 = math.sqrt(max(s11, eps2))
        n2 = math.sqrt(max(s22, eps2))
        gg = g[r] * 1.0
        c2 = gg / (n1 * n2)
        c1 = 0.0
        if s11 > eps2:
            c1 = -gg * (s12 / (n1 * n2)) / (n1 * n1)
        for j in range(n):
            i = base + j * b_
            out[i] = x1[i] * c1 + x2[i] * c2
