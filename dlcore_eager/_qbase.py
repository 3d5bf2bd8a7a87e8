"""What makes a quantized tensor (``_qtensor.QTensor``) a ``Tensor`` that behaves as
PyTorch's: its storage ``QBuf`` (the integers; a dense kernel reaching for anything else gets
PyTorch's QuantizedCPU NotImplementedError), its front end ``QFrontend`` (the primitives
``registry.bind`` sends it: integer moves computed, the rest refused in PyTorch's words), and
``QNew``, its ``new_*`` and ``type()`` methods as PyTorch's."""

from __future__ import annotations

from typing import Any

import numpy as np

from dlcore.registry import AVal

from .tensor import Tensor

_UNKNOWN_QUANTIZER = ('false INTERNAL ASSERT FAILED at "/__w/pytorch/pytorch/aten/src/ATen/quantized/'
                      'Quantizer.cpp":447, please report a bug to PyTorch. cannot call qscheme '
                      'on UnknownQuantizer')


def _not_run(op: str) -> NotImplementedError:
    return NotImplementedError(
        f"Could not run '{op}' with arguments from the 'QuantizedCPU' backend. This could be "
        "because the operator doesn't exist for this backend, or was omitted during the "
        "selective/custom build process (if using custom build).")

class QBuf:
    """The storage of a quantized tensor (what ``QTensor._buf`` is): its integers, with the
    shape and the integer dtype a shape rule reads.  A dense kernel or check that reaches for
    anything else gets PyTorch's NotImplementedError for the 'QuantizedCPU' backend."""

    __slots__ = ("ints",)
    quantized = True        # (what the buffer-type dispatch tests before taking it for CUDA)

    def __init__(self, ints: np.ndarray) -> None:
        self.ints = ints

    @property
    def shape(self) -> tuple:
        return self.ints.shape

    @property
    def dtype(self) -> np.dtype:
        return self.ints.dtype

    @property
    def ndim(self) -> int:
        return self.ints.ndim

    @property
    def size(self) -> int:
        return self.ints.size

    def __dlcore_aval__(self) -> AVal:
        return AVal(self.ints.shape, self.ints.dtype)

    def __getattr__(self, name: str):
        if name.startswith("__"):           # (copy, pickle-protocol probes: not a kernel)
            raise AttributeError(name)
        raise NotImplementedError(
            "Could not run this operation with arguments from the 'QuantizedCPU' backend "
            f"(it needs the float values ({name!r}) of a quantized tensor); call .dequantize() "
            "first")


#: primitives that only move or pick integers (views, slices, joins, picks by index): run on
#: a per-tensor quantized tensor's integers, the parameters kept, as PyTorch's QuantizedCPU
#: kernels for reshape/permute/expand/index_select/...
_MOVES = frozenset({"broadcast_to", "broadcast_like", "transpose", "reshape", "reshape_like",
                    "expand_dims", "squeeze", "reverse_axes", "getitem", "getitem_ellipsis",
                    "take", "identity", "stop_gradient", "flip", "tile"})


def _apply(prim, args, params):
    """A primitive with a quantized operand (``registry.bind`` sends it here)."""
    first = args[0]
    if prim.name in _MOVES and first.is_quantized and not first.is_per_channel and all(
            not getattr(a, "is_quantized", False) for a in args[1:]):
        from dlcore.registry import bind
        rest = tuple(a._buf if isinstance(a, Tensor) else a for a in args[1:])
        return first._like(bind(prim, first._int, *rest, **params))
    raise _not_run(f"aten::{prim.name}")


class QFrontend:
    apply = staticmethod(_apply)

def _plain(name: str):
    """``Tensor.<name>`` (a method the eager front end installs on the class)."""
    return getattr(Tensor, name)


class QNew:
    """``new_zeros``/``new_ones``/``new_full``/``new_empty``/``new_tensor`` and ``type()`` of
    a quantized tensor, as PyTorch's: with a ``dtype=`` that is no quantized one they make a
    plain tensor; without, PyTorch's errors (it has no quantizer to give the result)."""

    __slots__ = ()
    dtype: Any
    _QDTYPES: frozenset = frozenset()       # (set by _qtensor: quint8, qint8, qint32)

    def _new_plain(self, kwargs: dict) -> bool:
        """Whether a ``new_*`` call names a dtype that is no quantized one (then it makes a
        plain tensor, as PyTorch's; q only lends its device)."""
        dtype = kwargs.get("dtype")
        return dtype is not None and dtype not in self._QDTYPES

    def new_zeros(self, *size, **kwargs) -> Tensor:
        if self._new_plain(kwargs):
            return _plain("new_zeros")(self, *size, **kwargs)
        raise _not_run("aten::zero_")

    def new_ones(self, *size, **kwargs) -> Tensor:
        if self._new_plain(kwargs):
            return _plain("new_ones")(self, *size, **kwargs)
        raise RuntimeError(_UNKNOWN_QUANTIZER)

    def new_full(self, size, fill_value, **kwargs) -> Tensor:
        if self._new_plain(kwargs):
            return _plain("new_full")(self, size, fill_value, **kwargs)
        raise RuntimeError(_UNKNOWN_QUANTIZER)

    def new_empty(self, *size, **kwargs) -> Tensor:
        if self._new_plain(kwargs):
            return _plain("new_empty")(self, *size, **kwargs)
        # (PyTorch's is a quantized tensor without a quantizer: its qscheme(), q_scale(),
        # printing all fail; nothing usable to copy)
        raise NotImplementedError("dlcore_eager: new_empty of a quantized tensor without a "
                                  "dtype= is not supported (PyTorch's result has no "
                                  "quantizer); use torch.empty_like(q)")

    def new_tensor(self, data, **kwargs) -> Tensor:
        if self._new_plain(kwargs):
            return _plain("new_tensor")(self, data, **kwargs)
        raise RuntimeError("store_scalar: invalid type")

    def type(self, dtype=None, non_blocking: bool = False, **kwargs):
        """``'torch.quantized.QUInt8Tensor'`` without an argument (PyTorch's name); any
        conversion is refused, as PyTorch's."""
        if dtype is None:
            return f"torch.quantized.{self.dtype._legacy}Tensor"
        return self.to(dtype)  # type: ignore[attr-defined]

