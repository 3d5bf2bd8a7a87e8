"""CPU matmul kernel: BLAS through NumPy.

``y = a @ b`` for 2-D and batched operands (leading dimensions broadcast as in ``np.matmul``).
Float32/float64 operands go to NumPy's BLAS (OpenBLAS in the NumPy wheels) ``sgemm``/``dgemm``,
which takes C- or Fortran-ordered operands without copying (a transposed weight in a vjp costs
nothing).  Integer operands use NumPy's own (non-BLAS) loop.

Why not a Numba loop, ``np.dot`` inside ``@njit``, or MKL?  Measured on the 2-core AMD EPYC
(AVX-512) machine this project is benchmarked on (``benchmarks/kernels.py``):

* ``np.dot`` inside ``@njit`` calls SciPy's bundled OpenBLAS: the same speed as ``np.matmul``
  within noise (about 116-127 GFLOP/s at 64x1000x100), plus a compile, so it buys nothing here.
* The ``mkl`` PyPI package through ctypes ``cblas_sgemm``: 84 (sequential) and 57-127 (GNU
  OpenMP threads) GFLOP/s at 64x1000x100, 40-100 at 512x1024x1024, against OpenBLAS's ~125 and
  ~180: MKL does not pick its AVX-512 path on AMD CPUs, so it loses and is not used.
* PyTorch's MKL/oneDNN sgemm on the same machine: about 100-115 and 170-175 GFLOP/s, i.e. at or
  below NumPy's OpenBLAS (the "MKL is 2x OpenBLAS" figure in DESIGN.md was measured elsewhere).

So the fastest matmul available here is the one NumPy already links, called with a
preallocated C-contiguous output.
"""

from __future__ import annotations

import numpy as np

from .blas_threads import for_gemm


def matmul(a, b):
    """y = a @ b (NumPy broadcasting of batch dimensions).

    A stack times one matrix, (..., M, K) @ (K, N), is one (prod(...) M, K) @ (K, N) gemm:
    ``np.matmul`` would call BLAS once per matrix of the stack (32 calls of 16x64x256 took
    1.4 ms against 0.15 ms for the one call, a transformer's feed-forward layer).  The BLAS
    thread count is chosen for the GEMM's size first (``blas_threads``)."""
    if a.ndim == 2 and b.ndim == 2:          # two matrices, the common case: 2 m k n flops
        m, k = a.shape
        n = b.shape[1]
        for_gemm(2.0 * m * k * n)
        if SKINNY_M[0] <= m <= SKINNY_M[1] and n >= 64 and k >= 64 and a.dtype is _F32 and \
                b.dtype is _F32:
            return _transposed(a, b)
        return np.matmul(a, b)
    m = a.shape[-2] if a.ndim > 1 else 1
    n = b.shape[-1] if b.ndim > 1 else 1
    for_gemm(2.0 * max(a.size * n, b.size * m))
    if b.ndim == 2 and a.ndim > 2 and a.size:
        out = np.matmul(a.reshape(-1, a.shape[-1]), b)
        return out.reshape(a.shape[:-1] + (b.shape[-1],))
    return np.matmul(a, b)


def _transposed(a, b):
    """A float32 GEMM with 16-64 rows and wide operands runs as its transpose,
    (b^T a^T)^T, copied back to C order: OpenBLAS's sgemm is up to 2x slower with the few
    rows on the M side.  Measured on the 2-core AMD EPYC, 1 thread, us (direct vs transposed
    + copy): 16x1000x100 186 vs 111 (PyTorch 108), 32x256x128 105 vs 62, 64x256x128 230 vs
    117, 16x512x512 607 vs 292, 64x1000x100 801 vs 753; it loses with 4 rows (43 vs 48), with
    10 columns (4.4 vs 6.5 at 16x100x10) and in float64 (212 vs 247), which keep the direct
    call.

    Over SPLIT_K inner columns the product is also summed over equal slices of K of at most
    SPLIT_CHUNK (OpenBLAS's sgemm here slows down past K = 512 with these shapes).  1 thread,
    CPU time, interleaved with PyTorch in one process, us (transposed whole vs K-split, PyTorch):
    64x1000x100 824 vs 431 (418), 64x600x100 516 vs 263 (253), 64x768x100 524 vs 325 (322),
    64x2000x100 1886 vs 868 (842), 64x1000x256 2153 vs 964 (1008); 16x1000x100 119 vs 142 (120)
    keeps the whole call (SPLIT_MIN_M).  The sliced calls are that fast only once the process
    has made one whole GEMM with K over 512 (before it, 1230 us at 64x1000x100: OpenBLAS's
    state, measured, not explained), so the first such product is computed whole."""
    k = a.shape[1]
    if k <= SPLIT_K or a.shape[0] < SPLIT_MIN_M or not _WHOLE_DONE:
        if k > SPLIT_K and a.shape[0] >= SPLIT_MIN_M:
            _WHOLE_DONE.append(True)
        return np.ascontiguousarray(np.matmul(b.T, a.T).T)
    parts = -(-k // SPLIT_CHUNK)
    c = -(-k // parts)
    at, bt = a.T, b.T
    acc = np.matmul(bt[:, :c], at[:c])
    for i in range(c, k, c):
        acc += np.matmul(bt[:, i:i + c], at[i:i + c])
    return np.ascontiguousarray(acc.T)


_F32 = np.dtype(np.float32)
#: (smallest, largest) number of rows for the transposed float32 GEMM (see ``matmul``)
SKINNY_M = (16, 64)
#: the transposed GEMM sums over slices of K (at most SPLIT_CHUNK wide) above SPLIT_K inner
#: columns, from SPLIT_MIN_M rows (see ``_transposed``)
SPLIT_K, SPLIT_CHUNK, SPLIT_MIN_M = 512, 256, 32
_WHOLE_DONE: list = []      # non-empty once a whole GEMM with K > SPLIT_K ran (_transposed)
