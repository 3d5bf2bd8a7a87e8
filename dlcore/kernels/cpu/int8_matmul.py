"""CPU kernel of ``int8_matmul`` (dlcore/ops/int8_matmul.py): both operands made C-contiguous
(rows of ``a`` and of the weight ``b`` are then contiguous runs of K bytes), then the Numba
loop of :mod:`._jit_int8_matmul` (imported on first use), parallel over the rows of ``a``."""

from __future__ import annotations

import numpy as np

from . import jit_module

_jit = jit_module("_jit_int8_matmul")


def int8_matmul(a, b, *, a_zero_point=0, b_zero_point=0):
    """(a - a_zero_point) @ (b - b_zero_point).T in int32."""
    a = np.ascontiguousarray(a)
    b = np.ascontiguousarray(b)
    out = np.empty((a.shape[0], b.shape[0]), np.int32)
    if out.size:
        _jit().matmul_nt(a, b, np.int32(a_zero_point), np.int32(b_zero_point), out)
    return out
