"""Numba loops of the fused LSTM gate update (imported on first use by ``rnn.py``)."""

from __future__ import annotations

import math

from numba import njit

from .runtime import configure_threads

configure_threads()


@njit(cache=True, nogil=True)
def lstm_gates_fwd(z, c, out):
    """out[:, :H] = h', out[:, H:] = c' from z (B, 4H: i, f, g, o) and c (B, H)."""
    n = c.shape[1]
    for b in range(c.shape[0]):
        for j in range(n):
            i = 1.0 / (1.0 + math.exp(-z[b, j]))
            f = 1.0 / (1.0 + math.exp(-z[b, n + j]))
            g = math.tanh(z[b, 2 * n + j])
            o = 1.0 / (1.0 + math.exp(-z[b, 3 * n + j]))
            c2 = f * c[b, j] + i * g
            out[b, n + j] = c2
            out[b, j] = o * math.tanh(c2)


@njit(cache=True, nogil=True)
def lstm_gates_bwd(gy, z, c, out):
    """out[:, :4H] = dz, out[:, 4H:] = dc from gy (B, 2H: dh', dc'), z and c."""
    n = c.shape[1]
    for b in range(c.shape[0]):
        for j in range(n):
            i = 1.0 / (1.0 + math.exp(-z[b, j]))
            f = 1.0 / (1.0 + math.exp(-z[b, n + j]))
            g = math.tanh(z[b, 2 * n + j])
            o = 1.0 / (1.0 + math.exp(-z[b, 3 * n + j]))
            cp = c[b, j]
            th = math.tanh(f * cp + i * g)
            gh = gy[b, j]
            dc2 = gy[b, n + j] + gh * o * (1.0 - th * th)
            out[b, j] = dc2 * g * i * (1.0 - i)
            out[b, n + j] = dc2 * cp * f * (1.0 - f)
            out[b, 2 * n + j] = dc2 * i * (1.0 - g * g)
            out[b, 3 * n + j] = gh * th * o * (1.0 - o)
            out[b, 4 * n + j] = dc2 * f
