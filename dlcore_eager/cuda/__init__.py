"""``torch.cuda``: is a GPU there, and the legacy CUDA tensor types.

``dlcore_eager.cuda.FloatTensor`` is the seed's GPU type (``x.type(torch.cuda.FloatTensor)``
moves ``x`` to the GPU).  The kernels are dlcore's numba.cuda kernels; with
``NUMBA_ENABLE_CUDASIM=1`` (set before numba is imported) they run in Numba's CUDA simulator on
the CPU, which is how the test suite exercises them without a GPU.
"""

from __future__ import annotations

import dlcore

from .. import _dtype as D
from ..legacy_types import CUDA_TYPES

FloatTensor = CUDA_TYPES[D.float32]
DoubleTensor = CUDA_TYPES[D.float64]
IntTensor = CUDA_TYPES[D.int32]
LongTensor = CUDA_TYPES[D.int64]
BoolTensor = CUDA_TYPES[D.bool_]


def is_available() -> bool:
    """True when CUDA kernels can run (a GPU with a driver, or Numba's simulator).

    Decided (helper-D8): under ``NUMBA_ENABLE_CUDASIM=1`` this is True, so a program's
    ``device = "cuda" if torch.cuda.is_available() else "cpu"`` takes the CUDA path and runs
    every kernel in the simulator (correct, slow: keep shapes tiny).  The simulator is never on
    by accident: only that variable, set before numba is imported, turns it on, and
    ``get_device_name()`` says "Numba CUDA simulator".  Without a GPU or the simulator: False,
    as PyTorch's CPU build."""
    return dlcore.cuda_available()


def device_count() -> int:
    return 1 if is_available() else 0


def current_device() -> int:
    return 0


def get_device_name(device=None) -> str:
    if dlcore.cuda_simulator():
        return "Numba CUDA simulator"
    from numba import cuda
    return cuda.get_current_device().name.decode() if hasattr(
        cuda.get_current_device().name, "decode") else str(cuda.get_current_device().name)


def synchronize(device=None) -> None:
    if is_available():
        from numba import cuda
        cuda.synchronize()


def manual_seed(seed: int) -> None:
    """Random numbers are drawn on the host; this seeds the same generator."""
    from ..creation import manual_seed as _seed
    _seed(seed)


manual_seed_all = manual_seed


def is_initialized() -> bool:
    return is_available()


def get_device_capability(device=None) -> tuple:
    """(major, minor) compute capability; (0, 0) under the simulator."""
    if dlcore.cuda_simulator() or not is_available():
        return (0, 0)
    from numba import cuda
    return tuple(cuda.get_current_device().compute_capability)


def get_device_properties(device=None):
    """The name, capability and memory of the GPU (as far as Numba reports them)."""
    import types
    total = 0
    if is_available() and not dlcore.cuda_simulator():
        from numba import cuda
        total = int(cuda.current_context().get_memory_info()[1])
    major, minor = get_device_capability(device)
    return types.SimpleNamespace(name=get_device_name(device), major=major, minor=minor,
                                 total_memory=total, multi_processor_count=1)


def memory_allocated(device=None) -> int:
    """Bytes of device memory in live arrays (tensors and dlcore's temporaries), counted by
    dlcore's caching allocator (dlcore/kernels/cuda/_pool.py) in its rounded block sizes; 0
    under the simulator or with ``DLCORE_CUDA_ALLOCATOR=numba`` (nothing counted there)."""
    return _pool_stats()["allocated"]


def max_memory_allocated(device=None) -> int:
    """The most :func:`memory_allocated` has been."""
    return _pool_stats()["peak"]


def memory_reserved(device=None) -> int:
    """Bytes the caching allocator holds: live arrays plus cached free blocks."""
    return _pool_stats()["reserved"]


def max_memory_reserved(device=None) -> int:
    """The most :func:`memory_reserved` has been."""
    return _pool_stats()["peak_reserved"]


def empty_cache() -> None:
    """Give the caching allocator's free blocks back to the driver (live tensors keep theirs),
    as ``torch.cuda.empty_cache``."""
    from dlcore.kernels.cuda import _pool
    _pool.empty_cache()


def _pool_stats() -> dict:
    from dlcore.kernels.cuda import _pool
    return _pool.stats()


def set_device(device) -> None:
    index = getattr(device, "index", device)
    if index not in (0, None):
        raise RuntimeError(f"dlcore has one CUDA device; index {index} does not exist")

