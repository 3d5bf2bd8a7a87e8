"""Devices and buffers.

A buffer lives on one device.  On the CPU a buffer is a ``numpy.ndarray``; on CUDA it is a
numba.cuda device array.  Moving a buffer between devices is always explicit (``to_device``) and is
counted, so a user can see the host/device copies that the seed notes talk about::

    dlcore.reset_transfer_stats()
    ...
    dlcore.transfer_stats()   # {'host_to_device': 2, 'device_to_host': 1, 'bytes_h2d': ..., ...}

Whether CUDA can be used, and whether Numba's CUDA simulator is on, is one call away:
``cuda_available()`` and ``cuda_simulator()``.  numba.cuda is imported lazily, on first use, so
``import dlcore`` stays fast on machines with no GPU.
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Device:
    """A place where buffers live: ``Device('cpu')`` or ``Device('cuda', 0)``."""

    type: str
    index: int | None = None

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self) -> str:
        return f"device(type='{self.type}'" + ("" if self.index is None else f", index={self.index}") + ")"


CPU = Device("cpu")


#: the device types PyTorch 2.13 names when it refuses a device string (dlcore has cpu and cuda)
_TORCH_DEVICE_TYPES = ("cpu, cuda, ipu, xpu, mkldnn, opengl, opencl, ideep, hip, ve, fpga, maia, "
                       "xla, lazy, vulkan, mps, meta, hpu, mtia, privateuseone")


def as_device(spec) -> Device:
    """Parse 'cpu', 'cuda', 'cuda:0', '/gpu:0', '/cpu:0' or a Device."""
    if isinstance(spec, Device):        # (torch.device('cuda') is the current CUDA device,
        if spec.index is None:          # torch.device('cpu', 0) the CPU)
            return spec if spec.type != "cuda" else Device("cuda", 0)
        return spec if spec.type != "cpu" else CPU
    if spec is None:
        return CPU
    if hasattr(spec, "type") and hasattr(spec, "index"):  # a front end's device object
        return as_device(str(spec))
    s = str(spec).strip().lower().lstrip("/")
    if s.startswith("device:"):
        s = s[len("device:"):]
    kind, colon, idx = s.partition(":")
    if kind not in ("cpu", "cuda", "gpu"):
        if kind == "meta":
            raise NoMetaDevice(
                "dlcore has no 'meta' device (PyTorch's tensors with a shape and dtype but no "
                "data; torch.device('meta'), .to('meta'), empty(..., device='meta')): create "
                "the tensors or the model on 'cpu', or build a dlcore_static graph, whose "
                "tensors have shapes and no data until a Session runs them")
        if not s:
            raise InvalidDevice("Device string must not be empty")
        given = str(spec).strip().lstrip("/")                       # (PyTorch's words)
        if not re.fullmatch(r"[a-zA-Z_]+(:(0|[1-9][0-9]*))?", given):
            raise InvalidDevice(f"Invalid device string: {str(spec)!r}")
        raise InvalidDevice(f"Expected one of {_TORCH_DEVICE_TYPES} device type at start of "
                            f"device string: {given.partition(':')[0]}")
    if colon and not (idx.isascii() and idx.isdigit() and (idx == "0" or idx[0] != "0")):
        raise InvalidDevice(f"Invalid device string: {str(spec)!r}")
    if kind == "cpu":
        return CPU
    return Device("cuda", int(idx) if idx else 0)


class InvalidDevice(ValueError, RuntimeError):
    """A device string that names no device: PyTorch raises RuntimeError, TensorFlow and
    older dlcore a ValueError; this is both."""


class NoMetaDevice(InvalidDevice, NotImplementedError):
    """PyTorch's 'meta' device, which dlcore does not have (a NotImplementedError, so also a
    RuntimeError): refused where it is named rather than computing with data it should not
    have."""


def cuda_simulator() -> bool:
    """True when Numba's CUDA simulator is on (NUMBA_ENABLE_CUDASIM=1 before numba is imported)."""
    return os.environ.get("NUMBA_ENABLE_CUDASIM", "0") == "1"


_cuda_ok: bool | None = None

#: Where a Linux machine with an NVIDIA driver shows it: the driver's /proc folder and control
#: device (bare metal, containers given GPUs), WSL's GPU device and driver folder.
_DRIVER_TRACES = ("/proc/driver/nvidia", "/dev/nvidiactl", "/dev/dxg", "/usr/lib/wsl/lib")


def _no_driver() -> bool:
    """True on Linux when no NVIDIA driver is installed (none of ``_DRIVER_TRACES``, no
    ``NUMBA_CUDA_DRIVER``): numba.cuda would find no libcuda and say False, after importing
    Numba and numba.cuda (0.9 s of CPU time on the 2-core machine, in every program that asks
    ``torch.cuda.is_available()``).  False elsewhere or when unsure: then numba.cuda decides."""
    import sys
    if not sys.platform.startswith("linux") or os.environ.get("NUMBA_CUDA_DRIVER"):
        return False
    return not any(os.path.exists(p) for p in _DRIVER_TRACES)


def cuda_available() -> bool:
    """True when CUDA kernels can run: a real GPU with a driver, or the simulator."""
    global _cuda_ok
    if _cuda_ok is None:
        if not cuda_simulator() and _no_driver():
            _cuda_ok = False
            return _cuda_ok
        try:
            from numba import cuda
            if not cuda_simulator():
                _use_the_pool(cuda)
            _cuda_ok = bool(cuda.is_available())
        except Exception:  # numba-cuda not installed, or no driver
            _cuda_ok = False
    return _cuda_ok


def _use_the_pool(cuda) -> None:
    """dlcore's caching allocator (dlcore/kernels/cuda/_pool.py) for the CUDA contexts made
    from here on, unless ``DLCORE_CUDA_ALLOCATOR=numba`` or the user named a Numba memory
    manager of their own (``NUMBA_CUDA_MEMORY_MANAGER``)."""
    if os.environ.get("DLCORE_CUDA_ALLOCATOR", "pool") == "numba" or \
            os.environ.get("NUMBA_CUDA_MEMORY_MANAGER", "default") != "default":
        return
    from .kernels.cuda import _pool
    cuda.set_memory_manager(_pool.plugin())


def cuda_module():
    """numba.cuda, imported on first use; a clear error when CUDA cannot be used."""
    if not cuda_available():
        raise RuntimeError(
            "dlcore: CUDA is not available (no NVIDIA driver/GPU, or numba-cuda is not installed). "
            "Install the 'cuda' extra, or set NUMBA_ENABLE_CUDASIM=1 to use Numba's CUDA simulator.")
    from numba import cuda
    if cuda_simulator():     # its shared arrays race between simulated threads: locked here
        from ._cudasim_mend import mend
        mend()
    return cuda


def is_cuda_array(x) -> bool:
    """True for a numba.cuda device array (real or simulated)."""
    return type(x).__name__ in ("DeviceNDArray", "FakeCUDAArray", "MappedNDArray") or \
        hasattr(x, "copy_to_host")


def device_of(buf) -> Device:
    return Device("cuda", 0) if is_cuda_array(buf) else CPU


# ---------------------------------------------------------------- counted host/device copies
_stats_lock = threading.Lock()
_stats = {"host_to_device": 0, "device_to_host": 0, "bytes_h2d": 0, "bytes_d2h": 0}


def transfer_stats() -> dict:
    """How many host->device and device->host copies happened (and how many bytes)."""
    with _stats_lock:
        return dict(_stats)


def reset_transfer_stats() -> None:
    with _stats_lock:
        for k in _stats:
            _stats[k] = 0


def _count(direction: str, nbytes: int) -> None:
    with _stats_lock:
        if direction == "h2d":
            _stats["host_to_device"] += 1
            _stats["bytes_h2d"] += int(nbytes)
        else:
            _stats["device_to_host"] += 1
            _stats["bytes_d2h"] += int(nbytes)


def to_device(buf, device) -> Any:
    """Return ``buf`` on ``device``: a counted copy when it moves, the same buffer otherwise."""
    device = as_device(device)
    on_cuda = is_cuda_array(buf)
    if device.type == "cpu":
        if not on_cuda:
            return buf
        out = buf.copy_to_host()
        _count("d2h", out.nbytes)
        return out
    if on_cuda:
        return buf
    cuda = cuda_module()
    # np.asarray(order='C'), not np.ascontiguousarray: the latter turns a 0-d array into 1-d.
    host = np.asarray(buf, order="C")
    if host.dtype.kind == "V" and host.dtype.names is None:
        # ml_dtypes' bfloat16 (and float8s) export no buffer format, which a real GPU's copy
        # needs ("cannot include dtype 'E' in a buffer", seen on an H200): their bits travel
        # as unsigned integers of the same width, then the device array is viewed back
        raw = np.dtype(f"u{host.dtype.itemsize}")
        out = cuda.to_device(host.view(raw)).view(host.dtype)
    else:
        out = cuda.to_device(host)
    _count("h2d", host.nbytes)
    return out


def to_host(buf) -> np.ndarray:
    return to_device(buf, CPU)


def const_like(arr: np.ndarray, x):
    """A constant array on ``x``'s device, for an op that builds a host constant next to
    ``x`` (an index list, a resize matrix): a raw CUDA buffer or a front-end value whose
    ``device`` is CUDA gets a (counted) device copy; everything else the host array, which a
    front end places itself."""
    if is_cuda_array(x):
        return to_device(arr, device_of(x))
    dev = getattr(x, "device", None)
    if getattr(dev, "type", None) == "cuda":
        return to_device(arr, "cuda")
    return arr
