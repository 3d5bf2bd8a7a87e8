"""``Tensor.new_zeros``, ``new_ones``, ``new_full``, ``new_empty`` and ``new_tensor``: factory
methods whose result takes the tensor's dtype and device unless told otherwise (PyTorch's
rule); and the small-integer casts ``byte()``, ``char()``, ``short()``, and ``half()`` and
``bfloat16()``.  Installed on :class:`Tensor` when ``dlcore_eager`` is imported."""

from __future__ import annotations

import numpy as np

from . import _dtype as D
from . import creation as C
from ._factory_lane import _shape
from .tensor import Tensor, _make


def _size(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)) or \
            len(size) == 1 and hasattr(size[0], "__iter__"):
        return tuple(size[0])
    return tuple(size)


def _kw(self, dtype, device):
    return {"dtype": self.dtype if dtype is None else dtype,
            "device": self.device if device is None else device}


def _sizes(name, sizes, size):
    """``x.new_zeros(2, 3)``, ``x.new_zeros((2, 3))`` or PyTorch's keyword ``size=(2, 3)``."""
    if size is None:
        if not sizes:                   # (PyTorch's parser: no 0-d tensor)
            raise TypeError(f'{name}() missing 1 required positional arguments: "size"')
        return _size(sizes)
    if sizes:
        raise TypeError(f"{name}() got multiple values for argument 'size'")
    return tuple(size)


def _quick(self, np_fn, sizes: tuple, size, dtype, device, requires_grad):
    """The common call (int sizes or one tuple of them, the tensor's own dtype and CPU
    device, no gradient): ``np_fn(shape, dtype)`` wrapped (``h.new_zeros(2, 16)`` 3.2 ->
    ~1.2 us, PyTorch 1.5); None for anything else (the general path's rules and errors)."""
    b = self._buf
    if size is None and dtype is None and device is None and not requires_grad and sizes and \
            type(b) is np.ndarray:
        shape = _shape(sizes)
        if shape is not None:
            return _make(np_fn(shape, b.dtype))
    return None


def new_zeros(self, *sizes, size=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    quick = _quick(self, np.zeros, sizes, size, dtype, device, requires_grad)
    if quick is not None:
        return quick
    shape = _sizes("new_zeros", sizes, size)
    if any(type(v) is int and v < 0 for v in shape):   # (PyTorch's words of new_empty's, not
        C._size((shape,))                               # torch.zeros' own)
    return C.zeros(*shape, requires_grad=requires_grad, **_kw(self, dtype, device))


def new_ones(self, *sizes, size=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    quick = _quick(self, np.ones, sizes, size, dtype, device, requires_grad)
    if quick is not None:
        return quick
    return C.ones(*_sizes("new_ones", sizes, size), requires_grad=requires_grad,
                  **_kw(self, dtype, device))


def new_empty(self, *sizes, size=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    quick = _quick(self, np.empty, sizes, size, dtype, device, requires_grad)
    if quick is not None:
        return quick
    return C.empty(*_sizes("new_empty", sizes, size), requires_grad=requires_grad,
                   **_kw(self, dtype, device))


def new_full(self, size, fill_value, *, dtype=None, device=None,
             requires_grad=False) -> Tensor:
    return C.full(tuple(size), fill_value, requires_grad=requires_grad,
                  **_kw(self, dtype, device))


def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    if isinstance(data, Tensor):
        data = data.detach().cpu()._buf
    return C.tensor(data, requires_grad=requires_grad, **_kw(self, dtype, device))


def byte(self, memory_format=None) -> Tensor:
    """``self.to(torch.uint8)``."""
    return self.to(D.uint8)


def char(self, memory_format=None) -> Tensor:
    """``self.to(torch.int8)``."""
    return self.to(D.int8)


def short(self, memory_format=None) -> Tensor:
    """``self.to(torch.int16)``."""
    return self.to(D.int16)


def half(self, memory_format=None) -> Tensor:
    """``self.to(torch.float16)`` (stored as float16; ops compute in float32 and round)."""
    return self.to(D.float16)


def bfloat16(self, memory_format=None) -> Tensor:
    """``self.to(torch.bfloat16)`` (stored as bfloat16; ops compute in float32 and round;
    needs ml_dtypes)."""
    if not hasattr(D, "bfloat16"):
        raise TypeError("bfloat16 tensors need the ml_dtypes package (pip install ml_dtypes)")
    return self.to(D.bfloat16)


for _f in (new_zeros, new_ones, new_empty, new_full, new_tensor, byte, char, short, half,
           bfloat16):
    if not hasattr(Tensor, _f.__name__):
        setattr(Tensor, _f.__name__, _f)
