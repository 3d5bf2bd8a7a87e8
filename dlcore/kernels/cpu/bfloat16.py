"""bfloat16 <-> float32 on the CPU, on the raw bits (:mod:`dlcore.kernels._bf16_scalar`, shared
with CUDA): one Numba pass each way from ``SMALL`` elements on.  ml_dtypes' ``astype``
converts one element at a time through its scalar type: 1.2 ns an element up and 2.4 down
here (a 256 x 256 array: 34-77 and 70-160 us, against 7 and 19), which autocast's casts of
every weight and activation paid twice a step; below ``SMALL`` its 0.3-0.8 us beat the Numba
call's 3."""

from __future__ import annotations

import numpy as np

from .flat import c_flat

_F32 = np.dtype(np.float32)
SMALL = 1024
_jit = None


def _loops():
    global _jit
    if _jit is None:
        from . import _jit_bf16
        _jit = _jit_bf16
    return _jit


def to_float32(x):
    """A bfloat16 array as float32 (exact)."""
    if x.size < SMALL:
        return x.astype(_F32)
    out = np.empty(x.shape, _F32)
    _loops().bf16_bits_to_f32(out.reshape(-1).view(np.uint32), c_flat(x).view(np.uint16))
    return out


def from_float32(x, bf16):
    """A float32 array rounded to ``bf16`` (ml_dtypes' bfloat16: to nearest, ties to even)."""
    if x.size < SMALL:
        return x.astype(bf16)
    out = np.empty(x.shape, bf16)
    _loops().f32_bits_to_bf16(out.reshape(-1).view(np.uint16), c_flat(x).view(np.uint32))
    return out
