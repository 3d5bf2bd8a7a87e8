"""numba.cuda kernels behind :mod:`dlcore.kernels.cuda.special` (imported on first use)."""

from __future__ import annotations

from numba import cuda

from .. import _erfinv_scalar as S

_erfinv = cuda.jit(device=True)(S.erfinv)


@cuda.jit
def erfinv_kernel(out, x, n):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for i in range(start, n, step):
        out[i] = _erfinv(x[i])
