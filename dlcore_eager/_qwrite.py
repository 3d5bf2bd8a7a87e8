"""Writes into a quantized tensor, as PyTorch 2.13 does them: ``q.copy_(src)`` (a float32
source quantized with q's parameters; a quantized one of q's dtype copied with its own
parameters, which q takes), ``fill_``, ``q[index] = value``, ``masked_fill_``/``masked_fill``
(the value quantized with q's parameters), the in-place moves ``t_``/``transpose_``/
``unsqueeze_``/``squeeze_`` and ``resize_`` of a contiguous tensor to as many elements (q's
integers viewed anew), and ``torch.tensor(q)`` (a copy) / ``torch.as_tensor(q)`` (q itself).

Without these the generic in-place paths met a quantized tensor's ``QBuf`` and took it for a
CUDA buffer (``q.copy_(x)``: "found at least two devices, cuda:0 and cpu!").  Installed on
``QTensor`` by ``_qops``."""

from __future__ import annotations

import numpy as np

from ._qbase import QBuf, _not_run
from ._qtensor import QTensor, qint32, quantize_array
from .tensor import Tensor

_F32 = np.dtype(np.float32)
_SHAPE = "Quantized copy only works with Tensors with the same shape"
_SCALAR_TYPE = ("Expected self.scalar_type() == src.scalar_type() to be true, but got false.  "
                "(Could this error message be improved?  If so, please report an enhancement "
                "request to PyTorch.)")


def quantized_like(q: QTensor, values) -> np.ndarray:
    """``values`` (float32, broadcast to nothing) as q's integers: its scale and zero point
    per tensor, or per channel along its axis, with PyTorch's roundings."""
    v = np.asarray(values, _F32)
    if not q.is_per_channel:
        return quantize_array(v, float(q._scale), int(q._zero_point), q.dtype,
                              fused=q.dtype is not qint32)
    axis = int(q._axis)  # type: ignore[arg-type]
    v = np.broadcast_to(v, q._int.shape)
    out = np.empty(q._int.shape, q._int.dtype)
    for c in range(q._int.shape[axis]):
        idx = (slice(None),) * axis + (c,)
        out[idx] = quantize_array(v[idx], float(q._scale[c]), int(q._zero_point[c]), q.dtype,
                                  fused=False)
    return out


def _value(v) -> np.ndarray:
    if isinstance(v, QTensor):
        return v.dequantize().numpy()
    if isinstance(v, Tensor):
        return np.asarray(v.detach().cpu().numpy(), _F32)
    return np.asarray(float(v), _F32)


def copy_(self: QTensor, src, non_blocking: bool = False) -> QTensor:
    if isinstance(src, QTensor):
        if src.dtype is not self.dtype:
            raise RuntimeError(_SCALAR_TYPE)
        if src._int.shape != self._int.shape:
            raise RuntimeError(_SHAPE)
        self._int[...] = src._int
        self._qscheme, self._axis = src._qscheme, src._axis
        self._scale, self._zero_point = (np.array(src._scale), np.array(src._zero_point)) \
            if src.is_per_channel else (src._scale, src._zero_point)
        return self
    if not isinstance(src, Tensor) or src._buf.dtype != _F32:
        raise RuntimeError("Quantized copy only works with kFloat as source Tensor")
    if tuple(src.shape) != self._int.shape:
        raise RuntimeError(_SHAPE)
    self._int[...] = quantized_like(self, _value(src))
    return self


def fill_(self: QTensor, value) -> QTensor:
    self._int[...] = quantized_like(self, np.broadcast_to(_value(value), self._int.shape))
    return self


def _per_tensor_write(self: QTensor, what: str) -> None:
    if self.is_per_channel:
        raise NotImplementedError(f"dlcore_eager: {what} of a per-channel quantized tensor is "
                                  "not supported")


def setitem(self: QTensor, index, value) -> None:
    _per_tensor_write(self, "indexed assignment")
    if isinstance(index, Tensor):
        index = np.asarray(index.numpy())
    elif isinstance(index, tuple):
        index = tuple(np.asarray(i.numpy()) if isinstance(i, Tensor) else i for i in index)
    self._int[index] = quantized_like(self, _value(value))


def masked_fill_(self: QTensor, mask, value) -> QTensor:
    _per_tensor_write(self, "masked_fill_")
    m = np.broadcast_to(np.asarray(mask.numpy(), bool), self._int.shape)
    self._int[m] = quantized_like(self, _value(value))
    return self


def masked_fill(self: QTensor, mask, value) -> QTensor:
    return masked_fill_(self.clone(), mask, value)


def _rebuffered(self: QTensor, moved: QTensor) -> QTensor:
    self._buf = QBuf(moved._int)        # (q's integers viewed anew: the same memory)
    return self


def resize_(self: QTensor, *sizes, memory_format=None) -> QTensor:
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = tuple(sizes[0])
    if int(np.prod(sizes, dtype=np.int64)) != self._int.size or \
            not self._int.flags.c_contiguous:
        raise _not_run("aten::resize_")
    return _rebuffered(self, self.reshape(sizes))


def install() -> None:
    methods = {
        "copy_": copy_, "fill_": fill_, "__setitem__": setitem, "masked_fill_": masked_fill_,
        "masked_fill": masked_fill, "resize_": resize_,
        "t_": lambda self: _rebuffered(self, self.t()),
        "transpose_": lambda self, d0, d1: _rebuffered(self, self.transpose(d0, d1)),
        "unsqueeze_": lambda self, dim: _rebuffered(self, self.unsqueeze(dim)),
        "squeeze_": lambda self, dim=None: _rebuffered(self, self.squeeze(dim)),
        "zero_": lambda self: (_ for _ in ()).throw(_not_run("aten::zero_")),
    }
    for name, f in methods.items():
        setattr(QTensor, name, f)


__all__ = ["install", "quantized_like"]
