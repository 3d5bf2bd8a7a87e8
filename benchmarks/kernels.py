"""Kernel benchmark: dlcore's CPU kernels side by side with NumPy (and PyTorch when importable).

    python -m benchmarks.kernels            # full run (about a minute)
    python -m benchmarks.kernels --quick    # fewer repeats

Sections (each figure is the median of repeats, after warm-up calls that also compile):

* elementwise throughput on 16M float32 elements, in GB/s of memory traffic (inputs read +
  output written): ``a + b``, ``a * 2.0``, ``exp(a)``, ``relu(a)``, a bias add ``(4096, 4096) +
  (4096,)`` and a transposed (strided) add;
* reductions on 16M float32 (GB/s read): whole-array sum, sum over axis 0 and axis 1 of a
  4096 x 4096 matrix, max over axis 1;
* matmul GFLOP/s at (64, 1000, 100), (512, 1024, 1024) and the two GEMMs of the MLP at width
  2048 (64, 1000, 2048) and (1000, 64, 2048), float32, and dlcore's share of one core's peak;
* dispatch cost of one op on a 1-element array: ``dlcore.ops.add`` on NumPy buffers (the whole
  path: promotion, shape rule, kernel), the bare generated Numba kernel, ``np.add`` and
  ``torch.add``;
* the serial/parallel crossover of the generated elementwise loop (how PARALLEL_THRESHOLD was
  chosen) and the alternation of a parallel kernel with a 512x512 matmul (thread settings).

The thread settings in force (``dlcore.runtime_info()``) are printed first.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")   # before numba/torch load their OpenMP

import numpy as np  # noqa: E402

import dlcore  # noqa: E402
from dlcore import ops  # noqa: E402
from dlcore.kernels.cpu import blas_threads as _blas  # noqa: E402
from dlcore.kernels.cpu import elementwise as _ew  # noqa: E402

torch = None     # PyTorch, an optional peer: imported by main() after the thread sections,
                 # so its own OpenMP pool cannot disturb them


def _import_torch() -> None:
    global torch
    try:
        import torch as _torch
        torch = _torch
    except ImportError:  # pragma: no cover - depends on the machine
        torch = None

N_ELEM = 1 << 24          # 16M float32 = 64 MB per array


_STAT = np.median           # --best switches to np.min (least-disturbed run on a busy machine)
_CLOCK = time.perf_counter  # --cpu-time: time.process_time (a shared machine; one-thread pools)


def median_time(f: Callable, repeats: int, warmup: int = 2, inner: int = 1) -> float:
    """Median (or, with --best, minimum) seconds per call of ``f`` over ``repeats`` timings
    of ``inner`` calls each."""
    for _ in range(warmup):
        f()
    times = []
    for _ in range(repeats):
        t0 = _CLOCK()
        for _ in range(inner):
            f()
        times.append((_CLOCK() - t0) / inner)
    return float(_STAT(times))


def _row(label: str, unit: str, figures: dict) -> None:
    cells = "  ".join(f"{k:>7s} {v:8.1f}" if v is not None else f"{k:>7s} {'-':>8s}"
                      for k, v in figures.items())
    print(f"  {label:34s} {unit:7s} {cells}")


def _t(x):
    return None if torch is None else torch.from_numpy(x)


def bench_elementwise(reps: int) -> None:
    print(f"\nElementwise, {N_ELEM / 2**20:.0f}M float32 (GB/s; higher is better)")
    rng = np.random.default_rng(0)
    a = rng.standard_normal(N_ELEM).astype(np.float32)
    b = rng.standard_normal(N_ELEM).astype(np.float32)
    m = a.reshape(4096, 4096)
    bias = b[:4096].copy()
    ta, tb, tm, tbias = _t(a), _t(b), _t(m), _t(bias)
    nbytes = a.nbytes
    cases = [
        ("a + b", 3, lambda: ops.add(a, b), lambda: np.add(a, b),
         (lambda: torch.add(ta, tb)) if torch else None),
        ("a * 2.0", 2, lambda: ops.mul(a, 2.0), lambda: np.multiply(a, np.float32(2.0)),
         (lambda: torch.mul(ta, 2.0)) if torch else None),
        ("exp(a)", 2, lambda: ops.exp(a), lambda: np.exp(a),
         (lambda: torch.exp(ta)) if torch else None),
        ("relu(a)", 2, lambda: ops.relu(a), lambda: np.maximum(a, np.float32(0)),
         (lambda: torch.relu(ta)) if torch else None),
        ("bias add (4096,4096)+(4096,)", 2, lambda: ops.add(m, bias), lambda: np.add(m, bias),
         (lambda: torch.add(tm, tbias)) if torch else None),
        ("transposed add m.T + m.T", 3, lambda: ops.add(m.T, m.T), lambda: np.add(m.T, m.T),
         (lambda: torch.add(tm.T, tm.T)) if torch else None),
    ]
    for label, arrays, f_dl, f_np, f_torch in cases:
        figs = {"dlcore": arrays * nbytes / median_time(f_dl, reps) / 1e9,
                "numpy": arrays * nbytes / median_time(f_np, reps) / 1e9,
                "torch": arrays * nbytes / median_time(f_torch, reps) / 1e9 if f_torch else None}
        _row(label, "GB/s", figs)


def bench_reductions(reps: int) -> None:
    print(f"\nReductions, {N_ELEM / 2**20:.0f}M float32 (GB/s read; higher is better)")
    a = np.random.default_rng(1).standard_normal(N_ELEM).astype(np.float32)
    m = a.reshape(4096, 4096)
    ta, tm = _t(a), _t(m)
    cases = [
        ("sum(a)", lambda: ops.sum(a), lambda: np.sum(a),
         (lambda: torch.sum(ta)) if torch else None),
        ("sum(m, axis=0)", lambda: ops.sum(m, 0), lambda: np.sum(m, 0),
         (lambda: torch.sum(tm, 0)) if torch else None),
        ("sum(m, axis=1)", lambda: ops.sum(m, 1), lambda: np.sum(m, 1),
         (lambda: torch.sum(tm, 1)) if torch else None),
        ("max(m, axis=1)", lambda: ops.max(m, 1), lambda: np.max(m, 1),
         (lambda: torch.amax(tm, 1)) if torch else None),
        ("max(a)", lambda: ops.max(a), lambda: np.max(a),
         (lambda: torch.max(ta)) if torch else None),
    ]
    for label, f_dl, f_np, f_torch in cases:
        figs = {"dlcore": a.nbytes / median_time(f_dl, reps) / 1e9,
                "numpy": a.nbytes / median_time(f_np, reps) / 1e9,
                "torch": a.nbytes / median_time(f_torch, reps) / 1e9 if f_torch else None}
        _row(label, "GB/s", figs)


def _cpu_id() -> tuple[str, int, int, set[str], float]:
    """(vendor, family, model, flags, max MHz) of this machine from /proc/cpuinfo."""
    info: dict[str, str] = {}
    mhz = 0.0
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, val = line.partition(":")
                key, val = key.strip(), val.strip()
                if key == "cpu MHz":
                    mhz = max(mhz, float(val))
                else:
                    info.setdefault(key, val)
    except (OSError, ValueError):
        pass
    try:
        family, model = int(info.get("cpu family", "0")), int(info.get("model", "0"))
    except ValueError:
        family, model = 0, 0
    return info.get("vendor_id", ""), family, model, set(info.get("flags", "").split()), mhz


def flop_per_cycle(vendor: str, family: int, model: int, flags: set[str]) -> tuple[int, str]:
    """float32 FLOP one core can issue a cycle (FMA pipes x vector lanes x 2), and the
    microarchitecture assumed: AMD Zen 5 (family 0x1A) two 512-bit FMA pipes (64), Zen 4 (0x19
    with AVX-512: 512-bit ops on 256-bit pipes) and Zen 2/3 two 256-bit pipes (32), Zen 1 two
    128-bit (16); Intel with AVX-512 two 512-bit FMA ports (64; a part with one has 32), with
    AVX2+FMA two 256-bit (32)."""
    if vendor == "AuthenticAMD" or (not vendor and family >= 0x17):
        if family >= 0x1A:
            return 64, "Zen 5 (2 x 512-bit FMA)"
        if family == 0x19 or (family == 0x17 and model >= 0x30):
            return 32, "Zen 2-4 (2 x 256-bit FMA)"
        if family == 0x17:
            return 16, "Zen 1 (2 x 128-bit FMA)"
    if "avx512f" in flags:
        return 64, "AVX-512 (2 x 512-bit FMA)"
    if "fma" in flags and "avx2" in flags:
        return 32, "AVX2 (2 x 256-bit FMA)"
    return (16, "AVX (no FMA)") if "avx" in flags else (8, "SSE")


def measured_mhz(n: int = 100_000_000) -> float:
    """The clock this core runs at now, in MHz: a dependent chain ``x += x >> 7`` (one shift
    and one add, 1 cycle each on every x86-64 core: 2 cycles an iteration, which LLVM cannot
    shorten), timed in CPU time, median of 5.  /proc/cpuinfo gives the nominal clock under
    KVM (2596 MHz on the Zen 5 EPYC, which boosts to ~4200: its single-thread sgemm ran at
    152% of the nominal peak)."""
    from numba import njit

    @njit(cache=False)
    def chain(k, x):
        for _ in range(k):
            x = x + (x >> 7)
        return x

    chain(10, 3)
    times = []
    for _ in range(5):
        t0 = time.process_time()
        chain(n, 3)
        times.append(time.process_time() - t0)
    return 2 * n / float(np.median(times)) / 1e6


def core_peak_gflops() -> tuple[float, float, int, str]:
    """(GFLOP/s, MHz, FLOP/cycle, microarchitecture): float32 peak of one core of this machine
    at its measured clock (:func:`measured_mhz`; /proc/cpuinfo's when that fails).  Was
    16 FLOP/cycle (Zen 1) x the /proc/cpuinfo clock whatever the machine: on the Zen 5 EPYC
    (family 26, AVX-512) 41.5 GFLOP/s, where the peak is 64 x ~4200 MHz = ~270."""
    vendor, family, model, flags, mhz = _cpu_id()
    try:
        mhz = measured_mhz()
    except Exception:            # noqa: BLE001 - a benchmark's estimate; keep the nominal one
        pass
    per_cycle, arch = flop_per_cycle(vendor, family, model, flags)
    return per_cycle * mhz / 1e3, mhz, per_cycle, arch


def bench_matmul(reps: int) -> None:
    peak, mhz, per_cycle, arch = core_peak_gflops()
    print(f"\nMatmul, float32 (GFLOP/s; higher is better; peak of one core: {per_cycle} "
          f"FLOP/cycle ({arch}) x {mhz:.0f} MHz measured = {peak:.1f} GFLOP/s, the last column "
          f"dlcore's share of it; BLAS threads {_blas.current()}, "
          f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')})")
    from dlcore.kernels.cpu import gemm_mkl
    print(f"dlcore's float32 GEMM: {gemm_mkl.describe()}")
    rng = np.random.default_rng(2)
    # the last two: issue 19's MLP at H=2048, forward 64x1000 @ 1000x2048 (linalg._transposed)
    # and weight gradient x^T @ g, 1000x64 @ 64x2048 with x^T a transposed view
    # (linalg._small_k); first the batch-16 MLP's two products (gemm_mkl's where MKL is there:
    # x @ W and the weight gradient x^T @ g, x^T a transposed view)
    for (mm, k, n) in [(16, 1000, 100), (1000, 16, 100), (64, 1000, 100), (512, 1024, 1024),
                       (64, 1000, 2048), (1000, 64, 2048)]:
        a = rng.standard_normal((mm, k)).astype(np.float32)
        if k in (16, 64):
            a = np.ascontiguousarray(a.T).T
        b = rng.standard_normal((k, n)).astype(np.float32)
        flops = 2.0 * mm * k * n
        inner = 20 if mm * n < 10000 else 1
        figs = {"dlcore": flops / median_time(lambda a=a, b=b: ops.matmul(a, b), reps,
                                              inner=inner) / 1e9,
                "numpy": flops / median_time(lambda a=a, b=b: np.matmul(a, b), reps,
                                             inner=inner) / 1e9,
                "torch": None}
        if torch is not None:
            ta, tb = _t(a), _t(b)
            figs["torch"] = flops / median_time(lambda ta=ta, tb=tb: torch.mm(ta, tb), reps,
                                                inner=inner) / 1e9
        ours = figs["dlcore"]
        if peak and ours is not None:
            figs["%peak"] = 100 * ours / peak
        _row(f"({mm},{k})x({k},{n})", "GFLOP/s", figs)


def bench_dispatch(reps: int) -> None:
    print("\nDispatch of one op on a 1-element float32 array (microseconds; lower is better)")
    a = np.ones(1, np.float32)
    b = np.ones(1, np.float32)
    ops.add(a, b)
    kern = dlcore.PRIMITIVES["add"].kernels["cpu"]
    flat = kern.module().flat_AA
    out = np.empty(1, np.float32)
    inner = 20000
    figs = {
        "dlcore": median_time(lambda: ops.add(a, b), reps, inner=inner) * 1e6,
        "kernel": median_time(lambda: kern(a, b), reps, inner=inner) * 1e6,
        "njit": median_time(lambda: flat(out, a, b), reps, inner=inner) * 1e6,
        "numpy": median_time(lambda: np.add(a, b), reps, inner=inner) * 1e6,
        "torch": None,
    }
    if torch is not None:
        ta, tb = _t(a), _t(b)
        figs["torch"] = median_time(lambda: torch.add(ta, tb), reps, inner=inner) * 1e6
    _row("add(a, b): ops / kernel / bare njit", "us", figs)
    print("  (dlcore = dlcore.ops.add on NumPy buffers: promotion, shape rule, kernel wrapper;"
          " kernel = the CPU kernel wrapper alone; njit = the generated Numba loop alone)")


def bench_threshold(reps: int) -> None:
    print("\nSerial vs parallel generated loop for a + b, float32 (microseconds per call)")
    mod = dlcore.PRIMITIVES["add"].kernels["cpu"].module()
    for p in (12, 14, 15, 16, 17, 18, 20, 22):
        n = 1 << p
        a = np.ones(n, np.float32)
        out = np.empty_like(a)
        ts = median_time(lambda out=out, a=a: mod.flat_AA(out, a, a), reps, inner=10) * 1e6
        tp = median_time(lambda out=out, a=a: mod.flatp_AA(out, a, a), reps, inner=10) * 1e6
        print(f"  n = 2^{p:<3d} serial {ts:9.1f}   parallel {tp:9.1f}   "
              f"{'parallel wins' if tp < ts else 'serial wins'}")
    print(f"  PARALLEL_THRESHOLD in use: {_ew.PARALLEL_THRESHOLD}")


def bench_alternation(reps: int) -> None:
    print("\nAlternation: parallel add on 1M float32, then a 512x512 float32 matmul (ms per step)")
    x = np.ones(1 << 20, np.float32)
    w = np.random.default_rng(3).standard_normal((512, 512)).astype(np.float32)

    def step():
        ops.add(x, x)
        np.matmul(w, w)
    t_step = median_time(step, reps * 4, warmup=5) * 1e3
    t_add = median_time(lambda: ops.add(x, x), reps * 4) * 1e3
    t_mm = median_time(lambda: np.matmul(w, w), reps * 4) * 1e3
    print(f"  step {t_step:.3f} ms   (add alone {t_add:.3f}, matmul alone {t_mm:.3f}); "
          f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY')}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument("--only", default="", help="comma-separated sections: elementwise,"
                        "reductions,matmul,dispatch,threshold,alternation")
    parser.add_argument("--best", action="store_true",
                        help="report the fastest repeat instead of the median (for a machine "
                        "shared with other work; label figures accordingly)")
    parser.add_argument("--cpu-time", action="store_true",
                        help="time with the process's CPU time instead of wall time (a shared "
                        "machine: run with one-thread pools, e.g. OPENBLAS_NUM_THREADS=1, "
                        "under taskset; a multi-threaded call sums its threads)")
    args = parser.parse_args(argv)
    reps = 5 if args.quick else 15
    global _STAT, _CLOCK
    _STAT = np.min if args.best else np.median
    _CLOCK = time.process_time if args.cpu_time else time.perf_counter
    sections = {"elementwise": bench_elementwise, "reductions": bench_reductions,
                "matmul": bench_matmul, "dispatch": bench_dispatch,
                "threshold": bench_threshold, "alternation": bench_alternation}
    chosen = [s.strip() for s in args.only.split(",") if s.strip()] or list(sections)
    print("dlcore kernel benchmark" + (" (fastest of repeats)" if args.best else
                                       " (median of repeats)")
          + (", CPU time" if args.cpu_time else ", wall time"))
    ops.add(np.ones(1 << 20, np.float32), 1.0)          # start Numba's thread pool first
    for k, v in dlcore.runtime_info().items():
        print(f"  {k}: {v}")
    print(f"  load average: {os.getloadavg()[0]:.2f} (other processes share these cores)")
    # Thread-sensitive sections first, before PyTorch brings its own OpenMP runtime.
    first = [n for n in ("alternation", "threshold") if n in chosen]
    for name in first:
        sections[name](reps)
    _import_torch()
    peer = f"{torch.__version__} (threads {torch.get_num_threads()})" if torch else "not installed"
    print(f"\n  torch: {peer}")
    for name in chosen:
        if name not in first:
            sections[name](reps)


if __name__ == "__main__":
    main()
