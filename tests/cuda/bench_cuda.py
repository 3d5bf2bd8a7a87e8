"""Time dlcore's CUDA kernels on a real GPU: ``python tests/cuda/bench_cuda.py``.

Prints, per kernel, the median time of several synchronised runs and its rate: elementwise
throughput on 16M float32 (GB/s, counting bytes read + written), reductions (GB/s read), matmul
(GFLOP/s) at the seed's (64, 1000, 100) and at (512, 1024, 1024), and the dispatch cost of an op
on a 1-element array (microseconds, through ``dlcore.ops``).  ``--tiny`` runs the same code on
small shapes (for the simulator; its times mean nothing).  Not collected by pytest.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

import dlcore
from dlcore import ops


def _timed(fn, repeat: int) -> float:
    from numba import cuda
    fn()                                   # compile and warm up
    cuda.synchronize()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        cuda.synchronize()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tiny", action="store_true", help="small shapes, for the simulator")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    n = 1 << 10 if args.tiny else 1 << 24
    mm = [(4, 5, 3)] if args.tiny else [(64, 1000, 100), (512, 1024, 1024)]
    rng = np.random.default_rng(0)
    dev = lambda a: dlcore.to_device(a, "cuda")

    print(f"device: {'simulator' if dlcore.cuda_simulator() else 'real GPU'}")
    a = dev(rng.standard_normal(n).astype(np.float32))
    b = dev(rng.standard_normal(n).astype(np.float32))
    t = _timed(lambda: ops.add(a, b), args.repeat)
    print(f"add        {n:>10} float32   {t * 1e6:10.1f} us  {3 * 4 * n / t / 1e9:8.1f} GB/s")
    rows = n // 1024
    m = dev(rng.standard_normal((rows, 1024)).astype(np.float32))
    bias = dev(rng.standard_normal(1024).astype(np.float32))
    t = _timed(lambda: ops.add(m, bias), args.repeat)
    print(f"bias add   ({rows}, 1024)      {t * 1e6:10.1f} us  {2 * 4 * n / t / 1e9:8.1f} GB/s")
    for label, f in [("sum all", lambda: ops.sum(a)),
                     ("sum rows", lambda: ops.sum(m, 1)),
                     ("sum cols", lambda: ops.sum(m, 0))]:
        t = _timed(f, args.repeat)
        print(f"{label:10} {n:>10} float32   {t * 1e6:10.1f} us  {4 * n / t / 1e9:8.1f} GB/s")
    for (M, K, N) in mm:
        x = dev(rng.standard_normal((M, K)).astype(np.float32))
        w = dev(rng.standard_normal((K, N)).astype(np.float32))
        t = _timed(lambda x=x, w=w: ops.matmul(x, w), args.repeat)
        print(f"matmul     ({M}, {K}, {N})  {t * 1e6:10.1f} us  {2 * M * K * N / t / 1e9:8.1f} "
              "GFLOP/s")
    one = dev(np.ones(1, np.float32))
    ops.add(one, one)
    t0 = time.perf_counter()
    reps = 20 if args.tiny else 2000
    for _ in range(reps):
        ops.add(one, one)
    per_op = (time.perf_counter() - t0) / reps
    print(f"dispatch   add of 1 element (async launch)   {per_op * 1e6:.1f} us")


if __name__ == "__main__":
    main()
