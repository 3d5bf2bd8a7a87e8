"""A mend for Numba's CUDA simulator: its shared arrays are allocated check-then-set, unlocked.

``numba.cuda.simulator.kernelapi.FakeCUDAShared.array`` finds a block's shared array by the
calling line (``self._allocations.get(caller)``) and, when there is none yet, makes one with
``np.empty`` and stores it.  Every simulated CUDA thread is a Python thread, so a thread switch
between the look-up and the store lets two threads of one block each make and keep their own
array: the threads that made the losing one write their part of the tile where nobody reads it,
and the others read ``np.empty`` garbage there.  The result is a silent wrong answer (seen once in
the suite: ``tests/cuda/test_cuda_compile.py::test_strided_views_and_broadcasts_feed_the_glue_launches``,
rows 1-2 of a tiled matmul wrong, i.e. ``sa[1:, 0]`` of the first tile lost); the shorter GIL
switch interval the test processes use under the simulator (``tests/conftest.py``) makes the
switch there likelier.  :func:`mend` replaces the method with the same logic under a lock.
"""

from __future__ import annotations

import sys
import threading

import numpy as np

_lock = threading.Lock()
_mended = False


def _shared_array(self, shape, dtype, alignment=None):
    """``FakeCUDAShared.array`` of numba-cuda, with the look-up and the store under one lock."""
    if alignment is not None:
        raise RuntimeError("Array alignment is not supported in cudasim")
    from numba.cuda.simulator import kernelapi  # its own types and numpy_support, as there
    if isinstance(dtype, kernelapi.types.Type):
        dtype = kernelapi.numpy_support.as_dtype(dtype)
    if shape == 0:        # dynamic shared memory: one buffer for all, as numba-cuda
        count = self._dynshared_size // dtype.itemsize
        return np.frombuffer(self._dynshared.data, dtype=dtype, count=count)
    frame = sys._getframe(1)                      # the kernel's line, as numba-cuda's key
    caller = (frame.f_code.co_filename, frame.f_lineno)
    with _lock:
        res = self._allocations.get(caller)
        if res is None:
            res = np.empty(shape, dtype)
            self._allocations[caller] = res
    return res


def mend() -> None:
    """Install the locked ``FakeCUDAShared.array`` (once; only under the simulator)."""
    global _mended
    if _mended:
        return
    from numba.cuda.simulator import kernelapi
    kernelapi.FakeCUDAShared.array = _shared_array
    _mended = True
