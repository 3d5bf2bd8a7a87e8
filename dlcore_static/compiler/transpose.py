"""A float32 matrix transpose by 16x16 register tiles (issue 19, the control-flow step).

``transpose32(x)`` is ``np.ascontiguousarray(x.T)`` for a C-contiguous float32 matrix: a new
C-contiguous array, the same values bit for bit (only moved).  The compiled static step hands
a GEMM a transposed weight (``g @ W^T`` in a gradient) as such a copy where OpenBLAS's AVX-512
kernels are slow with a transposed right operand (``loop_invariants.transposed_b_slow``); the
copy must then cost less than what the GEMM saves (64x128x128: 15.7 us transposed, 12.0 us
not).  NumPy's strided copy of a transposed (128, 128) view took 6.3 us, OpenBLAS's
``somatcopy`` through ctypes 5.0-5.2 us, a scalar Numba loop in 16x16 blocks 5.2-5.7 us; this
kernel 1.45 us into a given array (1 thread, CPU time, medians of 9, AMD EPYC with AVX-512;
a 64 KB memcpy took 0.95-1.1 us there).  8x8 tiles (the unpack / shuffle / lane-permute
network of 256-bit vectors) took 2.4 us, 16x16 tiles walked down the columns of ``x`` 1.9.

Each 16x16 tile is sixteen unaligned 16-float loads, four stages of two-source LLVM
``shufflevector`` s (``_masks``: each stage swaps the off-diagonal blocks of the 2s x 2s
blocks), and sixteen 16-float stores; tiles go along the rows of ``x``.  Rows and columns
beyond a multiple of 16 are copied element by element.
"""

from __future__ import annotations

import numpy as np
from llvmlite import binding as llvm
from llvmlite import ir
from numba import carray, cfunc, njit, types
from numba.core import cgutils
from numba.extending import intrinsic

_F32 = np.dtype(np.float32)

_T = 16                                  # the tile: 16 x 16 float32, one 512-bit row each


def _masks(n: int) -> list:
    """The shufflevector masks of an n x n transpose (n a power of 2): log2(n) stages; stage
    ``s`` swaps the off-diagonal s x s blocks of each 2s x 2s block, pairing row ``i`` with
    row ``i + s`` into (low, high) (indices below n pick the first row, from n the second)."""
    stages = []
    s = n // 2
    while s >= 1:
        lo, hi = [0] * n, [0] * n
        for j in range(n):
            if not j & s:
                lo[j], lo[j + s] = j, n + j
                hi[j], hi[j + s] = j + s, n + j + s
        stages.append((s, tuple(lo), tuple(hi)))
        s //= 2
    return stages


_STAGES = _masks(_T)


@intrinsic
def _tile(typingctx, src, sstride, dst, dstride):
    """Transpose the 16x16 float32 tile at address ``src`` (rows ``sstride`` floats apart)
    into the tile at ``dst`` (rows ``dstride`` floats apart).  Addresses and strides are
    integers."""
    if not all(isinstance(t, types.Integer) for t in (src, sstride, dst, dstride)):
        return None

    def codegen(context, builder, signature, args):
        sa, ss, da, ds = args
        f32, i32, i64 = ir.FloatType(), ir.IntType(32), ir.IntType(64)
        pvec = ir.VectorType(f32, _T).as_pointer()
        s = builder.inttoptr(sa, f32.as_pointer())
        d = builder.inttoptr(da, f32.as_pointer())
        ss = builder.sext(ss, i64) if ss.type.width < 64 else ss
        ds = builder.sext(ds, i64) if ds.type.width < 64 else ds

        def mask(m):
            return ir.Constant(ir.VectorType(i32, _T), [ir.Constant(i32, x) for x in m])

        rows = [builder.load(builder.bitcast(
            builder.gep(s, [builder.mul(ss, ir.Constant(i64, k))]), pvec), align=4)
            for k in range(_T)]
        for st, lo, hi in _STAGES:
            new = list(rows)
            for i in range(_T):
                if not i & st:
                    a, b = rows[i], rows[i + st]
                    new[i] = builder.shuffle_vector(a, b, mask(lo))
                    new[i + st] = builder.shuffle_vector(a, b, mask(hi))
            rows = new
        for k in range(_T):
            p = builder.gep(d, [builder.mul(ds, ir.Constant(i64, k))])
            builder.store(rows[k], builder.bitcast(p, pvec), align=4)
        return context.get_dummy_value()
    return types.void(src, sstride, dst, dstride), codegen


@njit(cache=True, nogil=True, error_model="numpy", boundscheck=False)
def _transpose_into(x, out):                                 # pragma: no cover - Numba
    r, c = x.shape
    r16, c16 = r - r % 16, c - c % 16
    xp, op = x.ctypes.data, out.ctypes.data
    for i0 in range(0, r16, 16):
        for j0 in range(0, c16, 16):
            _tile(xp + 4 * (i0 * c + j0), c, op + 4 * (j0 * r + i0), r)
    for j in range(c16, c):                                  # the last columns of x
        for i in range(r):
            out[j, i] = x[i, j]
    for i in range(r16, r):                                  # the last rows of x
        for j in range(c16):
            out[j, i] = x[i, j]


def transpose32(x: np.ndarray) -> np.ndarray:
    """``x.T`` as a new C-contiguous array, for a C-contiguous 2-D float32 ``x`` (the caller
    checks; see the module docstring).  Through the registered C function (``call_into``),
    as the segments' ``tcopy32``: the glue passes read-only arrays (a variable's committed
    value), and ``_transpose_into`` called with one compiled a second copy of the tiles for
    that type (0.25-0.3 s of CPU in a cold process, the control-flow step's first compiled
    run); ``_into`` is a call and compiles in a few hundredths of a second per type."""
    if not _REGISTERED:
        register()
    out = np.empty((x.shape[1], x.shape[0]), _F32)
    _into(x, out)
    return out



def _transpose_c(xp, r, c, op):                              # pragma: no cover - Numba
    """``_transpose_into`` of the (r, c) matrix at ``xp`` into the (c, r) one at ``op``, made
    a C function by ``register``: called by address (``call_into``), its code is not linked
    into each caller."""
    _transpose_into(carray(xp, (r, c)), carray(op, (c, r)))


_SYMBOL = "dlcore_transpose32_into"
_REGISTERED: list = []


def register() -> None:
    """Register ``_transpose_c``'s address as the LLVM symbol that ``call_into`` calls (once
    per process; before any function calling ``call_into`` is compiled or loaded from the
    cache)."""
    if not _REGISTERED:
        sig = types.void(types.CPointer(types.float32), types.int64, types.int64,
                         types.CPointer(types.float32))
        fn = cfunc(sig, cache=True, error_model="numpy")(_transpose_c)
        llvm.add_symbol(_SYMBOL, fn.address)
        _REGISTERED.append(fn)                     # (keeps the compiled code alive)


@intrinsic
def call_into(typingctx, xp, r, c, op):
    """``x.T`` of the C-contiguous (r, c) float32 matrix at address ``xp`` written into the
    C-contiguous (c, r) one at ``op``, by a call of ``_transpose_c`` through its symbol
    (``register`` first).  A Numba caller of ``_transpose_into`` links its code in (the 16x16
    tiles' 64 shuffles), and LLVM optimises and compiles it again in every caller: 0.09 s of
    CPU per compiled segment that copies a transpose (``gemm_in_numba.tcopy32``)."""
    if not all(isinstance(t, types.Integer) for t in (xp, r, c, op)):
        return None

    def codegen(context, builder, signature, llargs):
        i64 = ir.IntType(64)
        fptr = ir.FloatType().as_pointer()
        fnty = ir.FunctionType(ir.VoidType(), [fptr, i64, i64, fptr])
        fn = cgutils.get_or_insert_function(builder.module, fnty, _SYMBOL)
        v = [context.cast(builder, a, t, types.int64) for a, t in zip(llargs, signature.args)]
        builder.call(fn, [builder.inttoptr(v[0], fptr), v[1], v[2], builder.inttoptr(v[3], fptr)])
        return context.get_dummy_value()
    return types.void(xp, r, c, op), codegen


@njit(cache=True, nogil=True)
def _into(x, out):                                           # pragma: no cover - Numba
    """``_transpose_into(x, out)`` of a C-contiguous ``x`` through ``call_into`` (``register``
    first): what ``transpose32`` calls."""
    r, c = x.shape
    call_into(x.ctypes.data, r, c, out.ctypes.data)


@njit(cache=True, nogil=True)
def tcopy32(x):                                              # pragma: no cover - Numba
    """``x.T`` as a new C-contiguous float32 matrix (``transpose32`` in Numba): what a compiled
    segment calls (``gemm_in_numba``; ``register`` first).  Cached on disk: Numba keys that
    cache on this file, which holds everything it calls."""
    x = np.ascontiguousarray(x)
    r, c = x.shape
    out = np.empty((c, r), np.float32)
    call_into(x.ctypes.data, r, c, out.ctypes.data)
    return out
