"""CUDA kernels of the fused LSTM gate update and its gradient (see ``_rnn_kernels.py``)."""

from __future__ import annotations

from . import _support as S
from .elementwise import contiguous, flat


def lstm_gates(z, c):
    from ._rnn_kernels import lstm_gates_fwd
    nb, n = int(c.shape[0]), int(c.shape[1])
    out = S.empty((nb * 2 * n,), z.dtype)
    if nb * n:
        blocks, threads = S.launch_1d(nb * n)
        lstm_gates_fwd[blocks, threads](flat(contiguous(z)), flat(contiguous(c)), out,
                                        nb, n)
    return S.view_as(out, (nb, 2 * n))


def lstm_gates_grad(gy, z, c):
    from ._rnn_kernels import lstm_gates_bwd
    nb, n = int(c.shape[0]), int(c.shape[1])
    out = S.empty((nb * 5 * n,), z.dtype)
    if nb * n:
        blocks, threads = S.launch_1d(nb * n)
        lstm_gates_bwd[blocks, threads](flat(contiguous(gy)), flat(contiguous(z)),
                                        flat(contiguous(c)), out, nb, n)
    return S.view_as(out, (nb, 5 * n))
