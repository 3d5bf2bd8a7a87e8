"""Legacy tensor *types*: ``torch.FloatTensor``, ``torch.cuda.FloatTensor`` and friends.

Old PyTorch code (the seed notes included) picks a dtype and a device in one object::

    dtype = torch.FloatTensor          # or torch.cuda.FloatTensor to run on the GPU
    x = torch.randn(N, D_in).type(dtype)

Each legacy type is a ``(dtype, device)`` pair.  It can convert (``x.type(T)``), construct
(``T(2, 3)`` uninitialised, ``T([1, 2])`` from data) and test (``isinstance(x, T)``).
"""

from __future__ import annotations

import numpy as np

from dlcore import dtypes as _dt
from dlcore.device import CPU, Device

from . import _dtype as D
from .creation import _legacy_construct
from .tensor import Tensor


class LegacyTensorType:
    """A legacy tensor type such as ``torch.FloatTensor``."""

    def __init__(self, dtype: D.dtype, device: Device):
        self.dtype = dtype
        self.device = device
        self.__name__ = f"{dtype._legacy}Tensor"
        self.__qualname__ = self.__name__
        self.__module__ = "torch.cuda" if device.type == "cuda" else "torch"

    def __repr__(self) -> str:
        return f"<class '{self.__module__}.{self.__name__}'>"

    def __call__(self, *args, **kwargs):
        return _legacy_construct(self.dtype, self.device, args, kwargs)

    def __instancecheck__(self, obj) -> bool:
        return isinstance(obj, Tensor) and obj.dtype is self.dtype and obj.device == self.device

    def __eq__(self, other) -> bool:
        return isinstance(other, LegacyTensorType) and (self.dtype, self.device) == (
            other.dtype, other.device)

    def __hash__(self) -> int:
        return hash((self.dtype.name, str(self.device)))


_CUDA = Device("cuda", 0)
CPU_TYPES = {d: LegacyTensorType(d, CPU) for d in D.ALL}
CUDA_TYPES = {d: LegacyTensorType(d, _CUDA) for d in D.ALL}


def _add_bfloat16(_np_bf16) -> None:
    """bfloat16's legacy types, once ml_dtypes is imported (see dlcore.dtypes)."""
    bf = D.bfloat16
    CPU_TYPES[bf] = LegacyTensorType(bf, CPU)
    CUDA_TYPES[bf] = LegacyTensorType(bf, _CUDA)


_dt.on_bfloat16(_add_bfloat16)

FloatTensor = CPU_TYPES[D.float32]
DoubleTensor = CPU_TYPES[D.float64]
IntTensor = CPU_TYPES[D.int32]
LongTensor = CPU_TYPES[D.int64]
BoolTensor = CPU_TYPES[D.bool_]


def legacy_type_name(t) -> str:
    legacy = t.dtype._legacy
    return f"torch.{'cuda.' if t.is_cuda else ''}{legacy}Tensor"


def parse_type_name(name: str) -> LegacyTensorType:
    """'torch.FloatTensor' / 'torch.cuda.DoubleTensor' -> the legacy type."""
    if "BFloat16" in name:
        _dt.load_bfloat16()
    table = {f"torch.{T.__name__}": T for T in CPU_TYPES.values()}
    table.update({f"torch.cuda.{T.__name__}": T for T in CUDA_TYPES.values()})
    if name not in table:
        raise ValueError(f"invalid type: '{name}'")
    return table[name]


def _tensor_type(self: Tensor, dtype=None, non_blocking: bool = False):
    """With no argument: the legacy type name ('torch.FloatTensor').  With a legacy type
    (``torch.FloatTensor``, ``torch.cuda.FloatTensor``), a name or a dtype: a converted
    tensor (this one when nothing changes)."""
    if dtype is None:
        return legacy_type_name(self)
    if isinstance(dtype, str):
        dtype = parse_type_name(dtype)
    if isinstance(dtype, LegacyTensorType):
        return self._cast(dtype.dtype)._to_device(dtype.device)
    if isinstance(dtype, D.dtype):
        return self._cast(dtype)
    if isinstance(dtype, type):             # (float, numpy.float64: PyTorch's words)
        name = dtype.__qualname__ if dtype.__module__ == "builtins" else \
            f"{dtype.__module__}.{dtype.__qualname__}"
        raise ValueError(f"invalid type: '{name}'")
    raise TypeError("dtype must be a type, str, or dtype object")


_tensor_type.__name__ = _tensor_type.__qualname__ = "type"
Tensor.type = _tensor_type       # legacy types sit above tensor.py, which does not import them


def _tensor_type_as(self: Tensor, other: Tensor):
    """``self.type(tensor.type())``: ``tensor``'s dtype and device (this one when they match:
    two CPU tensors of one dtype without the name's round trip, 8.6 -> ~0.5 us)."""
    if isinstance(other, Tensor):
        a, b = self._buf, other._buf
        if type(a) is np.ndarray and type(b) is np.ndarray and a.dtype == b.dtype:
            return self
    return self.type(legacy_type_name(other))


_tensor_type_as.__name__ = _tensor_type_as.__qualname__ = "type_as"
Tensor.type_as = _tensor_type_as
