"""numba.cuda kernels behind :mod:`dlcore.kernels.cuda.group_norm` (imported on first use).
Flat C-order ``(N, C, S)`` arrays; one thread per (sample, group) (per channel for ``wgrad``),
grid-stride loops, group statistics in float64 as on the CPU."""

from __future__ import annotations

from numba import cuda

from ._kernels_layer_norm import _stats  # (a group is a row of m contiguous elements)


@cuda.jit
def forward_groups(out, x, w, b, rows, groups, cg, s, eps, has_w, has_b):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for r in range(start, rows, step):            # r = sample * groups + group
        base = r * cg * s
        mu, rstd = _stats(x, base, cg * s, eps)
        c0 = (r % groups) * cg
        for c in range(cg):
            scale = rstd
            if has_w:
                scale = rstd * w[c0 + c]
            shift = 0.0
            if has_b:
                shift = b[c0 + c] * 1.0
            for j in range(s):
                out[base + c * s + j] = (x[base + c * s + j] - mu) * scale + shift


@cuda.jit
def grad_x_groups(out, g, x, w, rows, groups, cg, s, eps, has_w):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    m = cg * s
    for r in range(start, rows, step):
        base = r * m
        mu, rstd = _stats(x, base, m, eps)
        c0 = (r % groups) * cg
        sa = 0.0
        sax = 0.0
        for c in range(cg):
            wc = 1.0
            if has_w:
                wc = w[c0 + c] * 1.0
            for j in range(s):
                a = g[base + c * s + j] * wc
                sa += a
                sax += a * (x[base + c * s + j] - mu)
        sa /= m
        sax = sax * rstd / m
        for c in range(cg):
            wc = 1.0
            if has_w:
                wc = w[c0 + c] * 1.0
            for j in range(s):
                i = base + c * s + j
                out[i] = rstd * (g[i] * wc - sa - (x[i] - mu) * rstd * sax)


@cuda.jit
def group_stats(stats, x, rows, m, eps):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for r in range(start, rows, step):
        mu, rstd = _stats(x, r * m, m, eps)
        stats[2 * r] = mu
        stats[2 * r + 1] = rstd


@cuda.jit
def grad_w_channels(out, g, x, stats, n, c_, groups, s):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    cg = c_ // groups
    for c in range(start, c_, step):
        acc = 0.0
        for i in range(n):
            r = i * groups + c // cg
            base = (i * c_ + c) * s
            for j in range(s):
                acc += g[base + j] * ((x[base + j] - stats[2 * r]) * stats[2 * r + 1])
        out[c] = acc
