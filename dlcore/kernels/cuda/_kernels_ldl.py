"""numba.cuda kernels behind :mod:`dlcore.kernels.cuda.ldl` (imported on first use): the LDL^T
factorization and solve of :mod:`dlcore.kernels._ldl_scalar` as device functions, one thread
per matrix of the batch (a grid-stride loop over the batch)."""

from __future__ import annotations

from numba import cuda

from .. import _ldl_scalar as S

_sytf2 = cuda.jit(device=True)(S.sytf2_lower)
_sytrs = cuda.jit(device=True)(S.sytrs_lower)


@cuda.jit
def factor_batch(a, piv, info, n, nbatch):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for b in range(start, nbatch, step):
        info[b] = _sytf2(a, b * n * n, n, piv, b * n)


@cuda.jit
def solve_batch(a, piv, x, n, m, nbatch):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for b in range(start, nbatch, step):
        _sytrs(a, b * n * n, n, piv, b * n, x, b * n * m, m)
