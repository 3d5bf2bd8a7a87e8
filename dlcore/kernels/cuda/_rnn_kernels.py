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


@cuda.jit
def gru_gates_fwd(xz, hz, h, out, nb, n):
    """out = [h', r, z, n] (B, 4H) from xz, hz (B, 3H: r, z, n) and h (B, H)."""
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for e in range(start, nb * n, step):
        b = e // n
        j = e - b * n
        zb = b * 3 * n
        r = _sig(xz[zb + j] + hz[zb + j])
        z = _sig(xz[zb + n + j] + hz[zb + n + j])
        c = math.tanh(xz[zb + 2 * n + j] + r * hz[zb + 2 * n + j])
        ob = b * 4 * n
        out[ob + n + j] = r
        out[ob + 2 * n + j] = z
        out[ob + 3 * n + j] = c
        out[ob + j] = c + z * (h[e] - c)


@cuda.jit
def gru_gates_bwd(g, y, hz, h, out, nb, n):
    """out = [dxz, dhz, dh] (B, 7H) from g and y (B, 4H), hz (B, 3H), h (B, H): the CPU
    kernel's formulas (``kernels/cpu/_jit_rnn.gru_gates_bwd``)."""
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for e in range(start, nb * n, step):
        b = e // n
        j = e - b * n
        yb = b * 4 * n
        r = y[yb + n + j]
        z = y[yb + 2 * n + j]
        c = y[yb + 3 * n + j]
        gh = g[yb + j]
        dan = (gh * (1.0 - z) + g[yb + 3 * n + j]) * (1.0 - c * c)
        dar = (dan * hz[b * 3 * n + 2 * n + j] + g[yb + n + j]) * r * (1.0 - r)
        daz = (gh * (h[e] - c) + g[yb + 2 * n + j]) * z * (1.0 - z)
        ob = b * 7 * n
        out[ob + j] = dar
        out[ob + n + j] = daz
        out[ob + 2 * n + j] = dan
        out[ob + 3 * n + j] = dar
        out[ob + 4 * n + j] = daz
        out[ob + 5 * n + j] = dan * r
        out[ob + 6 * n + j] = gh * z
