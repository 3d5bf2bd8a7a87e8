"""numba.cuda kernels of the fused LSTM gate update (imported on first use: ``import dlcore``
never loads numba.cuda).  One thread per (batch row, unit), grid-stride; all buffers flat and
C-contiguous."""

from __future__ import annotations

import math

from numba import cuda


@cuda.jit(device=True)
def _sig(x):
    return 1.0 / (1.0 + math.exp(-x))


@cuda.jit
def lstm_gates_fwd(z, c, out, nb, n):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for e in range(start, nb * n, step):
        b = e // n
        j = e - b * n
        zb = b * 4 * n
        i = _sig(z[zb + j])
        f = _sig(z[zb + n + j])
        g = math.tanh(z[zb + 2 * n + j])
        o = _sig(z[zb + 3 * n + j])
        c2 = f * c[e] + i * g
        out[b * 2 * n + n + j] = c2
        out[b * 2 * n + j] = o * math.tanh(c2)


@cuda.jit
def lstm_gates_bwd(gy, z, c, out, nb, n):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for e in range(start, nb * n, step):
        b = e // n
        j = e - b * n
        zb = b * 4 * n
        i = _sig(z[zb + j])
        f = _sig(z[zb + n + j])
        g = math.tanh(z[zb + 2 * n + j])
        o = _sig(z[zb + 3 * n + j])
        cp = c[e]
        th = math.tanh(f * cp + i * g)
        gh = gy[b * 2 * n + j]
        dc2 = gy[b * 2 * n + n + j] + gh * o * (1.0 - th * th)
        ob = b * 5 * n
        out[ob + j] = dc2 * g * i * (1.0 - i)
        out[ob + n + j] = dc2 * cp * f * (1.0 - f)
        out[ob + 2 * n + j] = dc2 * i * (1.0 - g * g)
        out[ob + 3 * n + j] = gh * th * o * (1.0 - o)
        out[ob + 4 * n + j] = dc2 * f
