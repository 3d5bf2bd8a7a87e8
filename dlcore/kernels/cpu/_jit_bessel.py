"""Numba loop behind :mod:`dlcore.kernels.cpu.bessel` (imported on first use)."""

from __future__ import annotations

from numba import njit

from .. import _bessel_scalar as S
from .runtime import configure_threads

configure_threads()

_jit = njit(cache=True, nogil=True)
bessel_s = _jit(S.bessel)


@_jit
def bessel_flat(op, x, out):
    for i in range(x.shape[0]):
        out[i] = bessel_s(op, x[i] * 1.0)
