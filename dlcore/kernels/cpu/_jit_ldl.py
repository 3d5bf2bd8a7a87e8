"""Numba loops behind :mod:`dlcore.kernels.cpu.ldl` (imported on first use): the LDL^T
factorization and solve of :mod:`dlcore.kernels._ldl_scalar` compiled with ``njit``, one matrix
after another over the batch."""

from __future__ import annotations

from numba import njit

from .. import _ldl_scalar as S
from .runtime import configure_threads

configure_threads()

_jit = njit(cache=True, nogil=True)
sytf2_s = _jit(S.sytf2_lower)
sytrs_s = _jit(S.sytrs_lower)


@_jit
def factor_batch(a, piv, info, n, nbatch):
    for b in range(nbatch):
        info[b] = sytf2_s(a, b * n * n, n, piv, b * n)


@_jit
def solve_batch(a, piv, x, n, m, nbatch):
    for b in range(nbatch):
        sytrs_s(a, b * n * n, n, piv, b * n, x, b * n * m, m)
