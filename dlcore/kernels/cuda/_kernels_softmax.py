"""numba.cuda kernels behind :mod:`dlcore.kernels.cuda.softmax` (imported on first use)."""

from __future__ import annotations

import math

from numba import cuda


@cuda.jit
def softmax_lines(out, x, o, n, inner, log):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for line in range(start, o * inner, step):
        a = line // inner
        c = line - a * inner
        base = a * n * inner + c
        m = -math.inf
        for k in range(n):
            v = x[base + k * inner]
            if v > m or v != v:
                m = v
                if v != v:
                    break
        s = 0.0
        for k in range(n):
            s += math.exp(float(x[base + k * inner]) - float(m))
        if log:
            ls = math.log(s)
            for k in range(n):
                out[base + k * inner] = float(x[base + k * inner]) - float(m) - ls
        else:
            r = 1.0 / s
            for k in range(n):
                out[base + k * inner] = math.exp(float(x[base + k * inner]) - float(m)) * r


@cuda.jit
def sparse_xent_rows(out, x, labels, rows, c, err):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for r in range(start, rows, step):
        k = labels[r]
        if k < 0 or k >= c:
            err[0] = 1
            continue
        base = r * c
        m = -math.inf
        for j in range(c):
            v = x[base + j]
            if v > m or v != v:
                m = v
                if v != v:
                    break
        s = 0.0
        for j in range(c):
            s += math.exp(float(x[base + j]) - float(m))
        out[r] = float(m) + math.log(s) - float(x[base + k])


@cuda.jit
def sparse_xent_grad_rows(out, g, x, labels, rows, c, err):
    """out[r] = (softmax(x[r]) - one_hot(labels[r])) g[r], one thread per row."""
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for r in range(start, rows, step):
        k = labels[r]
        if k < 0 or k >= c:
            err[0] = 1
            continue
        base = r * c
        m = -math.inf
        for j in range(c):
            v = x[base + j]
            if v > m or v != v:
                m = v
                if v != v:
                    break
        s = 0.0
        for j in range(c):
            s += math.exp(float(x[base + j]) - float(m))
        gr = float(g[r])
        scale = gr / s
        for j in range(c):
            out[base + j] = math.exp(float(x[base + j]) - float(m)) * scale
        out[base + k] = (math.exp(float(x[base + k]) - float(m)) / s - 1.0) * gr
