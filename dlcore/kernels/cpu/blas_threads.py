"""dlcore's default BLAS thread policy: one thread for a small GEMM, the pool for a large one.

NumPy's OpenBLAS starts one thread per core and splits every GEMM above a tiny size among them.
On a machine with other work, that is the wrong default for the GEMMs of small models: a thread
that the OS has descheduled holds up the others, which spin waiting for it.  Measured on the
2-core development machine with one core busy (issue 19): the seed MLP step at
(64, 1000, 100, 10) took 2.9 ms median and 7.4 ms at the third quartile with OpenBLAS's default
two threads, 1.2 ms with one thread for GEMMs under about 100 MFLOP and both threads above (and
+6% on an idle machine); a 64x96 @ 96x96 matmul was seen at 20 ms instead of 50 us.  PyTorch's
defaults collapse the same way there.

So every GEMM of a CPU kernel asks :func:`for_gemm` for its flop count first:
``dlcore.kernels.cpu.linalg.matmul`` (which the eager front end, the static interpreter and the
compiled plans' glue all call; inline there, one Python call less on the eager hot path), and
through :func:`matmul` here (``np.matmul`` after the policy) the LSTM layer's per-step GEMMs and
the static compiler's stacked loop products; each convolution kernel
(``conv``, ``conv3d``: forward, input and filter gradients) asks :func:`for_gemm` once for the
convolution's flops before its GEMMs; and each NumPy LAPACK call (``inv``, ``solve``, ``svd``,
``qr``, ``eigh``, ``cholesky``, ``det``, ``slogdet``: blocked LAPACK runs on the same OpenBLAS
pool) asks :func:`for_lapack`.  Before, a 64x64 ``eigh`` after a large GEMM ran on the two
threads that GEMM left: 15-20 ms of CPU time (50-75 ms wall) instead of 0.6 ms, on the
loaded 2-core machine (interleaved, medians of 5-7 x 50 calls).  The rule for each call:

* under ``SMALL_GEMM_FLOPS`` (2 m n k < 1e8): one BLAS thread;
* at or above it: the pool's own size, at most the cores this process may run on (its CPU
  affinity, which OpenBLAS does not read).

The thread count is set through OpenBLAS's C API (``openblas_set_num_threads``, found in the
libraries the process has loaded), and only when it changes, so a run of small GEMMs costs one
Python comparison per call.

The user's choice wins: when ``OPENBLAS_NUM_THREADS``, ``OMP_NUM_THREADS`` or ``MKL_NUM_THREADS``
is set, or after :func:`set_ceiling` (``dlcore_eager.set_num_threads(n)`` calls it with ``n``),
the policy never raises the count above what was chosen; ``DLCORE_BLAS_POLICY=0`` switches it off.
A BLAS other than OpenBLAS (none found) is left alone.
"""

from __future__ import annotations

import ctypes
import os

import numpy as np

from . import gemm_mkl

SMALL_GEMM_FLOPS = 1e8
_F32 = np.dtype(np.float32)
USER_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")

# [set function or None, current count, ceiling]; resolved at the first GEMM
_state: list = [None, None, None]
_resolved = [False]


def openblas_paths() -> list[str]:
    """The OpenBLAS libraries this process has loaded, NumPy's first (SciPy has its own); []
    when that cannot be read.  ``gemm_update`` takes NumPy's ``cblas_sgemm`` from the same
    list, so the GEMM it calls runs on the pool whose threads :func:`for_gemm` sets."""
    try:
        with open("/proc/self/maps") as f:
            return sorted({line.split()[-1] for line in f
                           if "openblas" in line.lower() and ".so" in line},
                          key=lambda p: ("numpy" not in p, p))
    except OSError:
        return []


def numpy_openblas():
    """The OpenBLAS NumPy loaded (``ctypes.CDLL``), or None."""
    for path in (p for p in openblas_paths() if "numpy" in p):
        try:
            return ctypes.CDLL(path)
        except OSError:
            continue
    return None


def openblas_core() -> str:
    """``openblas_get_corename()`` of NumPy's OpenBLAS in lower case, or ""."""
    lib = numpy_openblas()
    for sym in ("scipy_openblas_get_corename64_", "scipy_openblas_get_corename",
                "openblas_get_corename64_", "openblas_get_corename"):
        fn = getattr(lib, sym, None) if lib is not None else None
        if fn is not None:
            fn.restype = ctypes.c_char_p
            name = fn()
            return name.decode().lower() if name else ""
    return ""


def _openblas_functions():
    """(set, get) of the OpenBLAS that NumPy loaded, or (None, None)."""
    for path in openblas_paths():
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix in ("scipy_openblas", "openblas"):
            for suffix in ("64_", ""):
                set_fn = getattr(lib, f"{prefix}_set_num_threads{suffix}", None)
                get_fn = getattr(lib, f"{prefix}_get_num_threads{suffix}", None)
                if set_fn is not None and get_fn is not None:
                    set_fn.argtypes, set_fn.restype = [ctypes.c_int], None
                    get_fn.restype = ctypes.c_int
                    return set_fn, get_fn
    return None, None


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:                         # not Linux
        return os.cpu_count() or 1


def _resolve() -> None:
    _resolved[0] = True
    prime()
    if os.environ.get("DLCORE_BLAS_POLICY", "1") == "0":
        return
    set_fn, get_fn = _openblas_functions()
    if set_fn is None:
        return
    current = int(get_fn())
    ceiling = min(current, _cores())
    if any(os.environ.get(v) for v in USER_VARS):  # the user's setting is the ceiling
        ceiling = current
    _state[0], _state[1], _state[2] = set_fn, current, max(1, ceiling)
    gemm_mkl.ONE_BLAS_THREAD[0] = _state[2] == 1


def prime() -> None:
    """One small float32 GEMM with a wide output, once per process, before the first real one.

    NumPy's OpenBLAS (0.3.31 here) runs a float32 GEMM with few rows and a long inner dimension
    about 2.2x slower for the rest of the process when the process's *first* GEMM is of that
    kind, and at full speed when any GEMM with at least ~512 output columns and ~100 inner
    ones came first (a state of the library, measured, not explained).  Measured on the 2-core
    AMD EPYC, 1 thread, CPU time, us per product in a fresh process (first GEMM x @ w itself
    -> after this 64x128 @ 128x512 product): 64x1000 @ 1000x100 880-930 -> 380-450,
    16x1000x100 214 -> 112, 64x600x100 616 -> 240, 16x512x512 696 -> 326, 64x2000x100
    2125 -> 830; any later moment fixes it too, and it stays through thread-count changes and
    float64 GEMMs.  The priming product costs about 0.3 ms of CPU once.  It runs at the first
    GEMM of a CPU kernel (``_resolve``); ``DLCORE_BLAS_PRIME=0`` skips it."""
    if os.environ.get("DLCORE_BLAS_PRIME", "1") != "0":
        np.matmul(np.ones((64, 128), np.float32), np.ones((128, 512), np.float32))


def for_gemm(flops: float) -> None:
    """Set NumPy's BLAS threads for a GEMM of ``flops`` floating-point operations."""
    if not _resolved[0]:
        _resolve()
    set_fn = _state[0]
    if set_fn is None:
        return
    want = 1 if flops < SMALL_GEMM_FLOPS else _state[2]
    if want != _state[1]:
        set_fn(want)
        _state[1] = want


def matmul_flops(a, b) -> float:
    """The flops of ``np.matmul(a, b)``: 2 m k n per matrix of the broadcast batch (a 1-D
    operand counts as one row or column)."""
    m = a.shape[-2] if a.ndim > 1 else 1
    n = b.shape[-1] if b.ndim > 1 else 1
    return 2.0 * max(a.size * n, b.size * m)


def matmul(a, b, out=None):
    """``np.matmul(a, b, out=out)`` with the BLAS threads chosen for its size first: the one
    way a CPU kernel calls a GEMM; a product of two float32 matrices without ``out`` that
    MKL takes (``gemm_mkl``) runs there."""
    if out is None and a.ndim == 2 and b.ndim == 2 and a.dtype == _F32 and b.dtype == _F32 and \
            gemm_mkl.takes(a.shape[0], a.shape[1], b.shape[1]):
        return gemm_mkl.sgemm(a, b)
    for_gemm(matmul_flops(a, b))
    return np.matmul(a, b, out=out)


def for_lapack(x) -> None:
    """Set NumPy's BLAS threads for a LAPACK factorisation or solve of the matrices ``x``
    (..., m, n): about 2 m n min(m, n) flops per matrix (LU 2/3 n^3 to SVD's ~20 n^3: the
    order of the cost, which is what the threshold needs)."""
    if x.ndim >= 2:
        for_gemm(2.0 * x.size * min(x.shape[-2:]))


def set_ceiling(n: int) -> None:
    """At most ``n`` BLAS threads for a large GEMM from now on (``dlcore_eager.set_num_threads``);
    a count above ``n`` is lowered at once."""
    if not _resolved[0]:
        _resolve()
    _state[2] = max(1, int(n))
    gemm_mkl.ONE_BLAS_THREAD[0] = _state[0] is not None and _state[2] == 1
    if _state[0] is not None and _state[1] > _state[2]:
        _state[0](_state[2])
        _state[1] = _state[2]


def current() -> int | None:
    """The BLAS thread count the policy last set (None: no OpenBLAS found, or switched off)."""
    if not _resolved[0]:
        _resolve()
    return _state[1] if _state[0] is not None else None
