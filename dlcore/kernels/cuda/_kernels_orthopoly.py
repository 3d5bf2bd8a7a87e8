"""numba.cuda kernel behind :mod:`dlcore.kernels.cuda.orthopoly` (imported on first use): the
scalar function of :mod:`dlcore.kernels._orthopoly_scalar` as a device function, one
grid-stride loop."""

from __future__ import annotations

import numpy as np
from numba import cuda

from .. import _orthopoly_scalar as S

_orthopoly = cuda.jit(device=True)(S.orthopoly)


@cuda.jit
def orthopoly_kernel(op, out, x, n, count, limit):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for i in range(start, count, step):
        out[i] = _orthopoly(op, np.float64(x[i]), np.float64(n[i]), limit)
