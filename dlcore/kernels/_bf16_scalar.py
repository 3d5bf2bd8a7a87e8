"""bfloat16 <-> float32 on the raw bits, written once in plain Python and compiled twice: with
``numba.njit`` for the CPU (:mod:`dlcore.kernels.cpu.bfloat16`) and ``numba.cuda.jit(device=True)``
for CUDA (:mod:`dlcore.kernels.cuda._kernels_bf16`); neither target has a bfloat16 type.

bfloat16 keeps float32's sign, its 8-bit exponent and the top 7 bits of its mantissa, so

* bfloat16 -> float32 is exact: ``bits32 = bits16 << 16``;
* float32 -> bfloat16 rounds to nearest, ties to even (PyTorch's ``c10::BFloat16``,
  ml_dtypes): ``bits16 = (bits32 + 0x7FFF + ((bits32 >> 16) & 1)) >> 16``; overflow past the
  largest bfloat16 gives infinity; a NaN becomes the quiet NaN of its sign
  (``0x7FC0 | sign``, ml_dtypes' NaN: the CPU's small arrays convert with ml_dtypes).
"""

from __future__ import annotations

import numpy as np


def f32_to_bf16(b):
    """The bfloat16 bits of the float32 whose bits are ``b`` (a uint32)."""
    if (b & np.uint32(0x7FFFFFFF)) > np.uint32(0x7F800000):
        return np.uint16(((b >> np.uint32(16)) & np.uint32(0x8000)) | np.uint32(0x7FC0))
    r = (b + np.uint32(0x7FFF) + ((b >> np.uint32(16)) & np.uint32(1))) >> np.uint32(16)
    return np.uint16(r & np.uint32(0xFFFF))


def bf16_to_f32(h):
    """The float32 bits of the bfloat16 whose bits are ``h`` (a uint16)."""
    return np.uint32(h) << np.uint32(16)
