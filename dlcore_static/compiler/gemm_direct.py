"""OpenBLAS's unpacked AVX-512 float32 GEMM for the glue's small products (issue 19).

NumPy's ``dot`` of two float32 matrices calls ``cblas_sgemm``, which packs both operands into
OpenBLAS's blocked layout before its kernel runs.  The OpenBLAS NumPy ships also exports
``sgemm_direct_SKYLAKEX``: a row-major ``C = A @ B`` kernel (no alpha, no beta) that reads the
operands where they lie, with no packing; ``cblas_sgemm`` does not choose it for these shapes.
For the products of the control-flow step it is faster and gives the same bits (each element
is the same sequence of fused multiply-adds over K): see ``DIRECT_*`` below.

Used by the compiled glue (``source._gemm_lines``) for a float32 ``a @ b`` of two 2-D
operands when NumPy's OpenBLAS runs its SkylakeX kernels (``blas_threads.openblas_core``),
the symbol is there, the shapes are in the measured range (``direct_shape``) and, at run time,
both operands are C-contiguous (else ``np.dot``, as before).  The kernel is reached
from Numba through an LLVM external symbol, registered (``llvmlite``'s ``add_symbol``) when
the glue is generated (``available``), before any call: the compiled function stays
cacheable on disk.
"""

from __future__ import annotations

import ctypes

import numpy as np
from llvmlite import binding as llvm
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

from dlcore.kernels.cpu.blas_threads import numpy_openblas, openblas_core

_SYMBOL = "dlcore_sgemm_direct_skylakex"
_F32 = np.dtype(np.float32)

#: the shapes (m, k, n) where the direct kernel is used.  Same bits as ``np.dot`` (checked on
#: 1,300+ shapes): with n a multiple of 16, m >= 2 and k <= 448 (beyond, OpenBLAS sums K in
#: blocks; other n end in a masked tail computed in another order); K is held to 384 here.
#: Faster (1 thread, CPU time, us, np.dot vs the kernel from Numba, allocation included, medians
#: of 5): 64x128x128 12.8 vs 11.2, 64x256x128 23.7 vs 22.2, 128x64x128 12.3 vs 9.8, 256x64x64
#: 12.3 vs 9.5, 32x256x128 15.7 vs 11.6, 64x384x64 18.2 vs 14.0; slower with small products
#: (8x64x64 0.70 vs 1.05, 32x64x64 1.5 vs 1.9, 64x128x10 2.3 vs 4.9) and outputs past 64 KB
#: of 256 columns (128x128x256 44 vs 49, 256x128x256 81 vs 97; 256x64x128 21.6 vs 18.4 was
#: faster): hence m >= 32, n <= 128 or m * n <= 16384, and 1e6 <= m * k * n < 2^22
#: (single-threaded, under ``blas_threads.SMALL_GEMM_FLOPS``).  From 8 rows (plan23, was 32):
#: with m k n >= 1e6 the kernel is faster for every shape of m 8..28, k 128..384, n 128..1024
#: (multiples of 16) within the other limits, 0.28-0.86 of ``np.dot``'s time, the same bits
#: (OpenBLAS 0.3.31 SkylakeX, 1 thread, CPU time, medians of 9 interleaved rounds): 8x128x1024
#: 75.6 vs 20.9 us, 16x200x400 34.5 vs 23.7, 20x200x400 43.4 vs 30.9 (the LSTM LM's loop
#: body: [x_t, h] @ W, 20 products a step), 24x256x512 85.7 vs 73.0, 28x192x256 35.7 vs 30.7.
#: The LSTM LM quick step (static+passes), A/B in one process: 0.979 of before, same loss.
DIRECT_MIN_M, DIRECT_MAX_K, DIRECT_MAX_N, DIRECT_MAX_OUT = 8, 384, 128, 16384
DIRECT_MIN_MNK, DIRECT_MAX_MNK = 1_000_000, 1 << 22
_STATE: list = []           # [True/False]: the symbol registered (asked once)


def _find():
    """The address of ``sgemm_direct_SKYLAKEX`` in NumPy's OpenBLAS when that library runs
    its SkylakeX kernels, else None."""
    if openblas_core() != "skylakex":
        return None
    lib = numpy_openblas()
    fn = getattr(lib, "sgemm_direct_SKYLAKEX", None) if lib is not None else None
    if fn is None:
        return None
    return ctypes.cast(fn, ctypes.c_void_p).value


def available() -> bool:
    """Whether the direct kernel can be called (its symbol registered for Numba)."""
    if not _STATE:
        addr = _find()
        if addr:
            llvm.add_symbol(_SYMBOL, addr)
        _STATE.append(bool(addr))
    return _STATE[0]


def direct_shape(m: int, k: int, n: int) -> bool:
    """Whether an (m, k) @ (k, n) float32 product goes to the direct kernel (see above)."""
    return n % 16 == 0 and m >= DIRECT_MIN_M and 1 <= k <= DIRECT_MAX_K and \
        (n <= DIRECT_MAX_N or m * n <= DIRECT_MAX_OUT) and \
        DIRECT_MIN_MNK <= m * k * n < DIRECT_MAX_MNK


#: Inside a compiled segment (``gemm32``: no dispatcher, no Python call) the kernel is also
#: faster than NumPy's ``dot`` from the glue on small products, where the glue's call is most
#: of the cost: 1 thread, CPU time, us, ``np.dot`` from Python vs ``gemm32`` from Numba,
#: allocation included, min of 5: 2x64x64 0.53 vs 0.12, 8x64x64 0.78 vs 0.33, 32x64x64 1.70
#: vs 1.20, 32x10x64 0.72 vs 0.23, 64x32x64 1.82 vs 1.18, 128x64x64 5.32 vs 4.54, 64x10x128
#: 1.52 vs 0.82 (all 90 shapes of m 2..128, k 10..256, n 16, 64, 128: the same bits, faster
#: but for n = 16 with m * k > 4096: 32x256x16 2.14 vs 2.16, 64x256x16 3.82 vs 4.26,
#: 128x128x16 3.59 vs 4.07).  Hence ``segment_shape``: below ``DIRECT_MIN_MNK``, m >= 2
#: (the same bits as ``np.dot``, see above) and n > 16 or m * k <= 4096.
SEGMENT_MIN_M, SEGMENT_N16_MAX_MK = 2, 4096


def segment_shape(m: int, k: int, n: int) -> bool:
    """Whether an (m, k) @ (k, n) float32 product inside a compiled segment runs by the
    direct kernel (``gemm_in_numba``): ``direct_shape``, or a small product (see above)."""
    if direct_shape(m, k, n):
        return True
    return n % 16 == 0 and m >= SEGMENT_MIN_M and 1 <= k <= DIRECT_MAX_K and \
        (n <= DIRECT_MAX_N or m * n <= DIRECT_MAX_OUT) and m * k * n < DIRECT_MIN_MNK and \
        (n > 16 or m * k <= SEGMENT_N16_MAX_MK)


def transposed_source(v):
    """The matrix ``x`` when IR value ``v`` is ``transpose(x)`` (perm (1, 0)) of a 2-D float32
    ``x``, else None: the one test for a transposed operand that the glue
    (``transposed_a_text``) and the segments (``gemm_in_numba.operand``,
    ``segments._contiguous_text``) copy by the tiled transpose."""
    node = v.node
    if node.kind != "prim" or node.prim.name != "transpose" or len(node.inputs) != 1 or \
            tuple(node.params.get("perm", ())) != (1, 0):
        return None
    x = node.inputs[0]
    return x if x.aval.dtype == _F32 and len(x.aval.shape) == 2 else None


def transposed_a_text(a, py: dict, env: dict) -> str | None:
    """The glue's text for the left operand ``a`` of a direct-shaped product when ``a`` is
    the transpose of a matrix ``x`` the glue holds (a weight gradient's ``x^T @ g``): ``x^T``
    copied C-contiguous by ``transpose.transpose32`` when ``x`` is a C-contiguous float32
    array, else the view (and NumPy's ``dot``).  OpenBLAS reads a transposed left operand at
    about the speed of a plain one, so the copy pays through the direct kernel only: 1 thread,
    CPU time, us, np.dot of the view vs copy + kernel, 256x64x128 22.6 vs 20.7, 128x64x128
    12.4 vs 10.9; the same bits.  None: not such a transpose."""
    src = transposed_source(a)
    x = None if src is None else py.get(src)
    if x is None:
        return None
    from .transpose import transpose32
    env["_t32"], env["_nd"] = transpose32, np.ndarray
    return f"(_t32({x}) if type({x}) is _nd and {x}.flags.c_contiguous else {py[a]})"


def gemm_text(a: str, b: str, env: dict) -> str:
    """The glue's expression for ``a @ b`` (names of float32 matrices of direct shapes):
    the direct kernel when both are C-contiguous at run time, else NumPy's ``dot``."""
    env["_gd"], env["_dot"] = _gemm, _dot
    return f"(_gd({a}, {b}) if {a}.flags.c_contiguous and {b}.flags.c_contiguous " \
        f"else _dot({a}, {b}))"


@intrinsic
def _call(typingctx, m, n, k, a, lda, b, ldb, c, ldc):
    """``sgemm_direct(M, N, K, A, lda, B, ldb, C, ldc)``: 64-bit integers and addresses."""
    args = (m, n, k, a, lda, b, ldb, c, ldc)
    if not all(isinstance(t, types.Integer) for t in args):
        return None

    def codegen(context, builder, signature, llargs):
        i64 = ir.IntType(64)
        fptr = ir.FloatType().as_pointer()
        fnty = ir.FunctionType(ir.VoidType(), [i64, i64, i64, fptr, i64, fptr, i64, fptr, i64])
        fn = cgutils.get_or_insert_function(builder.module, fnty, _SYMBOL)
        vals = [context.cast(builder, v, t, types.int64) for v, t in zip(llargs, args)]
        ptr = {3, 5, 7}
        builder.call(fn, [builder.inttoptr(v, fptr) if i in ptr else v
                          for i, v in enumerate(vals)])
        return context.get_dummy_value()
    return types.void(*args), codegen


@njit(cache=True, nogil=True)
def _gemm(a, b):                                             # pragma: no cover - Numba
    """``a @ b`` of two C-contiguous float32 matrices (the caller checks)."""
    m, k = a.shape
    n = b.shape[1]
    out = np.empty((m, n), np.float32)
    _call(m, n, k, a.ctypes.data, k, b.ctypes.data, n, out.ctypes.data, n)
    return out


@njit(cache=True, nogil=True)
def gemm32(a, b):                                            # pragma: no cover - Numba
    """``a @ b`` of two float32 matrices by the unpacked kernel (made C-contiguous first):
    what a compiled segment calls (``gemm_in_numba``).  Cached on disk: Numba keys that cache
    on this file, which holds everything it calls (``_call``)."""
    a = np.ascontiguousarray(a)
    b = np.ascontiguousarray(b)
    m, k = a.shape
    n = b.shape[1]
    out = np.empty((m, n), np.float32)
    _call(m, n, k, a.ctypes.data, k, b.ctypes.data, n, out.ctypes.data, n)
    return out


_dot = getattr(np.dot, "_implementation", np.dot)
