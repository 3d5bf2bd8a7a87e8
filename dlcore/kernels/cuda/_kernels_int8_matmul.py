"""numba.cuda kernel behind :mod:`dlcore.kernels.cuda.int8_matmul` (imported on first use):
flat C-order ``a`` (m x k) and ``b`` (n x k), one thread per output element, grid-stride."""

from __future__ import annotations

import numpy as np
from numba import cuda


@cuda.jit
def matmul_nt(out, a, b, m, n, k, za, zb):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for i in range(start, m * n, step):
        r = i // n
        c = i - r * n
        acc = np.int32(0)
        for j in range(k):
            acc += (np.int32(a[r * k + j]) - za) * (np.int32(b[c * k + j]) - zb)
        out[i] = acc
