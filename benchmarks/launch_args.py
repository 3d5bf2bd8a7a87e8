"""``python -m benchmarks.launch_args``: what a CUDA launch's arguments cost in Python, without a
GPU (issue 19).

numba.cuda types each argument of a launch (``typeof``) and flattens it for the driver
(``_Kernel._prepare_args``); dlcore's short launch path (``dlcore/kernels/cuda/_launch.py``)
reads each argument's kind off it and flattens it itself (``marshal``), passing the same values
(``tests/cuda/test_cuda_fast_launch.py``).  Both run here on the arguments of an elementwise
launch (three fresh float32 device arrays, as each op makes, and an int), over fake device
memory: numba.cuda's real modules need no GPU for this.  It runs in a process of its own with
``NUMBA_ENABLE_CUDASIM=0`` (set here before numba is imported).  The rest of a launch (the
configuration objects, the context look-up, the driver call) needs a GPU:
``benchmarks.gpu_check`` times whole launches both ways there.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import statistics
import sys
import time


def measure(launches: int, rounds: int) -> tuple[float, float]:
    """Median us per launch over ``rounds`` (Numba's typeof + _prepare_args, dlcore's
    marshal), each round on ``launches`` launches of fresh arrays."""
    import numpy as np
    from numba.core.typing.typeof import Purpose, typeof
    from numba.cuda import dispatcher as numba_dispatcher
    from numba.cuda.cudadrv.devicearray import DeviceNDArray

    from dlcore.kernels.cuda import _launch
    _launch._State.device_array = DeviceNDArray

    class Memory:
        def __init__(self) -> None:
            self.device_ctypes_pointer = ctypes.c_size_t(0x7F00_0000_1000)

    def fresh() -> list:
        return [[DeviceNDArray((6400,), (4,), np.float32, gpu_data=Memory()), 6400,
                 DeviceNDArray((6400,), (4,), np.float32, gpu_data=Memory()),
                 DeviceNDArray((6400,), (4,), np.float32, gpu_data=Memory())]
                for _ in range(launches)]

    class Kernel:
        extensions: list = []
        _prepare_args = numba_dispatcher._Kernel._prepare_args

    kernel = Kernel()
    theirs, ours = [], []
    for _ in range(rounds):
        batch = fresh()
        t0 = time.perf_counter()
        for args in batch:
            out: list = []
            for a in args:
                kernel._prepare_args(typeof(a, Purpose.argument), a, 0, [], out)
        theirs.append((time.perf_counter() - t0) / launches * 1e6)
        batch = fresh()
        t0 = time.perf_counter()
        for args in batch:
            _launch.marshal(args, [])
        ours.append((time.perf_counter() - t0) / launches * 1e6)
    return statistics.median(theirs), statistics.median(ours)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.launch_args",
                                 description=__doc__.split("\n\n")[0])
    ap.add_argument("--launches", type=int, default=20000)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args(argv)
    theirs, ours = measure(args.launches, args.rounds)
    print("| a launch's arguments (3 fresh float32 device arrays, 1 int) | us per launch |")
    print("|---|---|")
    print(f"| numba.cuda: typeof + _Kernel._prepare_args | {theirs:.1f} |")
    print(f"| dlcore's short path: _launch.marshal | {ours:.1f} |")
    return 0


if __name__ == "__main__":
    os.environ["NUMBA_ENABLE_CUDASIM"] = "0"
    if "numba" in sys.modules:
        raise SystemExit("benchmarks.launch_args: run it as its own process (python -m)")
    sys.exit(main())
