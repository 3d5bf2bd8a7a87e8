"""DLPack capsules for buffers: import any DLPack producer (protocol objects and legacy
capsules), export CUDA buffers, and the CUDA Array Interface of device buffers.

DLPack is a C struct handed over in a ``PyCapsule`` named ``"dltensor"``::

    DLManagedTensor { DLTensor dl_tensor; void *manager_ctx; void (*deleter)(DLManagedTensor*) }
    DLTensor { void *data; DLDevice device {int32 type, id}; int32 ndim;
               DLDataType dtype {uint8 code, bits; uint16 lanes}; int64 *shape, *strides;
               uint64 byte_offset }

The consumer renames the capsule ``"used_dltensor"`` (so it is consumed once) and calls
``deleter`` when it no longer needs the memory; a capsule nobody consumed calls it when it is
garbage-collected.  CPU buffers go through NumPy (``np.from_dlpack``, ``ndarray.__dlpack__``),
which implements all of that.  NumPy does not handle CUDA memory, so this module does, with
ctypes:

* ``import_buffer(obj)``: ``obj`` may be a ``__dlpack__`` object or a legacy capsule (what
  ``torch.utils.dlpack.to_dlpack`` returns).  CPU data becomes a NumPy array sharing memory;
  CUDA data a numba.cuda device array sharing memory (``cuda.from_cuda_array_interface``), which
  keeps the producer's memory alive and calls its deleter when it is collected.
* ``export_cuda(buf)``: a legacy ``"dltensor"`` capsule for a numba.cuda device array (device
  ``kDLCUDA``); the capsule keeps ``buf`` alive until the consumer calls the deleter.
* ``cuda_array_interface(buf)``: numba's ``__cuda_array_interface__`` (version 3) dict.

Under Numba's CUDA simulator "device" memory is host memory wrapped by ``FakeCUDAArray``; the
same code runs there with the host address as the data pointer, so the round trip and the
memory sharing are tested without a GPU.
"""

from __future__ import annotations

import ctypes
import threading
from typing import Any

import numpy as np

K_DL_CPU, K_DL_CUDA, K_DL_CUDA_HOST, K_DL_CUDA_MANAGED = 1, 2, 3, 13
_INT, _UINT, _FLOAT, _BOOL = 0, 1, 2, 6


class DLDevice(ctypes.Structure):
    _fields_ = [("device_type", ctypes.c_int32), ("device_id", ctypes.c_int32)]


class DLDataType(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint8), ("bits", ctypes.c_uint8), ("lanes", ctypes.c_uint16)]


class DLTensor(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("device", DLDevice), ("ndim", ctypes.c_int32),
                ("dtype", DLDataType), ("shape", ctypes.POINTER(ctypes.c_int64)),
                ("strides", ctypes.POINTER(ctypes.c_int64)), ("byte_offset", ctypes.c_uint64)]


class DLManagedTensor(ctypes.Structure):
    pass


_Deleter = ctypes.CFUNCTYPE(None, ctypes.POINTER(DLManagedTensor))
DLManagedTensor._fields_ = [("dl_tensor", DLTensor), ("manager_ctx", ctypes.c_void_p),
                            ("deleter", _Deleter)]

# C-API entry points with raw pointers (no Python reference counting: safe in a destructor).
_api = ctypes.pythonapi
_IsValid = ctypes.PYFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p)(
    ("PyCapsule_IsValid", _api))
_GetPointer = ctypes.PYFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p, ctypes.c_char_p)(
    ("PyCapsule_GetPointer", _api))
_SetName = ctypes.PYFUNCTYPE(ctypes.c_int, ctypes.py_object, ctypes.c_char_p)(
    ("PyCapsule_SetName", _api))
_Destructor = ctypes.CFUNCTYPE(None, ctypes.c_void_p)
_New = ctypes.PYFUNCTYPE(ctypes.py_object, ctypes.c_void_p, ctypes.c_char_p, _Destructor)(
    ("PyCapsule_New", _api))
_CAPSULE_TYPE = type(np.ones(1).__dlpack__())

_NAME = ctypes.create_string_buffer(b"dltensor")       # must outlive every capsule
_USED = ctypes.create_string_buffer(b"used_dltensor")
_live: dict[int, tuple] = {}                            # address -> (struct, arrays, buffer)
_lock = threading.Lock()

_CODES = {"i": _INT, "u": _UINT, "f": _FLOAT, "b": _BOOL}
_KINDS = {v: k for k, v in _CODES.items()}


def is_capsule(obj: Any) -> bool:
    """True for a ``PyCapsule`` (a legacy DLPack hand-over)."""
    return type(obj) is _CAPSULE_TYPE


# ---------------------------------------------------------------------------------- export
def _delete(managed) -> None:
    with _lock:
        _live.pop(ctypes.addressof(managed.contents), None)


_DELETER = _Deleter(_delete)


def _capsule_gone(capsule: int) -> None:
    """The capsule was collected: if nobody consumed it, release what it holds."""
    if _IsValid(capsule, _NAME):
        ptr = _GetPointer(capsule, _NAME)
        with _lock:
            _live.pop(ptr, None)


_DESTRUCTOR = _Destructor(_capsule_gone)


def _device_pointer(buf) -> int:
    host = getattr(buf, "_ary", None)                   # the simulator's FakeCUDAArray
    if isinstance(host, np.ndarray):
        return host.__array_interface__["data"][0]
    return buf.__cuda_array_interface__["data"][0]


def export_cuda(buf, device_id: int = 0) -> Any:
    """A legacy ``"dltensor"`` capsule for the numba.cuda device array ``buf`` (shares memory;
    ``buf`` stays alive until the consumer calls the deleter or the capsule is collected)."""
    dt = np.dtype(buf.dtype)
    if dt.kind not in _CODES:
        raise TypeError(f"DLPack: cannot export a tensor of dtype {dt}")
    ndim = len(buf.shape)
    shape = (ctypes.c_int64 * max(ndim, 1))(*buf.shape)
    strides = (ctypes.c_int64 * max(ndim, 1))(*[s // dt.itemsize for s in buf.strides])
    m = DLManagedTensor()
    m.dl_tensor.data = _device_pointer(buf)
    m.dl_tensor.device = DLDevice(K_DL_CUDA, device_id)
    m.dl_tensor.ndim = ndim
    m.dl_tensor.dtype = DLDataType(_CODES[dt.kind], dt.itemsize * 8, 1)
    m.dl_tensor.shape = ctypes.cast(shape, ctypes.POINTER(ctypes.c_int64))
    m.dl_tensor.strides = ctypes.cast(strides, ctypes.POINTER(ctypes.c_int64))
    m.dl_tensor.byte_offset = 0
    m.deleter = _DELETER
    addr = ctypes.addressof(m)
    with _lock:
        _live[addr] = (m, shape, strides, buf)
    return _New(addr, _NAME, _DESTRUCTOR)


def live_exports() -> int:
    """How many exported capsules still hold their buffer (for tests: 0 once consumed and
    released)."""
    return len(_live)


def cuda_array_interface(buf) -> dict:
    """The CUDA Array Interface (version 3) of a numba.cuda device array."""
    host = getattr(buf, "_ary", None)
    if not isinstance(host, np.ndarray):
        return dict(buf.__cuda_array_interface__)
    return {"shape": tuple(host.shape), "typestr": host.dtype.str,
            "data": (host.__array_interface__["data"][0], False),
            "strides": None if host.flags.c_contiguous else tuple(host.strides),
            "version": 3, "stream": None}


# ---------------------------------------------------------------------------------- import
class _Release:
    """Owner of imported CUDA memory: calls the producer's deleter when collected."""

    def __init__(self, managed_ptr: int) -> None:
        self.ptr = managed_ptr

    def __del__(self) -> None:
        m = ctypes.cast(self.ptr, ctypes.POINTER(DLManagedTensor))
        if m.contents.deleter:
            m.contents.deleter(m)


def _peek(capsule) -> DLTensor:
    if not _IsValid(id(capsule), _NAME):
        raise ValueError("from_dlpack: this DLPack capsule was already consumed (a capsule can "
                         "be imported only once; ask the producer for a new one)")
    return ctypes.cast(_GetPointer(id(capsule), _NAME),
                       ctypes.POINTER(DLManagedTensor)).contents.dl_tensor


def _layout(t) -> tuple:
    """The NumPy dtype, shape and byte strides (None: C-contiguous) of a DLTensor; a dtype
    NumPy has no form for (vector lanes, sub-byte bits, an unknown code) is a TypeError."""
    kind = _KINDS.get(t.dtype.code)
    if kind is None or t.dtype.lanes != 1 or t.dtype.bits % 8:
        raise TypeError(f"from_dlpack: unsupported DLPack dtype (code {t.dtype.code}, "
                        f"{t.dtype.bits} bits, {t.dtype.lanes} lanes)")
    dt = np.dtype("?" if kind == "b" else f"{kind}{t.dtype.bits // 8}")
    shape = tuple(int(t.shape[i]) for i in range(t.ndim))
    strides = (tuple(int(t.strides[i]) * dt.itemsize for i in range(t.ndim)) if t.strides
               else None)
    return dt, shape, strides


def _host_view(capsule) -> np.ndarray:
    """Consume ``capsule``: a writable ndarray over its memory (host memory, or the simulator's
    "device" memory), which calls the producer's deleter when the last view is collected."""
    t = _peek(capsule)
    ptr = _GetPointer(id(capsule), _NAME)
    dt, shape, strides = _layout(t)
    data = (t.data or 0) + t.byte_offset
    _SetName(capsule, _USED)                            # consumed: we own the deleter call
    owner = _Release(ptr)
    if not all(shape):
        return np.empty(shape, dt)
    st = strides or tuple(int(x) for x in np.empty(0, dt).itemsize * np.cumprod(
        (1,) + shape[:0:-1])[::-1])
    lo = sum((n - 1) * s for n, s in zip(shape, st) if s < 0)
    hi = sum((n - 1) * s for n, s in zip(shape, st) if s > 0) + dt.itemsize
    raw: Any = (ctypes.c_char * (hi - lo)).from_address(data + lo)
    raw._dlpack_owner = owner                           # keeps the producer's memory alive
    return np.ndarray(shape, dt, buffer=raw, offset=-lo, strides=st)


def _import_cuda_capsule(capsule):
    from numba import cuda
    if not hasattr(cuda, "from_cuda_array_interface"):  # the simulator: host memory
        from numba.cuda.simulator.cudadrv.devicearray import FakeCUDAArray
        return FakeCUDAArray(_host_view(capsule))
    t = _peek(capsule)
    ptr = _GetPointer(id(capsule), _NAME)
    dt, shape, strides = _layout(t)
    desc = {"shape": shape, "typestr": dt.str, "data": ((t.data or 0) + t.byte_offset, False),
            "strides": strides, "version": 3, "stream": None}
    _SetName(capsule, _USED)
    return cuda.from_cuda_array_interface(desc, owner=_Release(ptr), sync=False)


def _device_of_capsule(capsule) -> tuple:
    t = _peek(capsule)
    return (int(t.device.device_type), int(t.device.device_id))


def import_buffer(obj: Any):
    """A buffer sharing memory with ``obj`` (a DLPack producer or a legacy capsule): a NumPy
    array for CPU data, a numba.cuda device array for CUDA data."""
    if is_capsule(obj):
        dev = _device_of_capsule(obj)
        if dev[0] in (K_DL_CPU, K_DL_CUDA_HOST):
            return _host_view(obj)          # np.from_dlpack would make it read-only
        if dev[0] in (K_DL_CUDA, K_DL_CUDA_MANAGED):
            return _import_cuda_capsule(obj)
        raise ValueError(f"from_dlpack: unsupported DLPack device type {dev[0]}")
    if not hasattr(obj, "__dlpack__"):
        raise TypeError(f"from_dlpack: expected an object with __dlpack__ or a DLPack capsule, "
                        f"got {type(obj).__name__}")
    dev = obj.__dlpack_device__() if hasattr(obj, "__dlpack_device__") else (K_DL_CPU, 0)
    if int(dev[0]) in (K_DL_CUDA, K_DL_CUDA_MANAGED):
        return _import_cuda_capsule(obj.__dlpack__())
    return np.from_dlpack(obj)
