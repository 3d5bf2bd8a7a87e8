"""Numba loops behind :mod:`dlcore.kernels.cpu.bfloat16` (imported on first use): the bit
conversions of :mod:`dlcore.kernels._bf16_scalar` over flat uint16/uint32 views."""

from __future__ import annotations

from numba import njit

from .. import _bf16_scalar as S
from .runtime import configure_threads

configure_threads()

_jit = njit(cache=True, nogil=True)
_to_bf16 = _jit(S.f32_to_bf16)
_to_f32 = _jit(S.bf16_to_f32)


@_jit
def f32_bits_to_bf16(out, u):
    for i in range(u.size):
        out[i] = _to_bf16(u[i])


@_jit
def bf16_bits_to_f32(out, h):
    for i in range(h.size):
        out[i] = _to_f32(h[i])
