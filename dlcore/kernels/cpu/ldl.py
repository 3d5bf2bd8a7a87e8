"""CPU kernels of the symmetric-indefinite LDL^T factorization (Bunch-Kaufman) and its solve
(:mod:`dlcore.ops.ldl`); the algorithm is in :mod:`dlcore.kernels._ldl_scalar`, the Numba loops
in :mod:`._jit_ldl`, imported on first use."""

from __future__ import annotations

import numpy as np


def ldl_factor(x: np.ndarray, *, part: str) -> np.ndarray:
    """``part``: 'LD' (the compact factor, strict upper triangle zero), 'pivots' (int32,
    1-based, LAPACK's), 'info' (int32 per matrix: k + 1 for the first zero pivot, else 0)."""
    shape = x.shape
    n = shape[-1]
    nbatch = int(np.prod(shape[:-2], dtype=np.int64))
    a = np.array(x, order="C", copy=True).reshape(-1)
    piv = np.zeros(nbatch * n, np.int32)
    info = np.zeros(nbatch, np.int32)
    if n and nbatch:
        from ._jit_ldl import factor_batch
        factor_batch(a, piv, info, n, nbatch)
    if part == "pivots":
        return piv.reshape(shape[:-1])
    if part == "info":
        return info.reshape(shape[:-2])
    return np.tril(a.reshape(shape))


def ldl_solve(ld: np.ndarray, pivots: np.ndarray, b: np.ndarray) -> np.ndarray:
    """X with ``A X = b`` from ``ldl_factor``'s LD and pivots (equal batch dimensions)."""
    n, m = b.shape[-2], b.shape[-1]
    nbatch = int(np.prod(b.shape[:-2], dtype=np.int64))
    x = np.array(b, order="C", copy=True).reshape(-1)
    if n and m and nbatch:
        from ._jit_ldl import solve_batch
        solve_batch(np.ascontiguousarray(ld).reshape(-1),
                    np.ascontiguousarray(pivots, dtype=np.int32).reshape(-1), x, n, m, nbatch)
    return x.reshape(b.shape)
