"""The slow paths of a few ``Tensor`` members (``tensor.py`` stays small; nothing here imports
it): PyTorch's errors for ``size(dim)``/``stride(dim)`` and the no_grad-view checks of
``requires_grad``/``is_leaf``/``grad_fn`` (in ``_view_rebase``, which registers itself here as
``VIEW_REBASE``: it imports ``tensor``)."""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from dlcore.device import Device
from dlcore.dtypes import is_floating

from ._state import STATE, InferenceVersion

_ndarray = np.ndarray


def check_dim(name: str, ndim: int, dim) -> None:
    """PyTorch's TypeError for a ``dim`` of ``size``/``stride`` that is no int (a NumPy
    integer or a 0-d integer tensor passes) and IndexError for one out of range."""
    if isinstance(dim, (bool, np.bool_)) or not hasattr(dim, "__index__"):
        raise TypeError(f"{name}(): argument 'dim' (position 1) must be int, not "
                        f"{type(dim).__name__}")
    if ndim == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    if not -ndim <= dim < ndim:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-ndim}, "
                         f"{ndim - 1}], but got {dim})")


def check_requires_grad(t) -> None:
    """PyTorch's errors of ``requires_grad = True``: a tensor of no floating or complex dtype;
    an inference tensor (``_state.InferenceVersion``) outside ``inference_mode()``."""
    d = t._buf.dtype
    if not (is_floating(d) or d.kind == "c"):
        raise RuntimeError("only Tensors of floating point dtype can require gradients")
    if isinstance(t._vc, InferenceVersion) and not STATE.inference:
        raise RuntimeError("Setting requires_grad=True on inference tensor outside "
                           "InferenceMode is not allowed.")


#: The ``_view_rebase`` module, set by it when it is imported (it makes nodes and tensors, so it
#: imports ``tensor`` and ``_graph``, which call it back for views made in no_grad mode: a
#: registration, not an import, so that neither imports it back).
VIEW_REBASE: Any = None


def rebase():
    """``_view_rebase``: ``base_requires_grad``, ``check_no_grad_view``, ``follow_base``,
    ``no_grad_parent``."""
    return VIEW_REBASE


_PY_TYPES = (builtins.float, builtins.int, builtins.bool, builtins.complex)


def is_py_type(a) -> bool:
    """``float``, ``int``, ``bool`` or ``complex`` itself (by identity: NumPy's
    ``dtype('float64') == float`` is True), a dtype to ``Tensor.to`` (PyTorch's)."""
    return any(a is p for p in _PY_TYPES)


def to_device_arg(a):
    """A positional argument of ``Tensor.to`` read as its device: a str, an int or a device;
    anything else (a NumPy dtype or type, another class) PyTorch's TypeError."""
    if isinstance(a, (str, int, Device)):
        return a
    t = type(a)
    name = t.__qualname__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"
    opts = "bool non_blocking = False, bool copy = False, *, torch.memory_format memory_format " \
        "= None)\n"
    raise TypeError(f"to() received an invalid combination of arguments - got ({name}), but "
                    "expected one of:\n * (torch.device device = None, torch.dtype dtype = "
                    f"None, {opts} * (torch.dtype dtype, {opts} * (Tensor tensor, {opts}")


def not_quantized(buf) -> None:
    """A quantized tensor's buffer (``_qbase.QBuf``) is no CUDA array: the CPU/CUDA choices
    that test for an ndarray refuse it in PyTorch's QuantizedCPU words."""
    if getattr(type(buf), "quantized", False):
        raise NotImplementedError("Could not run this operation with arguments from the "
                                  "'QuantizedCPU' backend (quantized tensors have no kernel "
                                  "for it); call .dequantize() first")


def write_buffer(dst, src) -> None:
    """Copy ``src`` into ``dst``'s memory (same shape), on the CPU or on a CUDA device."""
    if type(dst) is _ndarray:
        if type(src) is not _ndarray:
            not_quantized(src)
            raise RuntimeError("Expected all tensors to be on the same device, but found at least "
                               "two devices, cuda:0 and cpu!")
        np.copyto(dst if dst.flags.writeable else writable(dst), src)
        return
    not_quantized(dst)
    not_quantized(src)
    if type(src) is _ndarray:
        raise RuntimeError("Expected all tensors to be on the same device, but found at least two "
                           "devices, cuda:0 and cpu!")
    dst.copy_to_device(src)


def writable(dst: np.ndarray) -> np.ndarray:
    """``dst``, or a writable alias of its memory where NumPy marked a view read-only that
    PyTorch lets an in-place op write: a slice of an ``expand`` whose elements do not overlap
    (``y.expand(2, 3, 3)[0].mul_(2)`` writes ``y``, as PyTorch's; refused before with the
    overlap error).  A view with a repeated element (a stride of 0 over more than one
    element) stays as it is (the caller's overlap error), as does one over memory that is
    read-only itself (a shared constant, a read-only array the user gave)."""
    if repeats(dst):
        return dst
    root = storage_of(dst)[0]
    if root is dst or not root.flags.writeable:
        return dst
    off = dst.__array_interface__["data"][0] - root.__array_interface__["data"][0]   # (bytes)
    try:
        return np.ndarray(dst.shape, dst.dtype, buffer=root, offset=off, strides=dst.strides)
    except (TypeError, ValueError):     # (a root NumPy cannot take as a buffer)
        return dst


def storage_of(buf: np.ndarray):
    """(root array, offset of ``buf`` in elements from the root's start)."""
    root = buf
    while isinstance(root.base, np.ndarray):
        root = root.base
    offset = buf.__array_interface__["data"][0] - root.__array_interface__["data"][0]
    return root, offset // buf.dtype.itemsize


def repeats(buf: np.ndarray) -> bool:
    """Whether a buffer shows one memory element at two places (a stride of 0 over more than
    one element)."""
    return any(st == 0 and n > 1 for n, st in zip(buf.shape, buf.strides))
