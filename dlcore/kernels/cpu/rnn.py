"""CPU kernels of the fused LSTM gate update (``lstm_gates``) and its gradient: one Numba loop
over (batch, unit) each, instead of a dozen elementwise ops and slices per time step."""

from __future__ import annotations

import numpy as np


def _check(z, c):
    if z.ndim != 2 or c.ndim != 2:
        raise ValueError("lstm_gates: kernels take 2-D (batch, features) buffers")


def lstm_gates(z, c):
    _check(z, c)
    from ._jit_rnn import lstm_gates_fwd
    out = np.empty((c.shape[0], 2 * c.shape[1]), dtype=z.dtype)
    lstm_gates_fwd(z, c.astype(z.dtype, copy=False), out)
    return out


def lstm_gates_grad(gy, z, c):
    _check(z, c)
    from ._jit_rnn import lstm_gates_bwd
    out = np.empty((c.shape[0], 5 * c.shape[1]), dtype=z.dtype)
    lstm_gates_bwd(gy.astype(z.dtype, copy=False), z, c.astype(z.dtype, copy=False), out)
    return out
