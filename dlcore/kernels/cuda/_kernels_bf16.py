"""numba.cuda kernels behind :mod:`dlcore.kernels.cuda.bfloat16` (imported on first use).

They work on the raw bits (numba.cuda has no type for ml_dtypes' bfloat16 arrays): the bfloat16
buffer is viewed as uint16, the float32 one as uint32.
"""

from __future__ import annotations

import numpy as np
from numba import cuda


@cuda.jit(cache=True)
def f32_bits_to_bf16(out, u, n):
    """out[i] = bfloat16 bits of the float32 whose bits are u[i], rounded to nearest even."""
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for i in range(start, n, step):
        b = u[i]
        if (b & np.uint32(0x7FFFFFFF)) > np.uint32(0x7F800000):      # NaN: stays a quiet NaN
            out[i] = np.uint16(((b >> np.uint32(16)) | np.uint32(0x40)) & np.uint32(0xFFFF))
        else:
            r = (b + np.uint32(0x7FFF) + ((b >> np.uint32(16)) & np.uint32(1))) >> np.uint32(16)
            out[i] = np.uint16(r & np.uint32(0xFFFF))


@cuda.jit(cache=True)
def bf16_bits_to_f32(out, h, n):
    """out[i] = float32 bits of the bfloat16 whose bits are h[i] (exact: the high half)."""
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for i in range(start, n, step):
        out[i] = np.uint32(h[i]) << np.uint32(16)
