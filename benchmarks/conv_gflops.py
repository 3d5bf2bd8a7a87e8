"""Convolution kernels alone: forward, input-gradient and filter-gradient GFLOP/s of dlcore's CPU
kernels next to PyTorch's, at the shapes of the CNN workloads (``benchmarks/workloads/cnn.py``).

    python -m benchmarks.conv_gflops [--threads 1] [--repeat 15]

FLOPs are counted as 2 x multiply-adds of the direct convolution (the same count for the
forward and for each of the two gradients).  Timings interleave dlcore and PyTorch, medians of
*process CPU time* (``time.process_time``): with one thread it is the work done, and unlike wall
time it does not grow when other jobs deschedule the process on a shared machine.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

#: (label, input NCHW, weight OIHW, stride, padding)
SHAPES = [
    ("LeNet conv1", (64, 1, 28, 28), (6, 1, 5, 5), 1, 2),
    ("LeNet conv2", (64, 6, 14, 14), (16, 6, 5, 5), 1, 0),
    ("ResNet 16->16", (32, 16, 32, 32), (16, 16, 3, 3), 1, 1),
    ("ResNet 32->32", (32, 32, 16, 16), (32, 32, 3, 3), 1, 1),
    ("ResNet 64->64", (32, 64, 8, 8), (64, 64, 3, 3), 1, 1),
]


def _median_times(fa, fb, repeat: int) -> tuple[float, float]:
    """Median CPU seconds of ``fa`` and ``fb``, run alternately."""
    fa(), fb()
    ta, tb = [], []
    for _ in range(repeat):
        for fn, out in ((fa, ta), (fb, tb)):
            t = time.process_time()
            fn()
            out.append(time.process_time() - t)
    return float(np.median(ta)), float(np.median(tb))


def measure(repeat: int = 15) -> list[dict]:
    import torch

    import importlib
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
    n = str(args.threads)
    for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
        os.environ[k] = n
    import torch
    torch.set_num_threads(args.threads)
    try:
        from threadpoolctl import threadpool_limits
        threadpool_limits(args.threads)
    except ImportError:
        pass
    print(f"threads {args.threads}, load {os.getloadavg()[0]:.1f}")
    print("| shape | pass | dlcore | PyTorch | ratio |")
    print("|---|---|---|---|---|")
    for r in measure(args.repeat):
        print(f"| {r['shape']} | {r['pass']} | {r['dlcore_us']:.0f} us "
              f"({r['dlcore_gflops']:.1f} GF/s) | {r['torch_us']:.0f} us "
              f"({r['torch_gflops']:.1f} GF/s) | {r['dlcore_us'] / r['torch_us']:.2f}x |")


if __name__ == "__main__":
    main()
