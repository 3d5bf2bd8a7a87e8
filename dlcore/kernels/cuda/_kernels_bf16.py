"""numba.cuda kernels behind :mod:`dlcore.kernels.cuda.bfloat16` (imported on first use).

They work on the raw bits (numba.cuda has no type for ml_dtypes' bfloat16 arrays): the bfloat16
buffer is viewed as uint16, the float32 one as uint32; the conversions are
:mod:`dlcore.kernels._bf16_scalar`'s, shared with the CPU.
"""

from __future__ import annotations

from numba import cuda

from .. import _bf16_scalar as S


_to_bf16 = cuda.jit(device=True)(S.f32_to_bf16)
_to_f32 = cuda.jit(device=True)(S.bf16_to_f32)


@cuda.jit(cache=True)
def f32_bits_to_bf16(out, u, n):
    """out[i] = bfloat16 bits of the float32 whose bits are u[i], rounded to nearest even."""
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for i in range(start, n, step):
        out[i] = _to_bf16(u[i])


@cuda.jit(cache=True)
def bf16_bits_to_f32(out, h, n):
    """out[i] = float32 bits of the bfloat16 whose bits are h[i] (exact: the high half)."""
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for i in range(start, n, step):
        out[i] = _to_f32(h[i])
