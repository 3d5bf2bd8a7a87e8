"""``torch.accelerator``: the current accelerator, if any (PyTorch 2.6's device-agnostic API).

dlcore's one accelerator type is CUDA (a real GPU, or Numba's CUDA simulator when
``NUMBA_ENABLE_CUDASIM=1``), with one device.
"""

from __future__ import annotations

import dlcore
from dlcore.device import as_device


def is_available() -> bool:
    return dlcore.cuda_available()


def current_accelerator(check_available: bool = False):
    """``torch.device('cuda')`` when CUDA can run here, else None."""
    return as_device("cuda") if is_available() else None


def device_count() -> int:
    return 1 if is_available() else 0


def current_device_index() -> int:
    return 0 if is_available() else -1


current_device_idx = current_device_index


def set_device_index(device) -> None:
    index = getattr(device, "index", device)
    if index not in (0, None):
        raise RuntimeError(f"dlcore has one accelerator device; index {index} does not exist")


set_device_idx = set_device_index


def synchronize(device=None) -> None:
    if is_available():
        from numba import cuda
        cuda.synchronize()
