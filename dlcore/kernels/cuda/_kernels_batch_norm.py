"""numba.cuda kernels behind :mod:`dlcore.kernels.cuda.batch_norm` (imported on first use).
Flat C-order arrays of ``N * C * L`` elements (channel axis 1, ``L`` the spatial size) and flat
``(2, C)`` statistics; the reductions run one thread per channel, the elementwise kernels one
thread per element, grid-stride loops, sums in float64 as on the CPU."""

from __future__ import annotations

import math

from numba import cuda


@cuda.jit
def stats_channels(out, x, nb, nc, nl):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    n = nb * nl
    for c in range(start, nc, step):
        s = 0.0
        for i in range(nb):
            base = (i * nc + c) * nl
            for j in range(nl):
                s += x[base + j]
        mu = s / n
        v = 0.0
        for i in range(nb):
            base = (i * nc + c) * nl
            for j in range(nl):
                d = x[base + j] - mu
                v += d * d
        out[c] = mu
        out[nc + c] = v / n


@cuda.jit
def forward_elems(out, x, st, w, b, nc, nl, total, eps, has_w, has_b):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for k in range(start, total, step):
        c = (k // nl) % nc
        y = (x[k] - st[c]) * (1.0 / math.sqrt(st[nc + c] + eps))
        if has_w:
            y = y * w[c]
        if has_b:
            y = y + b[c]
        out[k] = y


@cuda.jit
def grad_stats_channels(out, g, x, st, nb, nc, nl, eps):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for c in range(start, nc, step):
        mu = st[c]
        rstd = 1.0 / math.sqrt(st[nc + c] + eps)
        sg = 0.0
        sgx = 0.0
        for i in range(nb):
            base = (i * nc + c) * nl
            for j in range(nl):
                gv = g[base + j] * 1.0
                sg += gv
                sgx += gv * (x[base + j] - mu)
        out[c] = sg
        out[nc + c] = sgx * rstd


@cuda.jit
def grad_x_elems(out, g, x, st, gs, w, n, nc, nl, total, eps, has_w):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for k in range(start, total, step):
        c = (k // nl) % nc
        rstd = 1.0 / math.sqrt(st[nc + c] + eps)
        k1 = rstd
        if has_w:
            k1 = k1 * w[c]
        out[k] = k1 * (g[k] - gs[c] / n - (x[k] - st[c]) * rstd * gs[nc + c] / n)
