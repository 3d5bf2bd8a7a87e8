"""Numba loop behind :mod:`dlcore.kernels.cpu.orthopoly` (imported on first use)."""

from __future__ import annotations

from numba import njit

from .. import _orthopoly_scalar as S
from .runtime import configure_threads

configure_threads()

_jit = njit(cache=True, nogil=True)
orthopoly_s = _jit(S.orthopoly)


@_jit
def orthopoly_flat(op, x, n, out, limit):
    for i in range(x.shape[0]):
        out[i] = orthopoly_s(op, x[i] * 1.0, n[i] * 1.0, limit)
