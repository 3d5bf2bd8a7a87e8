"""Conversions of an eager ``Tensor`` to Python and NumPy values and to other libraries:
``numpy()``, NumPy 2's ``__array__(dtype, copy)``, ``item()``, ``tolist()``, DLPack and
``__cuda_array_interface__``, truth value and numbers, ``len``/``iter``, ``repr``/``format``.
They are attached to :class:`Tensor` here, as the arithmetic is in ``_methods``.
"""

from __future__ import annotations

import numpy as np

from dlcore.device import CPU, to_device

from ._state import STATE
from .tensor import Tensor

_ndarray = np.ndarray

def _no_bfloat16(self) -> None:
    """NumPy has no bfloat16 (ml_dtypes' is an extension type), so PyTorch refuses; so do
    ``numpy()`` and ``__array__`` here (``t.float().numpy()`` is the way)."""
    d = self._buf.dtype         # (the kind first: NumPy's dtype.name is Python code, 1.3 us of
    if d.kind == "V" and d.name == "bfloat16":      # numpy()'s 2.0)
        raise TypeError("Got unsupported ScalarType BFloat16")


def numpy(self, *, force: bool = False) -> np.ndarray:
    _no_bfloat16(self)
    if self._rg and not force and STATE.enabled:    # (PyTorch's: allowed under no_grad)
        raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use "
                           "tensor.detach().numpy() instead.")
    if type(self._buf) is not _ndarray:
        if not force:
            raise TypeError("can't convert cuda:0 device type tensor to numpy. Use "
                            "Tensor.cpu() to copy the tensor to host memory first.")
        return to_device(self._buf, CPU)
    return self._buf

def __array__(self, dtype=None, copy=None):
    """NumPy 2's protocol: ``copy=None`` shares memory when it can, ``copy=True`` always
    copies (``np.array(t)``, ``np.copy(t)``), ``copy=False`` refuses when a copy is needed
    (another dtype, or a CUDA tensor: read into host memory).  Like PyTorch, a tensor that
    requires grad refuses (``t.detach()`` first) while grad mode is on."""
    if self._rg and STATE.enabled:
        raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use "
                           "tensor.detach().numpy() instead.")
    _no_bfloat16(self)
    on_host = type(self._buf) is _ndarray
    needs_copy = not on_host or (dtype is not None and np.dtype(dtype) != self._buf.dtype)
    if copy is False and needs_copy:
        raise ValueError("Unable to avoid copy while creating an array as requested.")
    buf = self._buf if on_host else to_device(self._buf, CPU)
    if dtype is not None and np.dtype(dtype) != buf.dtype:
        return buf.astype(dtype)
    return buf.copy() if copy and on_host else buf

def __array_wrap__(self, array, context=None, return_scalar=False):
    """A NumPy ufunc's result on a tensor (``np.sin(t)``, ``t + np.array(2.0)``: NumPy computes
    it, the operators leaving NumPy arrays to it) as a tensor again, bool as uint8, as torch's
    ``__array_wrap__`` (``torch.from_numpy``: the result's memory is shared)."""
    if array.dtype == bool:
        array = array.astype("uint8")
    return Tensor._wrap(np.asarray(array))


def item(self):
    if self.numel() != 1:
        raise RuntimeError(f"a Tensor with {self.numel()} elements cannot be converted to "
                           "Scalar")
    buf = self._buf if type(self._buf) is _ndarray else to_device(self._buf, CPU)
    return buf.reshape(()).item()

def tolist(self):
    buf = self._buf if type(self._buf) is _ndarray else to_device(self._buf, CPU)
    return buf.tolist()

def __dlpack__(self, *args, **kwargs):
    if self._rg:
        raise BufferError("Can't export tensors that require gradient, use tensor.detach()")
    if type(self._buf) is not _ndarray:             # CUDA: a capsule made by dlcore.io.dlpack
        from dlcore.io.dlpack import export_cuda
        return export_cuda(self._buf, self.device.index or 0)
    return self._buf.__dlpack__(*args, **kwargs)

def __dlpack_device__(self):
    if type(self._buf) is not _ndarray:
        return (2, self.device.index or 0)          # kDLCUDA
    return self._buf.__dlpack_device__()

def __cuda_array_interface__(self) -> dict:
    """The CUDA Array Interface of a CUDA tensor (numba, CuPy, PyTorch read it)."""
    if type(self._buf) is _ndarray:
        raise AttributeError("Can't get __cuda_array_interface__ on non-CUDA tensor type: "
                             f"{self.type()} If CUDA data is required use tensor.cuda() to "
                             "copy tensor to device memory.")
    if self._rg:
        raise RuntimeError("Can't get __cuda_array_interface__ on Variable that requires "
                           "grad. If gradients aren't required, use var.detach() to get "
                           "Variable that doesn't require grad.")
    from dlcore.io.dlpack import cuda_array_interface
    return cuda_array_interface(self._buf)

def __bool__(self) -> bool:
    n = self.numel()
    if n == 0:
        raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
    if n > 1:
        raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
    return bool(self.item())

_FLOAT_WARNED = [False]


def __float__(self) -> float:
    if self._rg and not _FLOAT_WARNED[0] and STATE.enabled:   # PyTorch 2.13 warns once a
        _FLOAT_WARNED[0] = True             # process, for float() only (not item() or int()),
        # and not under no_grad (LBFGS.step's float(closure()))
        import warnings
        warnings.warn("Converting a tensor with requires_grad=True to a scalar may lead to "
                      "unexpected behavior.\nConsider using tensor.detach() first.",
                      UserWarning, stacklevel=2)
    if self._buf.size != 1:
        raise ValueError("only one element tensors can be converted to Python scalars")
    return float(_real_item(self, "double"))

def __int__(self) -> int:
    if self._buf.size != 1:
        raise ValueError("only one element tensors can be converted to Python scalars")
    return int(_real_item(self, "int64_t"))

def _real_item(self, c_type: str):
    """``item()``, a complex one's real part, as PyTorch converts it to a C++ ``c_type``:
    refused (its RuntimeError) where the imaginary part is not 0."""
    v = self.item()
    if type(v) is complex:
        if v.imag:
            raise RuntimeError(f"value cannot be converted to type {c_type} without overflow")
        return v.real
    return v

def __complex__(self) -> complex:
    """``complex(t)`` of a one-element tensor (any dtype), as PyTorch's."""
    if self._buf.size != 1:
        raise ValueError("only one element tensors can be converted to Python scalars")
    return complex(self.item())

def __index__(self) -> int:
    if self._buf.dtype.kind not in "iu" or self.numel() != 1:
        raise TypeError("only integer tensors of a single element can be converted to an "
                        "index")
    return int(self.item())

def __len__(self) -> int:
    if not self._buf.shape:
        raise TypeError("len() of a 0-d tensor")
    return self._buf.shape[0]

def __iter__(self):
    if not self._buf.shape:
        raise TypeError("iteration over a 0-d tensor")
    return (self[i] for i in range(self._buf.shape[0]))

__hash__ = object.__hash__

def __repr__(self) -> str:
    from ._format import tensor_repr
    return tensor_repr(self)

__str__ = __repr__

def __format__(self, spec: str) -> str:
    """PyTorch's: a 0-d plain Tensor formats its value; anything else goes to
    ``object.__format__`` (its repr for an empty spec, TypeError 'unsupported format string
    passed to Tensor.__format__' otherwise; a 0-d Parameter too, as in PyTorch)."""
    if self.ndim == 0 and type(self) is Tensor:
        return format(self.item(), spec)
    return object.__format__(self, spec)


Tensor.numpy = numpy
Tensor.__array__ = __array__
setattr(Tensor, "__array_wrap__", __array_wrap__)  # noqa: B010 - (tensor.py declares none)
Tensor.item = item
Tensor.tolist = tolist
Tensor.__dlpack__ = __dlpack__
Tensor.__dlpack_device__ = __dlpack_device__
Tensor.__cuda_array_interface__ = property(__cuda_array_interface__)
Tensor.__bool__ = __bool__
Tensor.__float__ = __float__
Tensor.__int__ = __int__
Tensor.__complex__ = __complex__  # type: ignore[attr-defined]  # (no stub: tensor.py is full)
Tensor.__index__ = __index__
Tensor.__len__ = __len__
Tensor.__iter__ = __iter__
Tensor.__repr__ = __repr__      # type: ignore[method-assign]  # replaces object's, by design
Tensor.__format__ = __format__  # type: ignore[method-assign]  # replaces object's, by design
