"""Numba loop behind :mod:`dlcore.kernels.cpu.bessel` (imported on first use)."""

from __future__ import annotations

from numba import njit

from .. import _bessel_scalar as S
from .runtime import configure_threads

configure_threads()

_jit = njit(cache=True, nogil=True)
bessel_s = _jit(S.bessel)
airy_ai_s = _jit(S.airy_ai)


@_jit
def bessel_flat(op, x, out):
    """op 0-7: ``_bessel_scalar.bessel``'s; 8: airy_ai."""
    for i in range(x.shape[0]):
        out[i] = airy_ai_s(x[i] * 1.0) if op == 8 else bessel_s(op, x[i] * 1.0)
