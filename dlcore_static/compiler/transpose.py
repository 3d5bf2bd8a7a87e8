"""A float32 matrix transpose by 8x8 register tiles (issue 19, the control-flow step).

``transpose32(x)`` is ``np.ascontiguousarray(x.T)`` for a C-contiguous float32 matrix: a new
C-contiguous array, the same values bit for bit (only moved).  The compiled static step hands
a GEMM a transposed weight (``g @ W^T`` in a gradient) as such a copy where OpenBLAS's AVX-512
kernels are slow with a transposed right operand (``loop_invariants.transposed_b_slow``); the
copy must then cost less than what the GEMM saves (64x128x128: 15.7 us transposed, 12.0 us
not).  NumPy's strided copy of a transposed (128, 128) view took 6.3 us, OpenBLAS's
``somatcopy`` through ctypes 5.0-5.2 us, a scalar Numba loop in 16x16 blocks 5.2-5.7 us; this
kernel 2.2 us (1 thread, CPU time, medians of 7, AMD EPYC with AVX-512, entry point called).

Each 8x8 tile is eight unaligned 8-float loads, the classic unpack / shuffle / 128-bit-lane
permute network written as LLVM ``shufflevector`` s (``_t8x8``), and eight 8-float stores;
tiles go down the columns of ``x`` (the rows of the result), so the stores run along the
result.  Rows and columns beyond a multiple of 8 are copied element by element.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

_F32 = np.dtype(np.float32)

# shufflevector masks of the 8x8 transpose: unpacklo/unpackhi ps, shuffle_ps 0x44/0xEE,
# permute2f128 0x20/0x31 (indices < 8 pick the first vector, >= 8 the second)
_LO, _HI = (0, 8, 1, 9, 4, 12, 5, 13), (2, 10, 3, 11, 6, 14, 7, 15)
_LO2, _HI2 = (0, 1, 8, 9, 4, 5, 12, 13), (2, 3, 10, 11, 6, 7, 14, 15)
_LO4, _HI4 = (0, 1, 2, 3, 8, 9, 10, 11), (4, 5, 6, 7, 12, 13, 14, 15)


@intrinsic
def _t8x8(typingctx, src, sstride, dst, dstride):
    """Transpose the 8x8 float32 tile at address ``src`` (rows ``sstride`` floats apart) into
    the tile at ``dst`` (rows ``dstride`` floats apart).  Addresses and strides are integers."""
    if not all(isinstance(t, types.Integer) for t in (src, sstride, dst, dstride)):
        return None

    def codegen(context, builder, signature, args):
        sa, ss, da, ds = args
        f32 = ir.FloatType()
        vec = ir.VectorType(f32, 8)
        pvec = vec.as_pointer()
        i32 = ir.IntType(32)
        s = builder.inttoptr(sa, f32.as_pointer())
        d = builder.inttoptr(da, f32.as_pointer())
        ss = builder.sext(ss, ir.IntType(64)) if ss.type.width < 64 else ss
        ds = builder.sext(ds, ir.IntType(64)) if ds.type.width < 64 else ds

        def shuf(a, b, mask):
            return builder.shuffle_vector(
                a, b, ir.Constant(ir.VectorType(i32, 8), [ir.Constant(i32, m) for m in mask]))

        r = [builder.load(builder.bitcast(
            builder.gep(s, [builder.mul(ss, ir.Constant(ss.type, k))]), pvec), align=4)
            for k in range(8)]
        t = []
        for k in range(0, 8, 2):
            t += [shuf(r[k], r[k + 1], _LO), shuf(r[k], r[k + 1], _HI)]
        u = []
        for k in (0, 4):
            u += [shuf(t[k], t[k + 2], _LO2), shuf(t[k], t[k + 2], _HI2),
                  shuf(t[k + 1], t[k + 3], _LO2), shuf(t[k + 1], t[k + 3], _HI2)]
        out = [shuf(u[k], u[k + 4], _LO4) for k in range(4)] + \
            [shuf(u[k], u[k + 4], _HI4) for k in range(4)]
        for k in range(8):
            p = builder.gep(d, [builder.mul(ds, ir.Constant(ds.type, k))])
            builder.store(out[k], builder.bitcast(p, pvec), align=4)
        return context.get_dummy_value()
    return types.void(src, sstride, dst, dstride), codegen


@njit(cache=True, nogil=True, error_model="numpy", boundscheck=False)
def _transpose_into(x, out):                                 # pragma: no cover - Numba
    r, c = x.shape
    r8, c8 = r - r % 8, c - c % 8
    xp, op = x.ctypes.data, out.ctypes.data
    for j0 in range(0, c8, 8):
        for i0 in range(0, r8, 8):
            _t8x8(xp + 4 * (i0 * c + j0), c, op + 4 * (j0 * r + i0), r)
    for j in range(c8, c):                                   # the last columns of x
        for i in range(r):
            out[j, i] = x[i, j]
    for i in range(r8, r):                                   # the last rows of x
        for j in range(c8):
            out[j, i] = x[i, j]


def transpose32(x: np.ndarray) -> np.ndarray:
    """``x.T`` as a new C-contiguous array, for a C-contiguous 2-D float32 ``x`` (the caller
    checks; see the module docstring)."""
    out = np.empty((x.shape[1], x.shape[0]), _F32)
    _transpose_into(x, out)
    return out

