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
    thread count is chosen for the GEMM's size first (``blas_threads``), whose first call also
    primes OpenBLAS (``blas_threads.prime``).  Two float32/float64 matrices of one dtype take
    ``np.dot`` (see ``_DOT``), other dtypes and stacks ``np.matmul``."""
    if a.ndim == 2 and b.ndim == 2:          # two matrices, the common case: 2 m k n flops
        m, k = a.shape
        n = b.shape[1]
        for_gemm(2.0 * m * k * n)
        if k_split_shape(m, k, n) and a.dtype is _F32 and b.dtype is _F32:
            return _k_split(a, b)
        if a.dtype is b.dtype and a.dtype in _DOT:
            return np.dot(a, b)
        return np.matmul(a, b)
    m = a.shape[-2] if a.ndim > 1 else 1
    n = b.shape[-1] if b.ndim > 1 else 1
    for_gemm(2.0 * max(a.size * n, b.size * m))
    if b.ndim == 2 and a.ndim > 2 and a.size:
        out = np.matmul(a.reshape(-1, a.shape[-1]), b)
        return out.reshape(a.shape[:-1] + (b.shape[-1],))
    return np.matmul(a, b)


def k_split_shape(m: int, k: int, n: int) -> bool:
    """Whether an (m, k) @ (k, n) float32 product takes the K-split GEMM (``_k_split``); the
    static compiler's inlined products ask it too, and leave those to ``matmul``."""
    return k > SPLIT_K and n >= SPLIT_MIN_N and SPLIT_M[0] <= m <= SPLIT_M[1]


def _k_split(a, b):
    """A float32 GEMM with 48-64 rows, at least 256 output columns and K over 512, as its
    transpose (b^T a^T)^T summed over equal slices of K of at most SPLIT_CHUNK, copied back to
    C order: 6-9% faster than the direct call at those shapes.  Measured on the 2-core AMD
    EPYC, 1 thread, CPU time, OpenBLAS primed (``blas_threads.prime``), us (direct vs split):
    64x1000x256 1187 vs 1113, 64x1024x1024 5305 vs 4830, 64x784x512 1873 vs 1758; it loses
    with fewer columns or rows (64x1000x100 447 vs 478, 64x1000x128 503 vs 546, 48x1000x200
    565 vs 634, 32x2000x512 2432 vs 2739), which take the direct call.

    (Before the priming product, a transposed or K-split call was 1.5-2.3x faster than the
    direct one for every float32 GEMM with 16-64 rows, because OpenBLAS ran the direct call
    in its slow state; after it the direct call is the fastest there: 16x1000x100 112 vs 141
    transposed, 64x100x1000 390 vs 489, 64x2000x100 830 vs 949.)"""
    k = a.shape[1]
    parts = -(-k // SPLIT_CHUNK)
    c = -(-k // parts)
    at, bt = a.T, b.T
    acc = np.matmul(bt[:, :c], at[:c])
    for i in range(c, k, c):
        acc += np.matmul(bt[:, i:i + c], at[i:i + c])
    return np.ascontiguousarray(acc.T)


_F32 = np.dtype(np.float32)
#: two float matrices of one dtype go to ``np.dot`` rather than ``np.matmul``: the same BLAS
#: gemm and the same values (bit for bit, C-contiguous result), with less NumPy call overhead
#: (matmul's gufunc dispatch): 1 thread, CPU time, us, matmul -> dot: float32 (3,1)@(1,4)
#: 2.63 -> 2.18, 4x4x4 2.87 -> 2.14, 16x16x16 3.25 -> 2.54, 32x32x32 5.49 -> 4.73, 64x64x64
#: 19.9 -> 18.6, 20x100x400 55.6 -> 54.4; float64 4x4x4 3.02 -> 2.12; equal from ~128^3 on
_DOT = (_F32, np.dtype(np.float64))
#: the K-split GEMM (``_k_split``): float32, rows in SPLIT_M, more than SPLIT_K inner columns,
#: at least SPLIT_MIN_N output columns, slices of K at most SPLIT_CHUNK wide
SPLIT_M, SPLIT_K, SPLIT_MIN_N, SPLIT_CHUNK = (48, 64), 512, 256, 256
