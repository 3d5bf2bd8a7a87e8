"""numba.cuda kernels behind :mod:`dlcore.kernels.cuda.layer_norm` (imported on first use).
Flat C-order arrays of ``rows * n`` elements; one thread per row (per column for ``wgrad``),
grid-stride loops, row statistics in float64 as on the CPU."""

from __future__ import annotations

import math

from numba import cuda


@cuda.jit(device=True)
def _stats(x, base, n, eps):
    s = 0.0
    for j in range(n):
        s += x[base + j]
    mu = s / n
    v = 0.0
    for j in range(n):
        d = x[base + j] - mu
        v += d * d
    return mu, 1.0 / math.sqrt(v / n + eps)


@cuda.jit
def forward_rows(out, x, w, b, rows, n, eps, has_w, has_b):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for r in range(start, rows, step):
        base = r * n
        mu, rstd = _stats(x, base, n, eps)
        for j in range(n):
            y = (x[base + j] - mu) * rstd
            if has_w:
                y = y * w[j]
            if has_b:
                y = y + b[j]
            out[base + j] = y


@cuda.jit
def grad_x_rows(out, g, x, w, rows, n, eps, has_w):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for r in range(start, rows, step):
        base = r * n
        mu, rstd = _stats(x, base, n, eps)
        sa = 0.0
        sax = 0.0
        for j in range(n):
            a = g[base + j] * 1.0
            if has_w:
                a = a * w[j]
            sa += a
            sax += a * ((x[base + j] - mu) * rstd)
        sa /= n
        sax /= n
        for j in range(n):
            a = g[base + j] * 1.0
            if has_w:
                a = a * w[j]
            out[base + j] = rstd * (a - sa - (x[base + j] - mu) * rstd * sax)


@cuda.jit
def row_stats(stats, x, rows, n, eps):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for r in range(start, rows, step):
        mu, rstd = _stats(x, r * n, n, eps)
        stats[2 * r] = mu
        stats[2 * r + 1] = rstd


@cuda.jit
def grad_w_cols(out, g, x, stats, rows, n):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for j in range(start, n, step):
        acc = 0.0
        for r in range(rows):
            acc += g[r * n + j] * ((x[r * n + j] - stats[2 * r]) * stats[2 * r + 1])
        out[j] = acc
