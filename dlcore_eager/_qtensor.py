"""Quantized tensors, as PyTorch's (``torch.quantize_per_tensor``, ``quantize_per_channel``).

A quantized tensor holds integers ``q`` (its ``int_repr()``: uint8 for ``torch.quint8``, int8
for ``torch.qint8``, int32 for ``torch.qint32``) and the affine map back to real numbers::

    per tensor:   x = (q - zero_point) * scale
    per channel:  x[..., c, ...] = (q[..., c, ...] - zero_points[c]) * scales[c]   (c on ``axis``)

Quantizing rounds ``zero_point + x * (1 / scale)`` to the nearest integer (ties to even) in
float32 and clamps to the dtype's range, with PyTorch's CPU roundings (``quantize_array``), so
the integers are the ones PyTorch stores for the same input.  ``QTensor`` is a ``Tensor``
subclass (``isinstance(q, torch.Tensor)`` holds, as in PyTorch), as sparse tensors are: its
``_buf`` is a ``_qbase.QBuf`` (the integers, never a float array) and its front end
(``_qbase.QFrontend``) gets every primitive applied to it: integer moves (reshape, permute,
expand, slicing, index_select, flip, ...) run on the integers with the parameters kept, as
PyTorch's QuantizedCPU kernels; the rest raise PyTorch's "Could not run 'aten::...' with
arguments from the 'QuantizedCPU' backend" NotImplementedError.  Printing, ``dequantize``,
``int_repr``, the parameters, views, ``clone``/``detach``, saving and the functions PyTorch
runs on quantized tensors (``_qops``: relu, sigmoid, clamp, cat, ...) work.  CPU-only, as
PyTorch's.

The dynamic quantization of activations (``choose_qparams``, PyTorch's
``ChooseQuantizationParams`` with ``reduce_range``) lives here too, used by
``nn.quantized.dynamic``.
"""

from __future__ import annotations

import builtins
import math
from typing import Any

import numpy as np

from . import _dtype as D
from . import _format as F
from ._qbase import QBuf, QFrontend, QNew, _not_run
from .tensor import Size, Tensor

__all__ = [
    "QTensor",
    "choose_qparams",
    "dequantize",
    "per_channel_affine",
    "per_channel_affine_float_qparams",
    "per_channel_symmetric",
    "per_tensor_affine",
    "per_tensor_symmetric",
    "qint8",
    "qint32",
    "qscheme",
    "quant_error",
    "quantize_array",
    "quantize_per_channel",
    "quantize_per_tensor",
    "quint8",
]

class _QDtype(D.dtype):
    """A quantized dtype: a singleton (copies and deep copies are itself), whose integers are
    its ``np_dtype``; not in the NumPy -> dtype table (int8 arrays stay ``torch.int8``)."""

    __slots__ = ()

    def __reduce__(self):
        return (_qdtype_named, (self.name,))

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self


def _qdtype_named(name: str):
    return QDTYPES[name]


qint8 = _QDtype("qint8", np.int8, "QInt8")
quint8 = _QDtype("quint8", np.uint8, "QUInt8")
qint32 = _QDtype("qint32", np.int32, "QInt32")
QDTYPES = {"qint8": qint8, "quint8": quint8, "qint32": qint32}
#: (qmin, qmax) of each quantized dtype.
RANGES = {qint8: (-128, 127), quint8: (0, 255), qint32: (-(2 ** 31), 2 ** 31 - 1)}
QNew._QDTYPES = frozenset(RANGES)


class qscheme:
    """A quantization scheme: ``torch.per_tensor_affine`` and its kin."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"torch.{self.name}"

    def __reduce__(self):                 # (a singleton, as the dtypes)
        return (_qscheme_named, (self.name,))

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self


def _qscheme_named(name: str) -> qscheme:
    return QSCHEMES[name]


per_tensor_affine = qscheme("per_tensor_affine")
per_channel_affine = qscheme("per_channel_affine")
per_tensor_symmetric = qscheme("per_tensor_symmetric")
per_channel_symmetric = qscheme("per_channel_symmetric")
per_channel_affine_float_qparams = qscheme("per_channel_affine_float_qparams")
QSCHEMES = {q.name: q for q in (per_tensor_affine, per_channel_affine, per_tensor_symmetric,
                                per_channel_symmetric, per_channel_affine_float_qparams)}

_F32 = np.dtype(np.float32)
_ONES = np.float32(1.0)
_ASSERT = ("Expected quantizer->qscheme() == {} to be true, but got false.  (Could this error "
           "message be improved?  If so, please report an enhancement request to PyTorch.)")
_PER_CHANNEL_WANTED = "kPerChannelAffine || quantizer->qscheme() == kPerChannelAffineFloatQParams"


def quantize_array(x: np.ndarray, scale: float, zero_point: int, qdtype,
                   fused: bool = True) -> np.ndarray:
    """``clamp(rint(zero_point + x * (1 / scale)), qmin, qmax)`` in ``qdtype``'s integers, in
    float32 as PyTorch's CPU kernels: ``fused`` (FBGEMM's, for qint8 and quint8 per tensor and
    the dynamic activations) the multiply-add rounded once (AVX2's fma), else (qint32, per
    channel) the product rounded first."""
    qmin, qmax = RANGES[qdtype]
    inv = _ONES / np.float32(scale)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        if fused:    # a float32 x float32 product is exact in float64: one rounding, as fma
            r = (x.astype(np.float64) * np.float64(inv) + zero_point).astype(_F32)
        else:
            r = x.astype(_F32, copy=False) * inv + np.float32(zero_point)
        r = np.asarray(np.rint(r), np.float64)
    r = np.where(np.isnan(r), zero_point, np.clip(r, qmin, qmax))
    return r.astype(qdtype.np_dtype)


def quant_error(v) -> str:
    """A short description of ``v`` for error messages."""
    if isinstance(v, QTensor):
        return f"a {v.dtype} quantized tensor of shape {list(v.shape)}"
    if isinstance(v, Tensor):
        return f"a {v.dtype} tensor of shape {list(v.shape)}"
    return f"a {type(v).__name__}"


def choose_qparams(mn: float, mx: float, qmin: int, qmax: int,
                   reduce_range: bool = False) -> tuple[float, int]:
    """PyTorch's ``ChooseQuantizationParams`` (quant_utils.h): the range widened to hold 0, the
    scale ``(max - min) / (qmax - qmin)`` (float32; 0.1 when it is 0), scales under 6.1e-5
    raised to it, and the zero point from whichever end loses less, rounded and clamped.
    ``reduce_range`` halves the integer range (FBGEMM's activations: 0..127)."""
    if reduce_range:
        qmin, qmax = qmin // 2, qmax // 2
    mn, mx = min(float(mn), 0.0), max(float(mx), 0.0)
    scale = float(np.float32((mx - mn) / (qmax - qmin)))
    if scale == 0.0 or math.isinf(float(_ONES / np.float32(scale))):
        scale = 0.1
    small = float(np.float32(6.1e-5))
    if scale < small:
        org, scale = scale, small
        if mn == 0.0:
            mx = small * (qmax - qmin)
        elif mx == 0.0:
            mn = -small * (qmax - qmin)
        else:
            mn, mx = mn * (small / org), mx * (small / org)
    from_min, from_max = qmin - mn / scale, qmax - mx / scale
    err_min = abs(qmin) - abs(mn / scale)
    err_max = abs(qmax) - abs(mx / scale)
    initial = from_min if err_min < err_max else from_max
    zp = qmin if initial < qmin else qmax if initial > qmax else int(np.rint(initial))
    return float(np.float32(scale)), zp


def _float_input(x, what: str) -> np.ndarray:
    if not isinstance(x, Tensor):
        raise TypeError(f"{what}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(x).__name__}")
    buf = x._buf
    if type(buf) is not np.ndarray:
        raise NotImplementedError(f"{what}: quantized tensors are CPU-only in dlcore_eager (as "
                                  "in PyTorch's CPU build); call .cpu() first")
    if buf.dtype != _F32:
        name = {"float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
                "bool": "Bool", "uint8": "Byte", "int8": "Char"}.get(buf.dtype.name,
                                                                    buf.dtype.name)
        raise RuntimeError(f"Quantize only works on Float Tensor, got {name}")
    return buf


def _qdtype(dtype) -> Any:
    if dtype not in RANGES:
        legacy = getattr(dtype, "_legacy", str(dtype))
        raise RuntimeError(f"ScalarType {legacy} is not supported in new_qtensor.")
    return dtype


def _scalar(v, cast):
    if isinstance(v, Tensor):
        if v.numel() != 1:
            raise RuntimeError("quantize_per_tensor: scale and zero_point must hold one value")
        return cast(np.asarray(v._buf).reshape(()).item())
    return cast(v)


def quantize_per_tensor(input, scale, zero_point, dtype) -> QTensor:
    """``torch.quantize_per_tensor``: float32 ``input`` -> a per-tensor affine QTensor."""
    if isinstance(input, (list, tuple)):
        return [quantize_per_tensor(t, s, z, dtype) for t, s, z in  # type: ignore[return-value]
                zip(input, scale, zero_point)]
    buf = _float_input(input, "quantize_per_tensor")
    dtype = _qdtype(dtype)
    scale, zero_point = _scalar(scale, float), _scalar(zero_point, int)
    qmin, qmax = RANGES[dtype]
    if zero_point > qmax:
        raise RuntimeError(f"quantize_tensor_per_tensor_affine zero_point {zero_point} is above "
                           "upper bound.")
    if zero_point < qmin:
        raise RuntimeError(f"quantize_tensor_per_tensor_affine zero_point {zero_point} is below "
                           "lower bound.")
    ints = quantize_array(buf, scale, zero_point, dtype, fused=dtype is not qint32)
    return QTensor(ints, dtype, per_tensor_affine, scale, zero_point)


def quantize_per_channel(input, scales, zero_points, axis: int, dtype) -> QTensor:
    """``torch.quantize_per_channel``: one (scale, zero point) per index of ``axis``."""
    buf = _float_input(input, "quantize_per_channel")
    for name, v, pos in (("scales", scales, 2), ("zero_points", zero_points, 3)):
        if not isinstance(v, Tensor):
            raise TypeError(f"quantize_per_channel(): argument '{name}' (position {pos}) must "
                            f"be Tensor, not {type(v).__name__}")
    dtype = _qdtype(dtype)
    s = np.asarray(scales._buf, np.float64).reshape(-1)
    z = np.asarray(zero_points._buf).reshape(-1).astype(np.int64)
    if s.size != z.size:
        raise RuntimeError("number of elements in scales and zero_points must match")
    if not 0 <= axis < buf.ndim:
        raise RuntimeError(f"Channel axis out of range in per channel affine quantization. "
                           f"Got: {axis}Expected: [0, {buf.ndim})")
    if s.size != buf.shape[axis]:
        raise RuntimeError(f"length of scales must equal to channel, expected {buf.shape[axis]} "
                           f"got, {s.size}")
    qmin, qmax = RANGES[dtype]
    out = np.empty(buf.shape, dtype.np_dtype)
    for c in range(s.size):
        if not qmin <= z[c] <= qmax:
            raise RuntimeError(f"quantize_tensor_per_channel_affine zero_point {z[c]} is out "
                               "of range.")
        idx = (slice(None),) * axis + (c,)
        out[idx] = quantize_array(buf[idx], float(s[c]), int(z[c]), dtype, fused=False)
    return QTensor(out, dtype, per_channel_affine, s, z, axis)


def dequantize(q):
    """``torch.dequantize``: a QTensor's float32 values (a float tensor is returned as is; a
    list of QTensors gives a list)."""
    if isinstance(q, (list, tuple)):
        return [dequantize(t) for t in q]
    if isinstance(q, QTensor):
        return q.dequantize()
    return q


class QTensor(QNew, Tensor):
    """A quantized tensor (see the module docstring): a ``Tensor`` subclass, so
    ``isinstance(q, torch.Tensor)`` holds as in PyTorch; its ``_buf`` is a ``QBuf``, and the
    primitives reach ``_qbase.QFrontend`` (integer moves computed, the rest refused)."""

    __slots__ = ("_axis", "_qscheme", "_scale", "_zero_point", "dtype")
    __dlcore_frontend__ = QFrontend
    is_quantized = True
    is_cuda = False
    is_sparse = False
    requires_grad = False
    grad = None
    grad_fn = None
    is_leaf = True

    def __init__(self, ints: np.ndarray, dtype, scheme: qscheme, scale, zero_point,
                 axis: int | None = None) -> None:
        self._buf = QBuf(ints)
        self._rg = False
        self._node = None
        self._acc = None
        self._grad = None
        self._vc = [0]
        self._hooks = None
        self._view = None
        self.dtype = dtype
        self._qscheme = scheme
        self._scale = scale                  # a float, or float64 scales per channel
        self._zero_point = zero_point        # an int, or int64 zero points per channel
        self._axis = axis

    @property
    def _int(self) -> np.ndarray:
        return self._buf.ints

    # ------------------------------------------------------------------ metadata
    @property
    def shape(self) -> Size:
        return Size(self._int.shape)

    def size(self, dim: int | None = None):
        return self.shape if dim is None else self._int.shape[dim]

    def dim(self) -> int:
        return self._int.ndim

    ndim = property(dim)

    def numel(self) -> int:
        return int(self._int.size)

    def element_size(self) -> int:
        return self._int.itemsize

    def stride(self, dim: int | None = None):
        st = tuple(s // self._int.itemsize for s in self._int.strides)
        return st if dim is None else st[dim]

    def __len__(self) -> int:
        if self._int.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._int.shape[0]

    @property
    def device(self):
        from dlcore.device import CPU
        return CPU

    @property
    def is_per_channel(self) -> bool:
        return self._axis is not None

    def qscheme(self) -> qscheme:
        return self._qscheme

    def q_scale(self) -> float:
        if self.is_per_channel:
            raise RuntimeError(_ASSERT.format("kPerTensorAffine"))
        return float(self._scale)

    def q_zero_point(self) -> int:
        if self.is_per_channel:
            raise RuntimeError(_ASSERT.format("kPerTensorAffine"))
        return int(self._zero_point)

    def _channel(self):
        if not self.is_per_channel:
            raise RuntimeError(_ASSERT.format(_PER_CHANNEL_WANTED))

    def q_per_channel_scales(self) -> Tensor:
        self._channel()
        return Tensor._wrap(np.array(self._scale, np.float64))

    def q_per_channel_zero_points(self) -> Tensor:
        self._channel()
        return Tensor._wrap(np.array(self._zero_point, np.int64))

    def q_per_channel_axis(self) -> int:
        self._channel()
        return int(self._axis)  # type: ignore[arg-type]

    # ------------------------------------------------------------------ values
    def int_repr(self) -> Tensor:
        """The stored integers (uint8 / int8 / int32), a copy."""
        return Tensor._wrap(np.array(self._int))

    def dequantize(self) -> Tensor:
        """``(q - zero_point) * scale`` as float32, PyTorch's arithmetic: per tensor the
        difference in int32 (wrapping for qint32, as PyTorch's) times the float32 scale; per
        channel in float64, rounded once."""
        if not self.is_per_channel:
            with np.errstate(over="ignore"):
                d = self._int.astype(np.int32) - np.int32(self._zero_point)
            return Tensor._wrap(d.astype(np.float32) * np.float32(self._scale))
        shape = [1] * self._int.ndim
        shape[self._axis] = -1  # type: ignore[index]
        z = np.asarray(self._zero_point, np.int64).reshape(shape)
        s = np.asarray(self._scale, np.float64).reshape(shape)
        return Tensor._wrap(((self._int.astype(np.int64) - z) * s).astype(np.float32))

    def _like(self, ints: np.ndarray) -> QTensor:
        return QTensor(ints, self.dtype, self._qscheme, self._scale, self._zero_point,
                       self._axis)

    def _per_tensor_only(self, what: str) -> None:
        if self.is_per_channel:
            raise NotImplementedError(f"dlcore_eager: {what} of a per-channel quantized tensor "
                                      "is not supported")

    def __getitem__(self, index) -> QTensor:
        if self.is_per_channel:
            if self._axis == 0 and isinstance(index, int):
                return QTensor(np.array(self._int[index]), self.dtype, per_tensor_affine,
                               float(self._scale[index]),
                               int(self._zero_point[index]))
            self._per_tensor_only("indexing")
        if isinstance(index, Tensor):
            index = np.asarray(index._buf)
        return self._like(np.array(self._int[index]))

    def reshape(self, *shape) -> QTensor:
        self._per_tensor_only("reshape")
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return self._like(self._int.reshape(shape))

    view = reshape

    def flatten(self) -> QTensor:
        return self.reshape(-1)

    def t(self) -> QTensor:
        self._per_tensor_only("t()")
        if self._int.ndim > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is "
                               f"{self._int.ndim}D")
        return self._like(self._int.T)

    T = property(t)

    def transpose(self, dim0: int, dim1: int) -> QTensor:
        self._per_tensor_only("transpose")
        return self._like(np.swapaxes(self._int, dim0, dim1))

    def contiguous(self, memory_format=None) -> QTensor:
        return self._like(np.ascontiguousarray(self._int))

    def is_contiguous(self, memory_format=None) -> bool:
        return bool(self._int.flags.c_contiguous)

    def clone(self, memory_format=None) -> QTensor:
        return self._like(np.array(self._int))

    def detach(self) -> QTensor:
        return self._like(self._int)


    # (q.sigmoid(), q.clamp(), q.clip(): set by _qops)

    def __deepcopy__(self, memo) -> QTensor:
        scale, zp = self._scale, self._zero_point
        if self.is_per_channel:
            scale, zp = np.array(scale), np.array(zp)
        return QTensor(np.array(self._int), self.dtype, self._qscheme, scale, zp, self._axis)

    def cpu(self) -> QTensor:
        return self

    def to(self, *args, **kwargs) -> QTensor:
        for a in list(args) + list(kwargs.values()):
            if isinstance(a, D.dtype) and a is not self.dtype:
                raise RuntimeError("Creation of quantized tensor requires quantized dtype like "
                                   "torch.quint8")
            if str(a).startswith("cuda"):
                raise NotImplementedError("dlcore_eager: quantized tensors are CPU-only, as in "
                                          "PyTorch's CPU build")
        return self

    def float(self) -> QTensor:
        return self.to(D.float32)

    def requires_grad_(self, requires_grad: bool = True) -> QTensor:
        if requires_grad:
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        return self

    def backward(self, *args, **kwargs) -> None:
        raise RuntimeError("element 0 of tensors does not require grad and does not have a "
                           "grad_fn")

    def numpy(self, *args, **kwargs):
        raise TypeError(f"Got unsupported ScalarType {self.dtype._legacy}")

    def tolist(self):
        raise RuntimeError("load_scalar: invalid type")

    def item(self) -> builtins.float:
        """The one value, dequantized (a float), as PyTorch's."""
        if self._int.size != 1:
            raise RuntimeError(f"a Tensor with {self._int.size} elements cannot be converted "
                               "to Scalar")
        return float(self.dequantize()._buf.reshape(()))

    def _requantized(self, values: np.ndarray) -> QTensor:
        """Float results of an op PyTorch runs on quantized tensors (mean), quantized back with
        this tensor's parameters, as PyTorch's kernels do."""
        self._per_tensor_only("this operation")
        ints = quantize_array(np.asarray(values, _F32), float(self._scale),
                              int(self._zero_point), self.dtype, fused=self.dtype is not qint32)
        return self._like(ints)

    def mean(self, dim=None, keepdim: bool = False, dtype=None) -> QTensor:
        vals = self.dequantize()._buf
        axis = tuple(dim) if isinstance(dim, (list, tuple)) else dim
        return self._requantized(vals.mean(axis=axis, keepdims=keepdim, dtype=_F32))

    def max(self) -> QTensor:
        self._per_tensor_only("max")
        return self._like(np.array(self._int.max()))

    def min(self) -> QTensor:
        self._per_tensor_only("min")
        return self._like(np.array(self._int.min()))

    def relu(self) -> QTensor:
        """max(x, 0): the integers clamped below at the zero point (PyTorch's quantized
        relu, which keeps the input's parameters; per tensor only, as PyTorch's)."""
        if self.is_per_channel:
            raise RuntimeError(_ASSERT.format("kPerTensorAffine"))
        return self._like(np.maximum(self._int, self._int.dtype.type(self._zero_point)))

    def relu_(self) -> QTensor:
        """``relu`` written into this tensor's integers."""
        self._int[...] = self.relu()._int
        return self

    def unsqueeze(self, dim: int) -> QTensor:
        self._per_tensor_only("unsqueeze")
        return self._like(np.expand_dims(self._int, dim if dim >= 0 else dim + self.dim() + 1))

    def squeeze(self, dim=None) -> QTensor:
        self._per_tensor_only("squeeze")
        if dim is not None and self._int.shape[dim] != 1:
            return self
        return self._like(np.squeeze(self._int, axis=dim))

    def permute(self, *dims) -> QTensor:
        self._per_tensor_only("permute")
        if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
            dims = tuple(dims[0])
        return self._like(np.transpose(self._int, dims))

    @property  # type: ignore[misc]
    def data(self) -> QTensor:  # type: ignore[override]
        return self.detach()

    def __eq__(self, other):
        if isinstance(other, QTensor):
            return self.dequantize() == other.dequantize()
        return NotImplemented

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        deq = self.dequantize()._buf
        prefix = "tensor("
        if deq.size == 0:
            body = np.array2string(deq, separator=", ", prefix=prefix)
        else:
            fmt, width = F._float_formatter(deq)
            body = F._tensor_str(deq, len(prefix), deq.size > F.PRINT_OPTS["threshold"], fmt,
                                 width, int(F.PRINT_OPTS["edgeitems"]))
        sfx = [f"size={tuple(self._int.shape)}", f"dtype={self.dtype}",
               f"quantization_scheme={self._qscheme}"]
        if self.is_per_channel:
            sfx += [f"scale={self.q_per_channel_scales()!r}",
                    f"zero_point={self.q_per_channel_zero_points()!r}", f"axis={self._axis}"]
        else:
            sfx += [f"scale={self._scale!r}", f"zero_point={self._zero_point}"]
        return F._add_suffixes(prefix + body, sfx, len(prefix))

    __str__ = __repr__


def _refuse(op: str, exc: type = NotImplementedError):
    def method(self, *args, **kwargs):
        if exc is RuntimeError and not (args and isinstance(args[0], QTensor)):
            # (PyTorch's add of a number allocates its output first, and fails there)
            raise RuntimeError("empty_strided not supported on quantized tensors yet see "
                               "https://github.com/pytorch/pytorch/issues/74540")
        raise _not_run(op)
    method.__name__ = op.split("::")[-1].split(".")[0]
    return method


for _name, _op in (("__matmul__", "aten::mm.out"), ("__neg__", "aten::neg.out"),
                   ("__pow__", "aten::pow.Tensor_Scalar_out"), ("sum", "aten::sum.IntList_out"),
                   ("exp", "aten::exp.out"), ("abs", "aten::abs.out"),
                   ("matmul", "aten::mm.out"), ("mm", "aten::mm.out"),
                   ("prod", "aten::prod.int_out"), ("log", "aten::log.out"),
                   ("sqrt", "aten::sqrt.out"), ("softmax", "aten::_softmax.out")):
    setattr(QTensor, _name, _refuse(_op))
for _names, _op in ((("__add__", "__radd__", "add"), "aten::add.out"),
                    (("__sub__", "__rsub__", "sub"), "aten::sub.out"),
                    (("__mul__", "__rmul__", "mul"), "aten::mul.out"),
                    (("__truediv__", "__rtruediv__", "div"), "aten::div.out")):
    for _name in _names:      # (with a number: PyTorch's allocation error; two QTensors: no kernel)
        setattr(QTensor, _name, _refuse(_op, RuntimeError))
