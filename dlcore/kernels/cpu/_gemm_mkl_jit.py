"""The Numba side of ``gemm_mkl``: MKL's ``cblas_sgemm`` called through an LLVM external
symbol that ``register`` binds to the address ``gemm_mkl.available`` found (a name, not an
address, so the functions here are cached on disk).  Imported when MKL is found, so that
importing dlcore does not import Numba."""

from __future__ import annotations

import numpy as np
from llvmlite import binding as llvm
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

_SYMBOL = "dlcore_mkl_cblas_sgemm"


def register(address: int) -> None:
    """Bind the symbol the functions below call to MKL's ``cblas_sgemm`` (before any call)."""
    llvm.add_symbol(_SYMBOL, address)


@intrinsic
def _call(typingctx, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc):
    """``cblas_sgemm(RowMajor, ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc)``
    (integers, two float32 scalars, three addresses)."""
    args = (ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    if not all(isinstance(t, (types.Integer, types.Float)) for t in args):
        return None

    def codegen(context, builder, signature, llargs):
        i32, f32 = ir.IntType(32), ir.FloatType()
        fptr = f32.as_pointer()
        fnty = ir.FunctionType(ir.VoidType(), [i32, i32, i32, i32, i32, i32, f32, fptr, i32,
                                               fptr, i32, f32, fptr, i32])
        fn = cgutils.get_or_insert_function(builder.module, fnty, _SYMBOL)
        vals = [ir.Constant(i32, 101)]                       # CblasRowMajor
        for i, (v, t) in enumerate(zip(llargs, args)):
            if i in (5, 10):                                  # alpha, beta
                vals.append(context.cast(builder, v, t, types.float32))
            elif i in (6, 8, 11):                             # A, B, C
                vals.append(builder.inttoptr(context.cast(builder, v, t, types.int64), fptr))
            else:
                vals.append(context.cast(builder, v, t, types.int32))
        builder.call(fn, vals)
        return context.get_dummy_value()
    return types.void(*args), codegen


@njit(cache=True, nogil=True)
def _ld(lead, lead_stride, inner, inner_stride):              # pragma: no cover - Numba
    """The leading dimension of a matrix read with ``inner`` contiguous float32 elements per
    ``lead`` row (rows ``lead_stride`` bytes apart), or 0 when the strides do not allow it."""
    if inner > 1 and inner_stride != 4:
        return 0
    if lead <= 1:
        return max(inner, 1)
    if lead_stride % 4 != 0 or lead_stride // 4 < max(inner, 1):
        return 0
    return lead_stride // 4


@njit(cache=True, nogil=True)
def _layout(x):                                              # pragma: no cover - Numba
    """(transpose flag, leading dimension, array) of a float32 matrix for row-major cblas:
    rows of contiguous elements (C order, or a slice of rows of one) as they are, a transposed
    view of one read transposed, any other strides copied to C order."""
    ld = _ld(x.shape[0], x.strides[0], x.shape[1], x.strides[1])
    if ld:
        return 111, ld, x
    ld = _ld(x.shape[1], x.strides[1], x.shape[0], x.strides[0])
    if ld:
        return 112, ld, x
    return 111, max(x.shape[1], 1), np.ascontiguousarray(x)


@njit(cache=True, nogil=True)
def gemm_into(a, b, out, alpha, beta):                       # pragma: no cover - Numba
    """``out = alpha a @ b + beta out`` for float32 matrices ``a``, ``b`` (any strides) and an
    ``out`` whose rows are contiguous (C-ordered, or a slice of the columns of one: an LSTM's
    ``dh`` in its ``[dh, dc]`` buffer), by MKL."""
    m = a.shape[0]
    n = b.shape[1]
    k = a.shape[1]
    ta, lda, a = _layout(a)
    tb, ldb, b = _layout(b)
    ldc = _ld(out.shape[0], out.strides[0], out.shape[1], out.strides[1])
    _call(ta, tb, m, n, k, alpha, a.ctypes.data, lda, b.ctypes.data, ldb, beta,
          out.ctypes.data, ldc if ldc else max(n, 1))


# ``gemm_into`` as Python calls it (``gemm_mkl.sgemm``): compiled for arrays of any layout
# ('A'), one signature per read-only pattern of ``a`` and ``b``, made at its first use, instead
# of one per combination of C, F and strided operands that the products of a program meet
# (each another ``gemm_into``, ``_layout`` and ``np.ascontiguousarray`` compiled with an empty
# cache: the seed MLP's eager first step compiled 1.27 s of them, issue 19's cold start).
# The dispatch of a C or F array to the 'A' signature costs nothing measurable (0.48 us a
# call, as an exact match).
_BY_FLAGS: dict = {}


def gemm_any(a, b, out, alpha, beta) -> None:
    """``gemm_into(a, b, out, alpha, beta)`` through the 'A'-layout signatures above (an
    unaligned operand through ``gemm_into`` itself)."""
    key = (a.flags.writeable, b.flags.writeable)
    fn = _BY_FLAGS.get(key)
    if fn is None:
        arr = [types.Array(types.float32, 2, "A", readonly=not w) for w in key]
        sig = types.void(arr[0], arr[1], types.Array(types.float32, 2, "A"), types.float64,
                         types.float64)
        fn = _BY_FLAGS[key] = njit(sig, cache=True, nogil=True)(gemm_into.py_func)
    try:
        fn(a, b, out, alpha, beta)
    except TypeError:                   # (no matching signature: an unaligned operand)
        if a.flags.aligned and b.flags.aligned and out.flags.aligned:
            raise
        gemm_into(a, b, out, alpha, beta)


@njit(cache=True, nogil=True)
def mkl32(a, b):                                             # pragma: no cover - Numba
    """``a @ b`` of two float32 matrices (any strides), a new C-ordered result: what a
    compiled segment calls for a product MKL takes (``gemm_in_numba.lines``).  Cached on disk:
    Numba keys that cache on this file, which holds everything it calls."""
    out = np.empty((a.shape[0], b.shape[1]), np.float32)
    gemm_into(a, b, out, 1.0, 0.0)
    return out
