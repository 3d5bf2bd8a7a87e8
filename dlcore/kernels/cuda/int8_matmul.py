"""CUDA kernel of ``int8_matmul`` (dlcore/ops/int8_matmul.py): the operands as flat C-order
arrays, one thread per output element in a grid-stride loop (:mod:`._kernels_int8_matmul`),
int32 products and sums as on the CPU."""

from __future__ import annotations

import numpy as np

from . import _support as S
from .elementwise import flat


def int8_matmul(a, b, *, a_zero_point=0, b_zero_point=0):
    m, k = int(a.shape[0]), int(a.shape[1])
    n = int(b.shape[0])
    out = S.empty((max(m * n, 1),), np.int32)
    if m * n:
        from ._kernels_int8_matmul import matmul_nt
        blocks, threads = S.launch_1d(m * n)
        matmul_nt[blocks, threads](out, flat(a) if k else out, flat(b) if k else out, m, n, k,
                                   np.int32(a_zero_point), np.int32(b_zero_point))
    return S.view_as(out if m * n else S.empty((0,), np.int32), (m, n))
