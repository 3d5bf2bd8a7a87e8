"""The Numba side of ``gemm_mkl``: MKL's ``cblas_sgemm`` called through an LLVM external
symbol that ``register`` binds to the address ``gemm_mkl.available`` found (a name, not an
address, so the functions here are cached on disk).  Imported when MKL is found, so that
importing dlcore does not import Numba."""

from __future__ import annotations

import numpy as np
from llvmlite import binding as llvm
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils, ir_utils
from numba.core.imputils import impl_ret_borrowed
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
    ``lead`` row (rows ``lead_stride`` bytes apart), or 0 when the strides do not allow it.
    A function of its own: inlined at Numba's level (``inline="always"``) into its four call
    sites, it cost ``gemm_status`` 0.2-0.3 s more compile time than its own 0.08-0.1 s."""
    if inner > 1 and inner_stride != 4:
        return 0
    if lead <= 1:
        return max(inner, 1)
    if lead_stride % 4 != 0 or lead_stride // 4 < max(inner, 1):
        return 0
    return lead_stride // 4


@njit(cache=True, nogil=True)
def gemm_status(a, b, out, alpha, beta):                     # pragma: no cover - Numba
    """``out = alpha a @ b + beta out`` for float32 matrices by MKL, each operand read as it
    is where row-major cblas can (rows of contiguous elements: C order, or a slice of rows of
    one, as they are; a transposed view of one, read transposed) and ``out``'s rows
    contiguous (C-ordered, or a slice of the columns of one: an LSTM's ``dh`` in its
    ``[dh, dc]`` buffer).  Returns 0 when done, or, with nothing done, 1 when ``a``'s strides
    allow neither reading and 2 when ``b``'s do not (the caller copies it, ``gemm_into``).
    Integers and strides only: no array made or returned, so it compiles in a fraction of
    the time a copying form took (issue 19's cold start)."""
    m, k = a.shape
    n = b.shape[1]
    ta, lda = 111, _ld(m, a.strides[0], k, a.strides[1])
    if not lda:
        ta, lda = 112, _ld(k, a.strides[1], m, a.strides[0])
        if not lda:
            return 1
    tb, ldb = 111, _ld(k, b.strides[0], n, b.strides[1])
    if not ldb:
        tb, ldb = 112, _ld(n, b.strides[1], k, b.strides[0])
        if not ldb:
            return 2
    ldc = _ld(m, out.strides[0], n, out.strides[1])
    _call(ta, tb, m, n, k, alpha, a.ctypes.data, lda, b.ctypes.data, ldb, beta,
          out.ctypes.data, ldc if ldc else max(n, 1))
    return 0


@intrinsic
def _any_layout(typingctx, a, readonly):
    """``a`` itself (a 2-D float32 array) typed with the 'A' layout, read-only where
    ``readonly`` (a literal bool) is True: the same array structure, nothing copied."""
    if not (isinstance(a, types.Array) and isinstance(readonly, types.BooleanLiteral)):
        return None
    ret = types.Array(a.dtype, a.ndim, "A", readonly=readonly.literal_value)

    def codegen(context, builder, sig, args):
        return impl_ret_borrowed(context, builder, sig.return_type, args[0])
    return ret(a, readonly), codegen


ir_utils.alias_func_extensions[("_any_layout", __name__)] = \
    lambda lhs, args, alias_map, arg_aliases: ir_utils._add_alias(lhs, args[0].name, alias_map,
                                                                  arg_aliases)


@njit(cache=True, nogil=True)
def gemm_into(a, b, out, alpha, beta):                       # pragma: no cover - Numba
    """``gemm_status``, an operand that cblas cannot read as it is copied to C order first
    (only that one, as ``gemm_any`` copies it; for callers in Numba: ``mkl32``).  Every call
    of ``gemm_status`` here takes its operands typed 'A' and read-only (``_any_layout``): one
    signature of it for every caller and copy, where the types as they came compiled up to
    four (the operands, each copy writable: 0.15-0.25 s of CPU each in a cold process, the
    LSTM's compiled first step)."""
    ra, rb, o = _any_layout(a, True), _any_layout(b, True), _any_layout(out, False)
    s = gemm_status(ra, rb, o, alpha, beta)
    if s == 1:
        a2 = _any_layout(np.ascontiguousarray(a), True)
        if gemm_status(a2, rb, o, alpha, beta) == 2:
            gemm_status(a2, _any_layout(np.ascontiguousarray(b), True), o, alpha, beta)
    elif s == 2:
        gemm_status(ra, _any_layout(np.ascontiguousarray(b), True), o, alpha, beta)


# ``gemm_status`` as Python calls it (``gemm_mkl.sgemm``): compiled for arrays of any layout
# ('A'), one signature per read-only pattern of ``a`` and ``b``, made at its first use, instead
# of one per combination of C, F and strided operands that the products of a program meet
# (each another signature compiled with an empty cache: the seed MLP's eager first step
# compiled 1.27 s of them, issue 19's cold start).  The dispatch of a C or F array to the 'A'
# signature costs nothing measurable (0.48 us a call, as an exact match).  An operand whose
# strides cblas cannot read is copied here, in NumPy (rare: a slice with a step), so the
# Numba function makes no array (its first compile, with ``_ld``: 0.77 s -> 0.3 s, one core).
_BY_FLAGS: dict = {}


def gemm_any(a, b, out, alpha, beta) -> None:
    """``out = alpha a @ b + beta out`` (``gemm_status``'s contract; any strides) through the
    'A'-layout signatures above (an unaligned operand through ``gemm_into`` itself)."""
    key = (a.flags.writeable, b.flags.writeable)
    fn = _BY_FLAGS.get(key)
    if fn is None:
        arr = [types.Array(types.float32, 2, "A", readonly=not w) for w in key]
        sig = types.int64(arr[0], arr[1], types.Array(types.float32, 2, "A"), types.float64,
                          types.float64)
        fn = _BY_FLAGS[key] = njit(sig, cache=True, nogil=True)(gemm_status.py_func)
    try:
        s = fn(a, b, out, alpha, beta)
    except TypeError:                   # (no matching signature: an unaligned operand)
        if a.flags.aligned and b.flags.aligned and out.flags.aligned:
            raise
        gemm_into(a, b, out, alpha, beta)
        return
    if s:                               # (an operand copied: at most one call more each)
        gemm_any(np.ascontiguousarray(a) if s == 1 else a,
                 np.ascontiguousarray(b) if s == 2 else b, out, alpha, beta)


@njit(cache=True, nogil=True)
def mkl32(a, b):                                             # pragma: no cover - Numba
    """``a @ b`` of two float32 matrices (any strides), a new C-ordered result: what a
    compiled segment calls for a product MKL takes (``gemm_in_numba.lines``).  Cached on disk:
    Numba keys that cache on this file, which holds everything it calls."""
    out = np.empty((a.shape[0], b.shape[1]), np.float32)
    gemm_into(a, b, out, 1.0, 0.0)
    return out
