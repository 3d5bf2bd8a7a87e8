"""Intel MKL's ``cblas_sgemm`` for the float32 GEMMs of one BLAS thread, where it is faster
than NumPy's OpenBLAS (issue 19: "if a faster GEMM is available as a well-kept dependency, use
it where it wins").

MKL comes from the ``mkl`` PyPI package (the ``mkl`` extra; the ``bench`` extra installs it
too), whose ``libmkl_rt`` is loaded here with ctypes and its *sequential* threading layer: the
products it takes are the ones ``blas_threads`` runs on one thread anyway (under
``SMALL_GEMM_FLOPS``), so no second thread pool (Intel's OpenMP) joins NumPy's OpenBLAS pool
and Numba's workers.  It is reached from Numba through an LLVM external symbol registered with
``llvmlite``'s ``add_symbol`` before any call (as ``dlcore_static.compiler.gemm_direct`` reaches
OpenBLAS's direct kernel), so the Numba function calling it is cached on disk and a call costs
about 0.5 us more than the GEMM (through ctypes: 2-4 us).

When it is used (:func:`takes`): MKL found, the CPU an Intel one (on the AMD EPYC, Zen 1, this
project was first measured on: 84 GFLOP/s sequential at 64x1000x100 against OpenBLAS's ~125,
see ``linalg``; on an AMD CPU with AVX-512, Zen 4, MKL takes only ``x @ W.T``: NT_ONLY),
``DLCORE_GEMM`` not ``openblas``, a
float32 product of two matrices with MKN_MIN <= m k n (and, under MKN_ANY, 16 rows and columns)
and 2 m k n < SMALL_GEMM_FLOPS; larger ones when BLAS is held to one thread (BIG_MIN_ROWS:
``python -m benchmarks --threads 1``, large step (512,1024,1024,1024): static+passes 33.0-33.2
-> 28.9-29.0 ms, 0.97x -> 0.84-0.85x PyTorch, eager 34.7-34.9 -> 31.4 ms, two runs each).  Measured
on the 2-core Intel Xeon (AVX-512) of issue 19's session 25, 1 thread, NumPy's ``a.dot(b)``
against this path, both allocating their output, min of 5 repeats, 606 shapes with m, k, n in
{10, 16, 64, 100, 256, 1000, 2000} and all three operand layouts (A^T, B^T: the vjp's views):
for 1.5M <= m k n < 1e8 MKL took 0.62-0.81 of OpenBLAS's time on average per layout (worst
1.05, 64x256x100 with A transposed); 16x1000x100 32.1 -> 20.5 us, 1000x16x100 (x^T @ g)
37.4 -> 25.6, 64x1000x100 88.6 -> 76.4, 100x200x2000 483 -> 424 (PyTorch's MKL: 18.5 us,
70.3, 395.7).  From 2^20 (MKN_MIN: 64x128x128, TINY_MKN of ``linalg``) to 1.5M (MKN_ANY)
MKL took 0.78-0.79 of the time per layout, but lost with 10 rows or columns (100x1000x10 with
B transposed 1.37x, 1000x100x10 with A transposed 1.31x): from there it needs m, n >= 16.
The control-flow step (64x128x128 products) from 1.5M to 2^20: eager 1.18-1.19x -> 1.08-1.11x
PyTorch, static+passes 0.63x -> 0.59-0.60x.  Smaller products are mixed (0.39-1.49: 64x1000x10
with A transposed 2.2x slower), so they stay with OpenBLAS, but for ``x @ W.T`` (NT_*).
``DLCORE_GEMM=mkl`` uses MKL on any CPU (the same shape rule), ``DLCORE_GEMM=openblas`` never.

MKL's results may differ from OpenBLAS's in the last bits (another summation order); a shape
always takes the same library within a process, and the eager and static front ends ask the
same rule (``linalg.matmul``, the compiled glue, ``gemm_update``); under NT_ONLY (AMD) a shape
and B's layout do (see there).
"""

from __future__ import annotations

import ctypes
import functools
import os
import sys

import numpy as np

_F32 = np.dtype(np.float32)
MKN_MIN = 1 << 20
#: below this, MKN_MIN's products need 16 rows and 16 columns (see the module's docstring)
MKN_ANY = 1_500_000
_SEQUENTIAL = 1                      # MKL_THREADING_SEQUENTIAL
_INT_MAX = 2**31 - 1                 # MKL's LP64 interface: 32-bit integers
_STATE: list = []                    # [True/False]: the symbol registered (asked once)


def _library_paths() -> list[str]:
    """Where ``libmkl_rt`` may lie: the ``mkl`` distribution's own files, then the
    environment's lib folder (where that wheel puts them)."""
    out = []
    try:
        from importlib import metadata
        files = metadata.distribution("mkl").files or ()
        for f in files:
            if "libmkl_rt.so" in f.name:
                out.append(str(f.locate()))
    except Exception:                      # noqa: BLE001 - not installed, or no file list
        pass
    for name in ("libmkl_rt.so.2", "libmkl_rt.so"):
        out.append(os.path.join(sys.prefix, "lib", name))
    return out


@functools.lru_cache(maxsize=1)
def _cpuinfo() -> tuple[str, frozenset[str]]:
    """The first CPU's ``vendor_id`` and flags, from /proc/cpuinfo ('' and none elsewhere);
    read once (``_intel_cpu``, ``_amd_avx512``, NT_ONLY and ``linalg`` all ask)."""
    vendor, flags = "", frozenset[str]()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("vendor_id") and not vendor:
                    vendor = line.split(":", 1)[1].strip()
                elif line.startswith("flags"):
                    flags = frozenset(line.split(":", 1)[1].split())
                    break
    except OSError:
        pass
    return vendor, flags


def _intel_cpu() -> bool:
    return _cpuinfo()[0] == "GenuineIntel"


def _amd_avx512() -> bool:
    """An AMD CPU with AVX-512 (Zen 4 on): MKL takes only ``x @ W.T`` there (NT_ONLY)."""
    vendor, flags = _cpuinfo()
    return vendor == "AuthenticAMD" and "avx512f" in flags


def _find():
    """The address of MKL's ``cblas_sgemm`` with the sequential layer set, or None (not wanted,
    not installed, or another threading layer already chosen in this process)."""
    choice = os.environ.get("DLCORE_GEMM", "auto").lower()
    if choice == "openblas" or (choice != "mkl" and not (_intel_cpu() or _amd_avx512())):
        return None
    for path in _library_paths():
        if not os.path.exists(path):
            continue
        try:
            lib = ctypes.CDLL(path)
            layer = lib.MKL_Set_Threading_Layer
            fn = lib.cblas_sgemm
        except (OSError, AttributeError):
            continue
        layer.argtypes, layer.restype = [ctypes.c_int], ctypes.c_int
        if layer(_SEQUENTIAL) != _SEQUENTIAL:
            return None
        return ctypes.cast(fn, ctypes.c_void_p).value
    return None


def available() -> bool:
    """Whether MKL's GEMM can be called (its symbol registered for Numba); resolved once."""
    if not _STATE:
        addr = _find()
        if addr:                    # (Numba is imported here, with the first MKL product)
            from ._gemm_mkl_jit import register
            register(addr)
        _STATE.append(bool(addr))
    return _STATE[0]


def takes(m: int, k: int, n: int, b_transposed: bool = False) -> bool:
    """Whether an (m, k) @ (k, n) float32 product goes to MKL (see the module's docstring);
    ``b_transposed``: ``b`` is a transposed view of a C-ordered matrix (``x @ W.T``, the
    product of ``F.linear``) and ``a`` is C-ordered, which MKL also takes from NT_MKN_MIN
    multiply-adds at the shapes of ``NT_*``, and from NT_SMALL_MKN with at most NT_SMALL_MAX_K
    inner columns."""
    mkn = m * k * n
    if max(m, k, n) > _INT_MAX:
        return False
    if NT_ONLY and (not b_transposed or m < NT_ONLY_MIN_M or mkn >= _MAX_MKN):
        return False
    if mkn >= _MAX_MKN:
        return (b_transposed or m >= BIG_MIN_ROWS) and ONE_BLAS_THREAD[0] and available()
    if mkn >= MKN_ANY or mkn >= MKN_MIN and m >= 16 and n >= 16:
        return available()
    if not b_transposed or n < NT_MIN_N or m < 2:
        return False
    if mkn >= NT_MKN_MIN:
        return k <= NT_MAX_K and available()
    return mkn >= NT_SMALL_MKN and k <= NT_SMALL_MAX_K and available()


def takes_step(m: int, k: int, n: int) -> bool:
    """Whether a recurrent layer's per-step product ``(m, k) @ (k, n)`` (``rnn._step_product``:
    C-ordered operands, ``out`` given, T such products a layer) goes to MKL: ``takes``' rule,
    and below it from STEP_MIN_ROWS rows with at least STEP_MIN_KN inner and output columns, or
    from STEP_MKN_ANY multiply-adds; not on an AMD CPU with AVX-512 (``NT_ONLY``: OpenBLAS ran
    products of a C-ordered B faster there)."""
    if takes(m, k, n):
        return True
    if NT_ONLY or max(m, k, n) > _INT_MAX or m * k * n >= _MAX_MKN:
        return False
    return (m * k * n >= STEP_MKN_ANY or m >= STEP_MIN_ROWS and min(k, n) >= STEP_MIN_KN) and \
        available()


#: ``takes_step``'s band.  Measured on the 2-core Intel Xeon (session 46, one thread, pinned,
#: best of 5 x 400, ``np.matmul(a, b, out=)`` against ``gemm_any`` into the same ``out``): the
#: LSTM's (B, H) @ (H, 4H) and (B, 4H) @ (4H, H) for B in {4, 8, 16, 20, 32, 64} and H in {32,
#: 64, 100, 128, 200, 256}, 72 shapes, 40 of them below ``takes``.  MKL took 0.29-1.04 of
#: OpenBLAS's time at the 20 with 8 rows and 64 columns or more, or 2^20 multiply-adds, in one
#: run (0.30-1.24 in another: a few microseconds each, noisy; 0.49 of the total, 531 -> 258
#: us), e.g. 8x200x800 52-57 -> 17-22 us, 20x400x100 21 -> 17, 4x256x1024 88 -> 25, and
#: 0.65-1.18 at the others (4 rows, or 32 columns).  In the layer (``lstm_seq`` and its
#: gradient, interleaved processes, best of 7 x 20): (T 20, B 8, H 200) 3465-4025 -> 1644-1776
#: us, (10, 20, 100) 801-816 -> 714-744 us, but (30, 16, 64) 934-1062 -> 1007-1124 us: 64
#: columns stay with OpenBLAS (STEP_MIN_KN 100).
STEP_MIN_ROWS, STEP_MIN_KN, STEP_MKN_ANY = 8, 100, 1 << 20


#: ``x @ W.T`` below the general rule (``takes(..., b_transposed=True)``): NumPy's OpenBLAS is slow
#: with a transposed B and few rows (20x100 @ (400x100)^T 26.0 us against 9.4 with W^T C-ordered;
#: copying W^T first costs as much), MKL is not: 12.4.  Measured as the module's grid, B a
#: transposed view, 1,161 shapes with m, k, n in {1, 2, 4, 8, 16, 20, 32, 64, 100, 128, 256, 400,
#: 512, 1000} and 20k <= m k n < 1.5M: MKL took 0.64 of OpenBLAS's time on average from 800k, 0.87
#: from 300k, more than OpenBLAS below; it loses with very few output columns or a long K (256x400x4
#: 3.1x, 20x1000x20 2.0x).  With m k n >= 300k, n >= 16, m >= 2 and k <= 400 it takes 278 of those
#: shapes, at 0.74 of OpenBLAS's total time over the grid (6 slower by more than 5%, the worst
#: 1.39x); e.g. 64x128x128 20.2 -> 13.3 us, 16x256x256 36.0 -> 18.1 (4x100x400, 16.5 against
#: 5.6, is under 300k: below it the best rules tried saved 4-10% of the total time with a fifth
#: to a half of the shapes they took slower).
NT_MKN_MIN, NT_MIN_N, NT_MAX_K = 300_000, 16, 400
#: ``x @ W.T`` below NT_MKN_MIN, from NT_SMALL_MKN multiply-adds with at most NT_SMALL_MAX_K
#: inner columns (session 31; the 2-core Intel Xeon, one thread, best of 5, NumPy's ``a.dot(W.T)``
#: against MKL, both allocating): a grid of 267 shapes with m in {1, 2, 4, 8, 16, 20, 32, 64, 100,
#: 128}, k in {16, 32, 64, 100, 128, 256}, n in {16, 32, 64, 128, 256, 400, 512} and 2,000 <= m k n
#: < 300k.  This band takes 46 of them, each at 0.31-0.83 of OpenBLAS's time (4x100x400 16.6 ->
#: 5.2 us, 8x32x512 8.8 -> 3.8, 32x32x256 7.5 -> 4.5: an LSTM cell's ``x @ W_ih^T``), none slower,
#: 0.82 of the grid's total; every wider rule searched (least rows, columns, products, most inner
#: columns) took a shape that MKL ran 1.3x slower or more (8x128x64 1.69x, 1x32x256 1.79x).
NT_SMALL_MKN, NT_SMALL_MAX_K = 131_072, 100


def b_transposed(a, b) -> bool:
    """Whether ``a``'s rows are contiguous (C-ordered, or every ``s``-th row of one: a
    decoder step's ``(B, 1, H)`` slice of its ``(B, T, H)`` outputs) and ``b`` is a transposed
    view of a C-ordered matrix (the layout ``takes``' ``b_transposed`` means; MKL reads ``a``
    with its row stride: 32x128 rows 512 apart @ (2803x128)^T, OpenBLAS 480 -> MKL 370 us)."""
    if not b.flags.f_contiguous or b.flags.c_contiguous:
        return False
    if a.flags.c_contiguous:
        return True
    s0, s1 = a.strides
    return s1 == 4 and s0 >= 4 * a.shape[1] and s0 % 4 == 0


#: On an AMD CPU with AVX-512 (``_amd_avx512``; DLCORE_GEMM=mkl lifts it), MKL takes only
#: ``x @ W.T`` (B a transposed view: F.linear's product), by the rules above, with at least
#: NT_ONLY_MIN_M rows and below _MAX_MKN.  Measured on the 2-core AMD EPYC (Zen 4) of session 34,
#: one thread, pinned, NumPy's ``a.dot(b)`` against this path, both allocating: with B a
#: transposed view OpenBLAS slows down (64x1000x100 171.6 us, 75 GFLOP/s, against 138.2 with
#: B C-ordered) and MKL does not (146.8); over a grid of 679 shapes with m in {1, 2, 4, 8, 16,
#: 20, 32, 64, 100, 128, 256}, k in {16, ..., 1000}, n in {16, ..., 1000}, 2,000 <= m k n < 5e7,
#: best of 7-21, this rule takes 381 of them at 0.773 of OpenBLAS's total time over the grid
#: (taking the faster of the two for each shape: 0.749), 7 slower by more than 5% (4x400x256
#: 2.15x, 8x400x128 1.62x; with two rows up to 4.4x, hence NT_ONLY_MIN_M); e.g. 16x1000x100
#: 77.2 -> 43.4 us, 20x100x400 34.8 -> 19.3 (an LSTM cell's input product).  Products with B
#: C-ordered or A transposed stay with OpenBLAS, which was ahead there: MKL took 1.02-1.13x its
#: time at 64x1000x100, 256x1000x100, 64x128x128, 100x200x2000 and 512x1024x1024 (99-101
#: GFLOP/s for OpenBLAS at the larger ones), and 1.01x at 512x1024x1024 with B transposed.
#: Here the library follows B's layout, which the static compiler's passes may change (the
#: transpose of a constant folded into a C-ordered copy, which the glue multiplies by OpenBLAS
#: while the interpreter gave the transposed view to MKL): such a plan's values then match the
#: interpreter's to float32 rounding, not bit for bit (``tf.tanh(tf.matmul(x, w,
#: transpose_b=True))`` at 16x1000x100, ``w`` a constant: 1.8e-5 apart at most).
NT_ONLY = _amd_avx512() and os.environ.get("DLCORE_GEMM", "auto").lower() != "mkl"
NT_ONLY_MIN_M = 4

#: the products of one BLAS thread: 2 m k n under ``blas_threads.SMALL_GEMM_FLOPS`` (1e8;
#: not imported from there, which imports this module: tests/core/test_gemm_mkl.py checks)
_MAX_MKN = BIG_MKN = 5e7
#: Larger products run on NumPy's OpenBLAS pool, unless BLAS is held to one thread (the
#: ``blas_threads`` ceiling: ``--threads 1``, ``OPENBLAS_NUM_THREADS=1``, ``set_num_threads(1)``,
#: a process pinned to one core); then MKL takes ``x @ W.T`` and the products of at least
#: BIG_MIN_ROWS output rows.  Measured on the 2-core Intel Xeon (session 26, taskset to one
#: core, medians of 15): MKL took 0.89-0.94 of OpenBLAS's time at 512x1024x1024 and 1024x512x1024
#: in every layout (NN, A^T, B^T), 0.88-0.93 at 256x1024x2048, 0.74-0.75 at 2048x64x2048 and
#: 0.84 at 128x2048x2048 with B^T, but 1.50x OpenBLAS's at 128x2048x2048 NN and A^T
#: (session 25's grid of 264 such shapes: 1.46-1.70x with at most 128 rows and 2048 columns).
#: Session 27 (same machine, k 700 and 2048, n 2048-10000, NN and A^T): MKL took 0.86-0.93 of
#: OpenBLAS's time from 192 rows on, but 1.06-1.79x at 176 rows and below with n up to 6144
#: (below 192 it won only at n = 10000: 0.82-0.97); 192 rows let the LSTM language model's
#: ``h^T @ dlogits`` (200x700x10000, 18.7 -> 16.2 ms) take MKL.
#: A compiled plan asks at build time: the ceiling it saw then holds for the plan.
BIG_MIN_ROWS = 192
#: [whether BLAS is held to one thread]: set by ``blas_threads`` when it resolves its ceiling
#: (at the first GEMM of a CPU kernel) and when ``set_ceiling`` changes it
ONE_BLAS_THREAD = [False]


def sgemm(a, b):
    """``a @ b`` of two float32 matrices (any strides) by MKL, a new C-ordered result that
    NumPy owns (allocated here, not by Numba: the eager engine reuses buffers it owns).
    Requires ``available()``."""
    out = np.empty((a.shape[0], b.shape[1]), _F32)
    (_JIT or _jit())(a, b, out, 1.0, 0.0)
    return out


def sgemm_update(out, w, a, b, lr):
    """``out[...] = w - lr * (a @ b)`` (``gemm_update.sgemm_update``'s contract: ``out``
    C-ordered, writeable, ``w`` itself or not overlapping it), as one MKL sgemm with
    alpha = -lr, beta = 1."""
    if out is not w:
        np.copyto(out, w)
    (_JIT or _jit())(a, b, out, -float(lr), 1.0)
    return out


def describe() -> str:
    """Which library runs the float32 GEMMs (for benchmark headers and bug reports)."""
    if available() and NT_ONLY:
        return (f"MKL (sequential) for x @ W.T from {NT_SMALL_MKN:,} multiply-adds (AMD with "
                f"AVX-512), NumPy's OpenBLAS otherwise")
    if available():
        return (f"MKL (sequential) for {MKN_MIN:,} <= m k n < {int(_MAX_MKN):,} (x @ W.T from "
                f"{NT_SMALL_MKN:,}), NumPy's OpenBLAS otherwise")
    return ("NumPy's OpenBLAS (MKL not installed, DLCORE_GEMM=openblas, or neither an Intel CPU "
            "nor an AMD one with AVX-512)")


_JIT = None        # _gemm_mkl_jit.gemm_any, imported at the first product (Numba's import)


def _jit():
    global _JIT
    if not available():
        # (the Numba function calls MKL through a symbol ``available`` registers: called
        # without it, the process would crash at an unbound address)
        raise RuntimeError("dlcore: MKL's sgemm is not available here (gemm_mkl.available() "
                           "is False); the float32 GEMMs take NumPy's OpenBLAS")
    from ._gemm_mkl_jit import gemm_any
    _JIT = gemm_any
    return gemm_any


__all__ = ["available", "b_transposed", "describe", "takes", "sgemm", "sgemm_update", "MKN_MIN"]
