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

So the fastest matmul available there is the one NumPy already links, called with a
preallocated C-contiguous output.  On Intel CPUs (issue 19's later machines) MKL's sequential
``cblas_sgemm`` is faster than OpenBLAS for the float32 products of one BLAS thread from
m k n = 2^20 on (0.62-0.81 of the time on average from 1.5M): ``gemm_mkl`` takes those where
the ``mkl`` package is installed, before the routed shapes below (tuned against OpenBLAS).
"""

from __future__ import annotations

import numpy as np

from . import blas_threads as _bt
from . import gemm_mkl as _mkl
from .blas_threads import for_gemm


def matmul(a, b, transpose_a=False, transpose_b=False):
    """y = op(a) @ op(b) (NumPy broadcasting of batch dimensions; ``op`` swaps the last two
    axes, a view, where ``transpose_a``/``transpose_b`` is set: TensorFlow's MatMul flags,
    which ``tf.gradients`` sets instead of building Transpose nodes, issue 19).

    A stack times one matrix, (..., M, K) @ (K, N), is one (prod(...) M, K) @ (K, N) gemm:
    ``np.matmul`` would call BLAS once per matrix of the stack (32 calls of 16x64x256 took
    1.4 ms against 0.15 ms for the one call, a transformer's feed-forward layer).  The BLAS
    thread count is chosen for the GEMM's size first (``blas_threads``), whose first call also
    primes OpenBLAS (``blas_threads.prime``).  Two float32 matrices of the shapes of
    ``transposed_shape`` or ``small_k_shape`` take ``_transposed`` or ``_small_k``; other two
    float32/float64 matrices of one dtype ``np.dot`` (see ``_DOT``), other dtypes and stacks
    ``np.matmul``."""
    if transpose_a or transpose_b:          # (.T: a matrix's view, cheaper than swapaxes)
        if transpose_a:
            a = a.T if a.ndim == 2 else a.swapaxes(-1, -2)
        if transpose_b:
            b = b.T if b.ndim == 2 else b.swapaxes(-1, -2)
    if a.ndim == 2 and b.ndim == 2:          # two matrices, the common case: 2 m k n flops
        m, k = a.shape
        n = b.shape[1]
        d = a.dtype
        mkn = m * k * n
        if mkn < TINY_MKN and d is b.dtype and (d is _F32 or d is _F64) and \
                2.0 * mkn < _bt.SMALL_GEMM_FLOPS:
            # a tiny product (no routed shape is this small): np.dot on one BLAS thread,
            # without the routing's calls (issue 19: 1.03 -> 0.9 us a 1x32 @ 32x32 kernel)
            if _bt._state[1] != 1:
                for_gemm(2.0 * mkn)
            if mkn < NT_MKN_MIN:
                return _dot(a, b)   # (np.dot's C product without its Python dispatcher frame)
            return small_product(a, b)
        for_gemm(2.0 * mkn)
        if a.dtype is _F32 and b.dtype is _F32:
            # Intel MKL where it is installed and wins (gemm_mkl; on AMD with AVX-512 only
            # for x @ W.T, at every size: NT_ONLY)
            if _mkl.takes(m, k, n, (mkn < _mkl.MKN_ANY or mkn >= _mkl.BIG_MKN or _mkl.NT_ONLY)
                          and _mkl.b_transposed(a, b)):
                return _mkl.sgemm(a, b)
            if transposed_shape(m, k, n):
                return _transposed(a, b)
            if small_k_shape(m, k, n):
                return _small_k(a, b)
        if a.dtype is b.dtype and a.dtype in _DOT:
            return _dot(a, b)
        return np.matmul(a, b)
    m = a.shape[-2] if a.ndim > 1 else 1
    n = b.shape[-1] if b.ndim > 1 else 1
    for_gemm(2.0 * max(a.size * n, b.size * m))
    if b.ndim == 2 and a.ndim > 2 and a.size:
        # (the two matrices' routes above: MKL for a float32 x @ W.T, a Linear layer on a
        # (B, T, H) input; 32x1x128 @ 128x2803, a decoder's output layer, 535 -> 361 us)
        out = matmul(a.reshape(-1, a.shape[-1]), b)
        return out.reshape(a.shape[:-1] + (b.shape[-1],))
    return np.matmul(a, b)


def small_product(a, b):
    """``np.dot`` of two float matrices of one dtype with m k n < TINY_MKN (one BLAS thread
    set), or MKL's sgemm for a float32 ``x @ W.T`` that ``gemm_mkl.takes`` (its
    ``b_transposed`` rule, from NT_MKN_MIN multiply-adds): what ``matmul`` does for such a
    product, for the eager front end's inline paths (``_dispatch.matrix_product``,
    ``_methods``' ``@``, ``_dense_lane.linear``), which call it from NT_MKN_MIN on."""
    if a.dtype is _F32 and b.dtype is _F32 and _mkl.b_transposed(a, b) and \
            _mkl.takes(a.shape[0], a.shape[1], b.shape[1], True):
        return _mkl.sgemm(a, b)
    return _dot(a, b)


def transposed_shape(m: int, k: int, n: int) -> bool:
    """Whether an (m, k) @ (k, n) float32 product is computed as its transpose
    (``_transposed``)."""
    return TRANSPOSED_ON and k > TRANSPOSED_K and n >= TRANSPOSED_MIN_N and \
        TRANSPOSED_M[0] <= m <= TRANSPOSED_M[1]


def small_k_shape(m: int, k: int, n: int) -> bool:
    """Whether an (m, k) @ (k, n) float32 product takes the row-blocked GEMM (``_small_k``):
    at most SMALL_K inner columns, an output of at least SMALL_K_MIN_OUT elements and at
    least two blocks of rows."""
    return k <= SMALL_K and m >= 2 * SMALL_K_ROWS and m * n >= SMALL_K_MIN_OUT


def routed_shape(m: int, k: int, n: int) -> bool:
    """Whether ``matmul`` routes an (m, k) @ (k, n) float32 product to a GEMM of its own
    (``_transposed`` or ``_small_k``): the static compiler's inlined products
    (``source._gemm_lines``) ask this, and leave those products to ``matmul``."""
    return transposed_shape(m, k, n) or small_k_shape(m, k, n)


def fused_update_shape(m: int, k: int, n: int) -> bool:
    """Whether the static compiler folds an SGD update ``w - lr * (a @ b)`` of an (m, k) @
    (k, n) float32 product into the GEMM (``gemm_update.sgemm_update``): at most SMALL_K inner
    columns and an output of at least FUSED_UPDATE_MIN_OUT elements (measured there: 0.81-0.89
    of the unfused time from 64x1000x512 up, 0.94-0.95 at 64x1000x100 and 64x1000x128), or
    at most FUSED_UPDATE_WIDE_K inner columns for an output at least FUSED_UPDATE_WIDE_N wide
    (the LSTM language model's decoder weight, (100, 200) @ (200, 2000))."""
    if k <= 0 or m * n < FUSED_UPDATE_MIN_OUT:
        return False
    return k <= SMALL_K or (k <= FUSED_UPDATE_WIDE_K and n >= FUSED_UPDATE_WIDE_N)


def _small_k(a, b):
    """A float32 GEMM with a short inner dimension and a large output (the weight gradient
    x^T @ g of a batch of at most SMALL_K rows, issue 19's MLP at width 2048: 1000x64 @
    64x2048), in blocks of SMALL_K_ROWS output rows, each ``np.dot(a[i:i + r], b,
    out=out[i:i + r])`` (the same sgemm, on a 1 MB block of the output).  OpenBLAS first
    scales C by beta (a pass writing all of C) and then adds the product into it: with K this
    short that second pass over an 8 MB C is no longer hidden by the arithmetic, and a C
    larger than the 8 MB L3 is read back from memory; a block's C stays in L2/L3 between the
    two.  Measured on the 2-core AMD EPYC (Zen 1), 1 thread, CPU time, OpenBLAS primed,
    medians of 7 interleaved repeats, blocked/direct: 1000x64x2048 0.89-0.91 (25.9 -> 29
    GFLOP/s), 2048x64x1000 0.90, 2048x64x2048 0.93, 1000x64x1536 0.93, 4096x64x1024 0.95,
    1000x48x2048 0.94, 1000x32x2048 0.88, 1000x16x2048 0.75; no gain or a loss with smaller
    outputs or longer K: 1000x64x1024 1.01, 512x64x2048 1.05, 1000x64x512 1.04, 784x64x512
    1.07, 1000x100x2048 0.99, 1000x128x2048 1.02 (blocks of 64 rows lose more, of 256 win
    less).  In the compiled static step of the MLP at H=2048 (64x1000x2048x10), interleaved
    in one process: 20.3 -> 19.6 ms (JAX jit 20.0-20.2 in the same rounds).  Same values as
    the direct product up to float32 rounding (each block is its own sgemm)."""
    m = a.shape[0]
    out = np.empty((m, b.shape[1]), _F32)
    r = SMALL_K_ROWS
    for i in range(0, m, r):
        np.dot(a[i:i + r], b, out=out[i:i + r])
    return out


def _transposed(a, b):
    """A float32 GEMM with 48-64 rows, at least 256 output columns and K over 512, as its
    transpose ``np.dot(b^T, a^T)`` (an n x m product of the same operands read transposed),
    copied back to C order.  Until issue 19's width sweep this was a K-split product (the same
    transpose summed over slices of K of at most 256, 6-9% faster than the direct call when
    measured); the unsplit transpose is faster than the split one at every shape of the rule.
    Measured on the 2-core AMD EPYC (Zen 1), 1 thread, CPU time, OpenBLAS primed, medians of 7
    interleaved repeats, two processes, unsplit/split: 64x1000x2048 0.947, 0.939;
    48x1000x2048 0.953, 0.981; 64x1000x1024 0.922, 0.940; 64x1024x1024 0.934;
    64x2000x2048 0.950; 64x1000x4096 0.944; 64x1000x512 0.971, 0.895; 64x784x512 0.897,
    0.946; 64x1000x256 0.853, 0.919; 64x513x256 0.919 (the direct call, against the split:
    0.82-1.18, faster at 256 columns and at 48 rows, slower elsewhere).  In the compiled static
    step of the MLP at H=2048, toggled in one process (2 runs): 20.42 -> 20.02 ms and 21.13 ->
    20.58 ms.

    (Before the priming product, a transposed or K-split call was 1.5-2.3x faster than the
    direct one for every float32 GEMM with 16-64 rows, because OpenBLAS ran the direct call
    in its slow state; after it the direct call is the fastest there: 16x1000x100 112 vs 141
    transposed, 64x100x1000 390 vs 489, 64x2000x100 830 vs 949.)"""
    return np.ascontiguousarray(np.dot(b.T, a.T).T)


_F32 = np.dtype(np.float32)
#: ``ndarray.dot``: ``np.dot``'s C product (PyArray_MatrixProduct2, the same bits) without
#: NumPy 2's Python ``__array_function__`` dispatcher frame; a module name, so that tests can
#: watch which products take it.
_dot = np.ndarray.dot

#: two float matrices of one dtype go to ``np.dot`` rather than ``np.matmul``: the same BLAS
#: gemm and the same values (bit for bit, C-contiguous result), with less NumPy call overhead
#: (matmul's gufunc dispatch): 1 thread, CPU time, us, matmul -> dot: float32 (3,1)@(1,4)
#: 2.63 -> 2.18, 4x4x4 2.87 -> 2.14, 16x16x16 3.25 -> 2.54, 32x32x32 5.49 -> 4.73, 64x64x64
#: 19.9 -> 18.6, 20x100x400 55.6 -> 54.4; float64 4x4x4 3.02 -> 2.12; equal from ~128^3 on
_F64 = np.dtype(np.float64)
_DOT = (_F32, _F64)
#: below this m k n a float product goes straight to ``np.dot`` (one BLAS thread): the routed
#: GEMMs need larger products (``small_k_shape`` an output of SMALL_K_MIN_OUT = 1.5M elements,
#: ``transposed_shape`` 48 x 513 x 256 = 6.3M), and 2 m k n stays under SMALL_GEMM_FLOPS (a
#: test the tiny path makes too).  Issue 19: 2^16 -> 2^20 takes the digits MLP's products
#: (32x64 @ 64x64: 131k) there, 3.93 -> ~3.4 us a kernel call (np.dot itself 3.36).
TINY_MKN = 1 << 20
#: from here a tiny product asks ``small_product`` (MKL for ``x @ W.T``: gemm_mkl.takes' NT rules,
#: the smallest of which is gemm_mkl.NT_SMALL_MKN)
NT_MKN_MIN = _mkl.NT_SMALL_MKN
#: the transposed GEMM (``_transposed``): float32, rows in TRANSPOSED_M, more than
#: TRANSPOSED_K inner columns, at least TRANSPOSED_MIN_N output columns
TRANSPOSED_M, TRANSPOSED_K, TRANSPOSED_MIN_N = (48, 64), 512, 256
#: ... taken on CPUs other than Intel's: it was measured on the AMD EPYC (Zen 1), where it won
#: 3-15% (``_transposed``); on the Intel Xeon with AVX-512 (session 27, 1 thread, CPU time,
#: medians of 21 interleaved, NumPy's OpenBLAS) it lost at every shape of the rule, transposed
#: / direct: 64x1000x2048 1.15, 64x1000x1024 1.10, 64x1000x512 1.06, 48x1000x2048 1.08,
#: 64x2048x2048 1.06, 64x1000x4096 1.16
TRANSPOSED_ON = not _mkl._intel_cpu()
#: the row-blocked GEMM (``_small_k``): float32, at most SMALL_K inner columns, outputs of
#: at least SMALL_K_MIN_OUT elements (6 MB of float32), blocks of SMALL_K_ROWS rows
SMALL_K, SMALL_K_MIN_OUT, SMALL_K_ROWS = 64, 1_500_000, 128
#: the SGD update folded into its GEMM (``fused_update_shape``): outputs of at least this many
#: elements (400 KB of float32: the seed's 1000x100 and 100x1000 weights).  Was 500,000 (2 MB,
#: where the GEMM alone measured 0.81-0.89 of unfused); issue 19's seed static step
#: (64,1000,100,1000) folds both updates from 100,000: the whole step 0.94 of unfolded
#: (931 -> 875 us, interleaved in one process, 1 thread, taskset, medians of 40; the
#: update loops' segment and its call go too), where gemm_update measured the GEMM pair alone
#: at 0.94-0.95 (64x1000x100, 16x1000x100, 64x1000x128)
FUSED_UPDATE_MIN_OUT = 100_000
#: ... and, for outputs at least FUSED_UPDATE_WIDE_N columns wide, products of up to
#: FUSED_UPDATE_WIDE_K inner columns (a batch of 200 rows: the LSTM LM's T x B).  GEMM and
#: update against copy + sgemm(beta=1), 1 thread, CPU time, medians of 11, load ~12, (m, k, n):
#: 100x64x2000 0.88, 100x128x2000 0.88, 100x200x2000 0.91, 100x256x2000 1.02, 100x512x2000
#: 0.97, 100x1024x2000 1.00; narrow outputs gain nothing (1000xKx100: 0.99-1.05 for K from
#: 64 to 1024).  The LSTM LM quick step (decoder 100x200x2000 folded), A/B in one process:
#: 0.979 of unfolded
FUSED_UPDATE_WIDE_K, FUSED_UPDATE_WIDE_N = 256, 1000


# ----------------------------------------------------------------------------- known shapes
def for_static_shapes(kernel, avals, params, out):
    """The kernel of a MatMul whose operands' shapes and dtypes are known before it runs (a
    static graph's plan: ``dlcore_static.plan`` asks once per shape rule's outcome, through
    ``matmul_p.options["static_cpu"]``), or None to keep ``kernel``.  Two float32/float64
    matrices of one dtype whose product is tiny take ``matmul``'s first case, whose tests
    (flags, ranks, sizes, dtypes) then hold for every run: the product (a ``_TINY`` function
    of the transpose flags), one BLAS thread, without them (issue 19: a tree net's 42 small
    products per graph built per batch)."""
    if kernel is not matmul or len(avals) != 2:
        return None
    a, b = avals
    d = a.dtype
    if d is not b.dtype or (d is not _F32 and d is not _F64) or len(a.shape) != 2 or \
            len(b.shape) != 2:
        return None
    ta, tb = bool(params.get("transpose_a", False)), bool(params.get("transpose_b", False))
    k, m = a.shape if ta else a.shape[::-1]
    n = b.shape[0] if tb else b.shape[1]
    if m is None or k is None or n is None:
        return None
    mkn = m * k * n
    if mkn >= TINY_MKN or 2.0 * mkn >= _bt.SMALL_GEMM_FLOPS:
        return None
    return _TINY[ta, tb]


def _tiny(a, b):
    if _bt._state[1] != 1:
        for_gemm(0.0)
    return _dot(a, b)


def _tiny_tb(a, b):
    if _bt._state[1] != 1:
        for_gemm(0.0)
    return _dot(a, b.T)


def _tiny_ta(a, b):
    if _bt._state[1] != 1:
        for_gemm(0.0)
    return _dot(a.T, b)


def _tiny_tt(a, b):
    if _bt._state[1] != 1:
        for_gemm(0.0)
    return _dot(a.T, b.T)


#: (transpose_a, transpose_b) -> ``matmul``'s tiny case for known shapes (for_static_shapes)
_TINY = {(False, False): _tiny, (False, True): _tiny_tb, (True, False): _tiny_ta,
         (True, True): _tiny_tt}
