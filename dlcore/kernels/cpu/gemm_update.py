"""A weight's SGD update folded into its gradient GEMM: ``out = w - lr * (a @ b)`` as one
``sgemm`` (``alpha = -lr``, ``beta = 1``) into ``out`` after copying ``w`` there (issue 19).

The static compiler (``dlcore_static.compiler.gemm_fold``) uses it for an update
``w - lr * matmul(a, b)`` whose product has no other consumer, at the shapes of
``linalg.fused_update_shape``.  Unfused, the product is written (8 MB for the 1000x2048 weight
of the MLP width sweep at H=2048) and read back by the update loop, which reads ``w`` and writes
the variable's next buffer; fused, ``w`` is copied into that buffer and the GEMM adds into it
(OpenBLAS skips its beta pass when beta is 1).  ``out`` is never ``w``: the compiled plan
writes a spare buffer of its own that the Session commits only when the whole step succeeds,
so a failing step still changes no variable.

The GEMM is ``cblas_sgemm`` of the OpenBLAS NumPy loaded (through ctypes), so dlcore's thread
policy (``blas_threads.for_gemm``, which sets that library's thread count) governs it as it
governs ``np.dot``; SciPy's own OpenBLAS (another pool) is not used.  A product that MKL takes
(``gemm_mkl.takes``: Intel CPUs with the ``mkl`` package) is MKL's sgemm with the same alpha
and beta.  Measured on the 2-core
machine, 1 thread, CPU time, medians of 7 interleaved repeats, (batch, in, out) of
x^T @ g: unfused (``linalg.matmul`` + the compiled update loop) -> fused (copy + sgemm):
64x1000x2048 11.42 -> 9.34 ms (0.82), 64x2048x2048 23.3 -> 18.8 (0.81), 64x1000x512 2.74
-> 2.45 (0.89); below the rule's size the gain is at most ~5% or nothing: 64x1000x128 0.95,
64x1000x100 0.94, 16x1000x100 0.95, 256x1000x100 0.99, 1024x1000x100 1.00.  (Updating the
committed weight in place without the copy was 0.67 of unfused at 64x1000x2048, but it would
change the committed value before the step is known to succeed.)
"""

from __future__ import annotations

import ctypes
import math

import numpy as np

from . import gemm_mkl
from .blas_threads import for_gemm, openblas_paths

_ROW_MAJOR, _NO_TRANS, _TRANS = 101, 111, 112
_F32 = np.dtype(np.float32)
_sgemm: list = []               # [the cblas_sgemm function or None], resolved once


def _find_sgemm():
    """``cblas_sgemm`` of the OpenBLAS NumPy loaded (64- or 32-bit integers), or None."""
    for path in (p for p in openblas_paths() if "numpy" in p):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for name, int_t in (("scipy_cblas_sgemm64_", ctypes.c_int64),
                            ("cblas_sgemm64_", ctypes.c_int64),
                            ("scipy_cblas_sgemm", ctypes.c_int), ("cblas_sgemm", ctypes.c_int)):
            fn = getattr(lib, name, None)
            if fn is None:
                continue
            i, fl, p = int_t, ctypes.c_float, ctypes.c_void_p
            fn.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int, i, i, i, fl, p, i, p, i,
                           fl, p, i]
            fn.restype = None
            return fn
    return None


def available() -> bool:
    """Whether NumPy's OpenBLAS ``cblas_sgemm`` was found (else the update is not fused)."""
    if not _sgemm:                  # (NumPy's OpenBLAS is loaded with numpy's core)
        _sgemm.append(_find_sgemm())
    return _sgemm[0] is not None


def _operand(x):
    """(array, transposed flag, leading dimension) of a float32 matrix for row-major cblas."""
    if x.flags.c_contiguous:
        return x, _NO_TRANS, x.shape[1]
    if x.flags.f_contiguous:                        # a transposed view of a C-ordered array
        return x, _TRANS, x.shape[0]
    x = np.ascontiguousarray(x)
    return x, _NO_TRANS, x.shape[1]


def sgemm_update(out, w, a, b, lr: float):
    """``out[...] = w - lr * (a @ b)`` for float32 ``a`` (m, k), ``b`` (k, n), ``w`` and a
    C-contiguous writeable ``out`` (m, n) that is either ``w`` itself (updated in place: no
    copy, ``gemm_fold``'s in-place form) or overlaps neither ``w``, ``a`` nor ``b``; returns
    ``out``.  Requires ``available()``; the caller sets the BLAS threads for the GEMM's
    size first (``blas_threads.for_gemm``, as the compiled glue does)."""
    m, k = a.shape
    n = b.shape[1]
    if gemm_mkl.takes(m, k, n):         # MKL where it wins (gemm_mkl): the same fused update
        return gemm_mkl.sgemm_update(out, w, a, b, lr)
    if out is not w:
        np.copyto(out, w)
    a, ta, lda = _operand(a)
    b, tb, ldb = _operand(b)
    _sgemm[0](_ROW_MAJOR, ta, tb, m, n, k, -lr, a.ctypes.data, lda, b.ctypes.data, ldb, 1.0,
              out.ctypes.data, n)
    return out


def sgemm_update_rate(out, w, a, b, lr):
    """``sgemm_update`` with a learning rate that is a float32 0-d array or scalar computed at
    run time (a decayed or fed rate).  A rate of 0 or not finite is computed as the unfused
    plan computes it, ``w - (a @ b) * lr`` in float32 (the GEMM would skip the product for
    ``alpha = 0`` and scale ``a`` by an infinite alpha before the sum, giving other NaNs)."""
    c = float(lr)
    if c != 0.0 and math.isfinite(c):
        return sgemm_update(out, w, a, b, c)
    for_gemm(2.0 * a.shape[0] * a.shape[1] * b.shape[1])
    p = np.dot(a, b)
    with np.errstate(invalid="ignore", over="ignore"):     # (the compiled loop is silent)
        np.multiply(p, np.float32(c), out=p)
        return np.subtract(w, p, out=out)
