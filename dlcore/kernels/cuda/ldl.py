"""CUDA kernels of the LDL^T factorization and solve (:mod:`dlcore.ops.ldl`): one thread per
matrix, the algorithm of :mod:`dlcore.kernels._ldl_scalar` (LAPACK's sytf2/sytrs, lower)."""

from __future__ import annotations

import numpy as np

from . import _support as S
from .elementwise import copy_contiguous, flat


def _shape(x) -> tuple:
    return tuple(int(d) for d in x.shape)


def ldl_factor(x, *, part: str):
    shape = _shape(x)
    n = shape[-1]
    nbatch = S.size_of(shape[:-2])
    if n == 0 or nbatch == 0:
        out = {"pivots": (shape[:-1], np.int32), "info": (shape[:-2], np.int32)}.get(
            part, (shape, x.dtype))
        return S.cuda().to_device(np.zeros(out[0], out[1]))
    a = flat(copy_contiguous(x))
    piv = S.empty((nbatch * n,), np.int32)
    info = S.empty((nbatch,), np.int32)
    from ._kernels_ldl import factor_batch
    blocks, threads = S.launch_1d(nbatch)
    factor_batch[blocks, threads](a, piv, info, n, nbatch)
    if part == "pivots":
        return S.view_as(piv, shape[:-1])
    if part == "info":
        return S.view_as(info, shape[:-2]) if shape[:-2] else info.reshape(())
    return _tril(S.view_as(a, shape), shape)


def _tril(ld, shape: tuple):
    """Zero the strict upper triangle (the workspace keeps A's values there)."""
    from .elementwise import run_elementwise
    n = shape[-1]
    rows = S.cuda().to_device(np.arange(n * n, dtype=np.int64).reshape(n, n) // n)
    cols = S.cuda().to_device(np.arange(n * n, dtype=np.int64).reshape(n, n) % n)
    return run_elementwise("ldl_tril", "x0 if x2 <= x1 else 0.0", [ld, rows, cols], shape,
                           ld.dtype)


def ldl_solve(ld, pivots, b):
    sb = _shape(b)
    n, m = sb[-2], sb[-1]
    nbatch = S.size_of(sb[:-2])
    if n == 0 or m == 0 or nbatch == 0:
        return S.cuda().to_device(np.zeros(sb, b.dtype))
    x = flat(copy_contiguous(b))
    from ._kernels_ldl import solve_batch
    blocks, threads = S.launch_1d(nbatch)
    solve_batch[blocks, threads](flat(copy_contiguous(ld)), flat(copy_contiguous(pivots)), x,
                                 n, m, nbatch)
    return S.view_as(x, sb)
