"""What a CUDA training step costs a GPU besides its arithmetic, counted (issue 19).

On a GPU each device allocation, host<->device copy and kernel launch is latency the step pays
(microseconds each), and so is each Python call that decides one.  Without a GPU their times
mean nothing (Numba's CUDA simulator runs every CUDA thread as a Python thread), but their
counts are exact: :class:`CudaCounts` wraps numba.cuda's entry points while it is active and
counts, per step::

    alloc      cuda.device_array / device_array_like / to_device (a new device buffer)
    h2d, d2h   host->device copies (to_device, copy_to_device from a host array) and back
               (copy_to_host)
    d2d        device->device copies (copy_to_device from a device array)
    launches   kernel launches (a configured kernel's call, not a device function's)
    calls      Python calls in dlcore's own files and generated glue (cProfile), when asked

Under the simulator the counting wraps ``numba.cuda``'s module attributes (what dlcore calls:
``cuda.device_array(...)``), the simulator's ``FakeCUDAArray`` copy methods and its kernel's
``__call__``; the wrappers stay installed (a glue built while counting holds them) and count
only inside a ``with CudaCounts()`` block.  On a real GPU it counts nothing (the driver's entry
points are not wrapped): it is for the simulator.

``python -m benchmarks.cuda_counts`` prints the counts per steady-state step of the seed's
eager step (``.cuda()`` tensors, SGD) and static step (a CUDA Session, every pass) on toy
shapes under the simulator, and the simulator's CPU time per step.
"""

from __future__ import annotations

import os
import sys
import time
from collections import Counter
from typing import Any, Self

_active: list[Counter] = []
_installed = False


def _count(key: str, n: int = 1) -> None:
    for c in _active:
        c[key] += n


def install() -> None:
    """Wrap the simulator's entry points once (a no-op on a real GPU)."""
    global _installed
    if _installed:
        return
    _installed = True
    from numba import cuda
    if not getattr(cuda, "simulator_enabled", False) and \
            os.environ.get("NUMBA_ENABLE_CUDASIM") != "1":
        return
    from numba.cuda.simulator import kernel as K
    from numba.cuda.simulator.cudadrv import devicearray as D

    def wrap_alloc(fn, copies: bool):
        def counted(*a, **k):
            if copies and k.get("to") is not None:
                _count("h2d")
            else:
                _count("alloc")
                if copies:
                    _count("h2d")
            return fn(*a, **k)
        counted.__wrapped__ = fn              # type: ignore[attr-defined]
        return counted

    cuda.device_array = wrap_alloc(cuda.device_array, False)
    cuda.device_array_like = wrap_alloc(cuda.device_array_like, False)
    cuda.to_device = wrap_alloc(cuda.to_device, True)

    to_host, to_dev, call = D.FakeCUDAArray.copy_to_host, D.FakeCUDAArray.copy_to_device, \
        K.FakeCUDAKernel.__call__

    def copy_to_host(self, *a, **k):
        _count("d2h")
        return to_host(self, *a, **k)

    def copy_to_device(self, ary, *a, **k):
        _count("d2d" if isinstance(ary, D.FakeCUDAArray) else "h2d")
        return to_dev(self, ary, *a, **k)

    def launch(self, *a):
        if not (self._device or K._kernel_context):
            _count("launches")
        return call(self, *a)

    D.FakeCUDAArray.copy_to_host = copy_to_host
    D.FakeCUDAArray.copy_to_device = copy_to_device
    K.FakeCUDAKernel.__call__ = launch


class CudaCounts:
    """``with CudaCounts() as c: step()``: ``c.counts`` holds what the block did."""

    def __init__(self) -> None:
        install()
        self.counts: Counter = Counter()

    def __enter__(self) -> Self:
        _active.append(self.counts)
        return self

    def __exit__(self, *exc: object) -> None:
        _active.remove(self.counts)

    def per(self, steps: int) -> dict[str, float]:
        keys = ("alloc", "h2d", "d2h", "d2d", "launches")
        return {k: self.counts[k] / steps for k in keys}


def own_calls(step, steps: int) -> float:
    """dlcore's own Python calls per step (its packages' files and generated glue)."""
    from .gpu_check import python_calls
    return python_calls(step, steps)[1]


def measure(step, warm: int = 2, steps: int = 3) -> dict[str, float]:
    """Counts, dlcore calls and simulator CPU ms per steady-state step of ``step``."""
    for _ in range(warm):
        step()
    with CudaCounts() as c:
        t0 = time.process_time()
        for _ in range(steps):
            step()
        cpu = (time.process_time() - t0) / steps * 1e3
    out = c.per(steps)
    out["calls"] = own_calls(step, steps)
    out["cpu_ms"] = cpu
    return out


def seed_steps() -> dict[str, Any]:
    """The two seed steps on the simulator's toy shapes (``gpu_check --tiny``'s)."""
    import dlcore_eager

    from . import gpu_check
    from .engines import _torch_programs
    wls = gpu_check._workloads(True)
    _, static = gpu_check.static_session(wls["static"], "all")
    eager = _torch_programs.setup(dlcore_eager, wls["eager"], "cuda")
    return {"eager": eager.step, "static": static.step}


def main() -> int:
    os.environ.setdefault("NUMBA_ENABLE_CUDASIM", "1")
    install()
    import dlcore
    if not dlcore.cuda_simulator():
        print("cuda_counts: counts only under NUMBA_ENABLE_CUDASIM=1")
        return 0
    for name, step in seed_steps().items():
        m = measure(step)
        print(f"{name}: " + ", ".join(f"{k} {v:.1f}" for k, v in m.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
