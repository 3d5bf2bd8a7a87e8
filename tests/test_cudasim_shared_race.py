"""Numba's CUDA simulator made a block's shared array check-then-set without a lock, so a thread
switch between the look-up and the store gave two simulated threads two different arrays (a
silent wrong matmul, seen once in the suite).  dlcore.device.cuda_module() installs a locked
version (dlcore/_cudasim_mend.py).  Here the window is widened: ``np.empty`` sleeps (releasing the
GIL), which made 5 of 5 tiled matmuls wrong with numba-cuda's own method."""

import time

import numpy as np
import pytest

from dlcore.device import cuda_simulator

pytestmark = pytest.mark.skipif(not cuda_simulator(), reason="the race is the simulator's")


def test_shared_arrays_are_one_per_block_when_threads_switch_at_allocation(monkeypatch):
    from numba.cuda.simulator import kernelapi

    from dlcore.device import cuda_module
    from dlcore.kernels.cuda import linalg

    cuda = cuda_module()
    assert kernelapi.FakeCUDAShared.array.__module__ == "dlcore._cudasim_mend"
    a = np.arange(9, dtype=np.float32).reshape(3, 3) / 10
    b = np.arange(6, dtype=np.float32).reshape(3, 2) / 7
    da, db = cuda.to_device(a), cuda.to_device(b)
    real_empty = np.empty

    def slow_empty(*args, **kwargs):
        time.sleep(0.002)                       # another simulated thread runs meanwhile
        return real_empty(*args, **kwargs)

    monkeypatch.setattr(np, "empty", slow_empty)
    got = [linalg.matmul(da, db).copy_to_host() for _ in range(2)]
    monkeypatch.undo()
    for g in got:
        np.testing.assert_allclose(g, a @ b, rtol=1e-6)
