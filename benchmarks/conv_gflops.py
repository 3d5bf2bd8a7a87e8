"""Convolution kernels alone: forward, input-gradient and filter-gradient GFLOP/s of dlcore's CPU
kernels next to PyTorch's, at the shapes of the CNN workloads (``benchmarks/workloads/cnn.py``),
against this core's measured GEMM peak.

    python -m benchmarks.conv_gflops [--threads 1] [--repeat 15]

FLOPs are counted as 2 x multiply-adds of the direct convolution (the same count for the
forward and for each of the two gradients).  Timings interleave dlcore and PyTorch, medians of
*process CPU time* (``time.process_time``): with one thread it is the work done, and unlike wall
time it does not grow when other jobs deschedule the process on a shared machine.  The thread
policy is :mod:`benchmarks.threads`' (the process pinned to ``--threads`` cores, every pool
sized to match).

The peak is measured, not quoted: the fastest of a few single-call float32 GEMMs of order
2048 (``A @ B``, both operands contiguous) in NumPy (its OpenBLAS) and in PyTorch (MKL), the
larger of the two taken as what one core of this machine reaches on a matrix product.  Each
row shows its GFLOP/s as a percentage of it.
"""

from __future__ import annotations

import argparse
import importlib
import os
import time

from . import threads as thread_policy

#: (label, input NCHW, weight OIHW, stride, padding)
SHAPES = [
    ("LeNet conv1", (64, 1, 28, 28), (6, 1, 5, 5), 1, 2),
    ("LeNet conv2", (64, 6, 14, 14), (16, 6, 5, 5), 1, 0),
    ("ResNet 16->16", (32, 16, 32, 32), (16, 16, 3, 3), 1, 1),
    ("ResNet 32->32", (32, 32, 16, 16), (32, 32, 3, 3), 1, 1),
    ("ResNet 64->64", (32, 64, 8, 8), (64, 64, 3, 3), 1, 1),
    ("quick ResNet 8->8", (8, 8, 32, 32), (8, 8, 3, 3), 1, 1),
    ("quick ResNet 8->16 s2", (8, 8, 32, 32), (16, 8, 3, 3), 2, 1),
    ("quick ResNet 32->32 8x8", (8, 32, 8, 8), (32, 32, 3, 3), 1, 1),
]


def _median_times(fa, fb, repeat: int) -> tuple[float, float]:
    """Median CPU seconds of ``fa`` and ``fb``, run alternately."""
    import numpy as np

    fa(), fb()
    ta, tb = [], []
    for _ in range(repeat):
        for fn, out in ((fa, ta), (fb, tb)):
            t = time.process_time()
            fn()
            out.append(time.process_time() - t)
    return float(np.median(ta)), float(np.median(tb))


def measure_peak(n: int = 2048, repeat: int = 3) -> dict:
    """GFLOP/s of the fastest of ``repeat`` float32 ``n x n`` GEMMs in NumPy and in PyTorch."""
    import numpy as np
    import torch

    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal((n, n)).astype(np.float32) for _ in range(2))
    ta, tb = torch.from_numpy(a), torch.from_numpy(b)
    best = {"numpy": float("inf"), "torch": float("inf")}
    for _ in range(repeat):
        for name, fn in (("numpy", lambda: a @ b), ("torch", lambda: ta @ tb)):
            t = time.process_time()
            fn()
            best[name] = min(best[name], time.process_time() - t)
    flops = 2.0 * n ** 3
    out = {k: flops / v / 1e9 for k, v in best.items()}
    out["peak"] = max(out.values())
    return out


def measure(repeat: int = 15) -> list[dict]:
    import numpy as np
    import torch

    C = importlib.import_module("dlcore.ops.conv")      # the module, not ops.conv
    rows = []
    rng = np.random.default_rng(0)
    for label, xs, ws, s, p in SHAPES:
        x = rng.standard_normal(xs).astype(np.float32)
        w = rng.standard_normal(ws).astype(np.float32)
        prm = C.conv_params(x, w, s, p)
        y = C.bind(C.conv_p, x, w, **prm)
        g = rng.standard_normal(y.shape).astype(np.float32)
        flops = 2.0 * y.size * np.prod(ws[1:])
        xt, wt, gt = (torch.from_numpy(a) for a in (x, w, g))
        ours = {
            "forward": lambda: C.bind(C.conv_p, x, w, **prm),
            "input grad": lambda: C.bind(C.conv_transpose_p, g, w, in_size=xs[2:], **prm),
            "filter grad": lambda: C.bind(C.conv_filter_grad_p, x, g, kernel_size=ws[2:],
                                          **prm),
        }
        theirs = {
            "forward": lambda: torch.nn.functional.conv2d(xt, wt, stride=s, padding=p),
            "input grad": lambda: torch.nn.grad.conv2d_input(xs, wt, gt, stride=s, padding=p),
            "filter grad": lambda: torch.nn.grad.conv2d_weight(xt, ws, gt, stride=s, padding=p),
        }
        for what in ours:
            a, b = _median_times(ours[what], theirs[what], repeat)
            rows.append({"shape": label, "pass": what, "dlcore_us": a * 1e6, "torch_us": b * 1e6,
                         "dlcore_gflops": flops / a / 1e9, "torch_gflops": flops / b / 1e9})
    return rows


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=15)
    args = ap.parse_args(argv)
    policy = thread_policy.choose(args.threads)
    thread_policy.apply_before_imports(policy)
    import numba
    import torch  # noqa: F401  (its pools are sized below)

    import dlcore
    thread_policy.apply_after_imports(policy)
    info = dlcore.runtime_info() if hasattr(dlcore, "runtime_info") else {}
    print(policy.describe())
    print(f"load {os.getloadavg()[0]:.1f}; numba {numba.get_num_threads()} thread(s), layer "
          f"{info.get('numba_threading_layer', '?')}; BLAS {info.get('blas', '?')}")
    peak = measure_peak()
    print(f"peak (fastest float32 2048^3 GEMM, one call): NumPy {peak['numpy']:.1f} GF/s, "
          f"PyTorch {peak['torch']:.1f} GF/s; percentages below are of {peak['peak']:.1f}")
    print("| shape | pass | dlcore | PyTorch | ratio |")
    print("|---|---|---|---|---|")
    pk = peak["peak"]
    for r in measure(args.repeat):
        print(f"| {r['shape']} | {r['pass']} | {r['dlcore_us']:.0f} us "
              f"({r['dlcore_gflops']:.1f} GF/s, {100 * r['dlcore_gflops'] / pk:.0f}%) | "
              f"{r['torch_us']:.0f} us ({r['torch_gflops']:.1f} GF/s, "
              f"{100 * r['torch_gflops'] / pk:.0f}%) | {r['dlcore_us'] / r['torch_us']:.2f}x |")


if __name__ == "__main__":
    main()
