"""numba.cuda kernels behind :mod:`dlcore.kernels.cuda.norm2` (imported on first use).
Flat C-order arrays, ``rows`` rows of ``n`` elements (the reduced axes last); one thread per
row, grid-stride loops; squares in the operand's dtype summed in float64, as on the CPU."""

from __future__ import annotations

import math

from numba import cuda


@cuda.jit(device=True)
def _row(x, base, n):
    acc = 0.0
    for j in range(n):
        v = x[base + j]
        acc += v * v
    return math.sqrt(acc)


@cuda.jit
def forward_rows(out, x, rows, n):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for r in range(start, rows, step):
        out[r] = _row(x, r * n, n)


@cuda.jit
def grad_rows(out, g, x, y, rows, n, masked):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for r in range(start, rows, step):
        base = r * n
        y[r] = _row(x, base, n)         # (rounded to the operand's dtype)
        yr = y[r]
        if masked and yr == 0:
            for j in range(n):
                out[base + j] = 0
        else:
            s = g[r] / yr
            for j in range(n):
                out[base + j] = x[base + j] * s
