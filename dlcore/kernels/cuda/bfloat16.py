"""bfloat16 on CUDA: the conversions to and from float32, on the raw bits.

bfloat16 keeps float32's sign and 8-bit exponent and the top 7 bits of its mantissa, so

* bfloat16 -> float32 is exact: ``bits32 = bits16 << 16``;
* float32 -> bfloat16 rounds to nearest, ties to even (as PyTorch's ``c10::BFloat16`` and
  ml_dtypes do): ``bits16 = (bits32 + 0x7FFF + ((bits32 >> 16) & 1)) >> 16``; a NaN stays a
  quiet NaN (``(bits32 >> 16) | 0x40``), overflow past the largest bfloat16 gives infinity.

Every other conversion goes through float32 with the ordinary CUDA cast kernel, as PyTorch
converts (a float64 is rounded to float32 first).  Like float16, bfloat16 is a storage type:
the eager front end computes each op on it in float32 (``dlcore_eager._dispatch._apply_half``),
so these two kernels are all that bfloat16 needs on a device.
"""

from __future__ import annotations

import numpy as np

from ... import dtypes as _dt
from . import _support as S
from .elementwise import flat

_F32 = np.dtype(np.float32)


def _kernels():
    from . import _kernels_bf16
    return _kernels_bf16


def cast(x, dtype, cast_f32):
    """``x`` (a device array) as ``dtype`` where one of them is bfloat16; ``cast_f32(y, dtype)``
    is the ordinary CUDA cast for the float32 leg."""
    bf16 = _dt.bfloat16
    shape = tuple(x.shape)
    n = S.size_of(shape)
    if x.dtype == bf16:
        out = S.empty((n,), _F32)
        if n:
            blocks, threads = S.launch_1d(n)
            _kernels().bf16_bits_to_f32[blocks, threads](out.view(np.uint32),
                                                          flat(x).view(np.uint16), n)
        out = S.view_as(out, shape)
        return out if dtype == _F32 else cast_f32(out, dtype=dtype)
    x32 = x if x.dtype == _F32 else cast_f32(x, dtype=_F32)
    bits = S.empty((n,), np.uint16)
    if n:
        blocks, threads = S.launch_1d(n)
        _kernels().f32_bits_to_bf16[blocks, threads](bits, flat(x32).view(np.uint32), n)
    return S.view_as(bits.view(bf16), shape)
