"""Numba loops behind :mod:`dlcore.kernels.cpu.special` (imported on first use)."""

from __future__ import annotations

from numba import njit

from .. import _erfinv_scalar as S
from .runtime import configure_threads

configure_threads()

_jit = njit(cache=True, nogil=True)
erfinv_scalar = _jit(S.erfinv)


@_jit
def erfinv_flat(x, out):
    for i in range(x.shape[0]):
        out[i] = erfinv_scalar(x[i])
