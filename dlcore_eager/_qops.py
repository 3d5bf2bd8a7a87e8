"""The torch functions PyTorch runs on quantized tensors: ``torch.relu``/``relu_``,
``F.relu`` (``inplace=`` too, so ``nn.ReLU``), ``torch.cat``/``concat``/``concatenate`` and
``torch.stack`` of per-tensor quantized tensors (``QTensor``, ``_qtensor``); ``torch.clamp``/
``clip``, ``F.hardtanh``/``relu6`` (the integers clamped at the quantized bounds),
``F.leaky_relu`` (the float result quantized with the input's parameters), ``torch.flatten``.

* relu: ``max(x, 0)`` on the integers, clamped below at the zero point; the input's scale and
  zero point kept (PyTorch's quantized relu); in place, the same integers written.  A
  per-channel tensor: PyTorch's ``kPerTensorAffine`` RuntimeError.
* cat (and stack, a cat of the tensors with a new dimension): the result has the first
  tensor's dtype, scale and zero point; every other tensor with other parameters is
  dequantized and quantized again with them (PyTorch's ``quantized_cat``, with its
  UserWarning "All inputs of this cat operator must share the same quantization
  parameters..."); different dtypes: "All dtypes must be the same."; a per-channel tensor:
  "Only per-tensor quantization is supported in 'cat'!"; a float tensor among quantized ones:
  PyTorch's "Could not run 'aten::qscheme'" NotImplementedError.

A QTensor's primitives are refused by its front end (``_qtensor._QFrontend``), so these
functions are checks in ``_dtype_guards_nn.CHECKS`` (beneath the lane's fast entries: a call
of plain tensors pays nothing on the lane, one test of the first argument's type otherwise),
and ``QTensor`` methods where PyTorch has them (``q.sigmoid()``, ``q.clamp()``).
``torch.empty_like``/``ones_like``/``full_like`` of a quantized tensor give one with its
parameters; ``zeros_like``, ``rand_like``, ``randn_like`` are refused as PyTorch's.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from . import _qwrite
from ._qbase import _not_run
from ._qtensor import _ASSERT, QTensor, qint8, qint32, quantize_array, quint8

_F32 = np.dtype(np.float32)
_MIXED = ("Could not run 'aten::qscheme' with arguments from the 'CPU' backend. This could be "
          "because the operator doesn't exist for this backend, or was omitted during the "
          "selective/custom build process (if using custom build).")
_SHARED = ("All inputs of this cat operator must share the same quantization parameters. "
           "Otherwise large numerical inaccuracies may occur.")


def relu(q: QTensor, inplace: bool = False) -> QTensor:
    return q.relu_() if inplace else q.relu()


def _per_tensor(q: QTensor) -> None:
    if q.is_per_channel:
        raise RuntimeError(_ASSERT.format("kPerTensorAffine"))


def _bound(q: QTensor, v) -> int:
    """A float bound as this tensor's integer (PyTorch's quantize_val: its rounding, clamped
    to the dtype's range)."""
    return int(quantize_array(np.array([float(v)], _F32), float(q._scale), int(q._zero_point),
                              q.dtype, fused=q.dtype is not qint32)[0])


def clamp(q: QTensor, lo=None, hi=None, inplace: bool = False) -> QTensor:
    """PyTorch's quantized clamp (hardtanh, relu6): the integers clamped at the quantized
    bounds, the parameters kept."""
    _per_tensor(q)
    ints = q._int
    if lo is not None:
        ints = np.maximum(ints, ints.dtype.type(_bound(q, lo)))
    if hi is not None:
        ints = np.minimum(ints, ints.dtype.type(_bound(q, hi)))
    if inplace:
        q._int[...] = ints
        return q
    return q._like(np.array(ints))


def leaky_relu(q: QTensor, slope: float = 0.01, inplace: bool = False) -> QTensor:
    """PyTorch's quantized leaky_relu: the float result quantized with the input's
    parameters."""
    _per_tensor(q)
    v = q.dequantize().numpy().astype(_F32, copy=False)
    ints = quantize_array(np.where(v >= 0, v, v * _F32.type(slope)).astype(_F32), float(
        q._scale), int(q._zero_point), q.dtype, fused=q.dtype is not qint32)
    if inplace:
        q._int[...] = ints
        return q
    return q._like(ints)


#: quantized sigmoid's fixed output parameters (PyTorch's qsigmoid: [0, 1) on the dtype's
#: steps, 1/256 for the 8-bit types, 1/2**32 for qint32, whose 0.5 and above saturate)
_SIGMOID_QPARAMS = {"quint8": (1.0 / 256, 0), "qint8": (1.0 / 256, -128),
                    "qint32": (2.0 ** -32, 0)}


def sigmoid(q: QTensor) -> QTensor:
    """PyTorch's quantized sigmoid: the float32 sigmoid of the dequantized input, quantized
    with fixed parameters whatever the input's: scale 1/256 and zero point 0 (quint8) or -128
    (qint8); scale 2**-32 and zero point 0 for qint32, so every value from 0.5 up saturates at
    2**31 - 1 (as PyTorch's).  The qint32 integers carry the float32 sigmoid's last bits:
    PyTorch's (SLEEF's exp) and this one (NumPy's) differ there by an ulp at times."""
    scale, zp = _SIGMOID_QPARAMS[q.dtype.name]
    _per_tensor(q)
    v = q.dequantize().numpy().astype(_F32, copy=False)
    with np.errstate(over="ignore"):
        y = (1.0 / (1.0 + np.exp(-v.astype(np.float64)))).astype(_F32)
    ints = quantize_array(y, scale, zp, q.dtype, fused=q.dtype is not qint32)
    return QTensor(ints, q.dtype, q._qscheme, scale, zp)


def _like_check(name: str):
    """``torch.<name>_like(q)`` of a quantized tensor, as PyTorch's: ``empty_like`` a tensor
    of q's parameters, ``ones_like``/``full_like`` the value quantized with them (per channel
    too), ``zeros_like``/``rand_like``/``randn_like`` refused (no zero_/uniform_/normal_
    kernel); another dtype, or requires_grad, refused in PyTorch's words."""
    fill = {"ones_like": 1.0, "empty_like": 0.0}.get(name)
    kernel = {"zeros_like": "aten::zero_", "rand_like": "aten::uniform_",
              "randn_like": "aten::normal_", "randint_like": "aten::random_.from"}.get(name)

    def check(args, kwargs):
        if not args or type(args[0]) is not QTensor:
            return None
        q = args[0]
        dtype = kwargs.get("dtype")
        if dtype is not None and dtype is not q.dtype:
            raise RuntimeError(
                "It is currently not supported to specify a dtype that doesn't match the input "
                "tensor's dtype via empty_like.  Specified: "
                f"{_c10_name(dtype)} Input tensor's dtype: {_c10_name(q.dtype)}")
        if kwargs.get("requires_grad"):
            raise RuntimeError("Only Tensors of floating point and complex dtype can require "
                               "gradients")
        if kernel is not None:
            raise _not_run(kernel)
        value: Any = _arg(args, kwargs, 1, "fill_value") if name == "full_like" else fill
        return _filled(q, float(value))
    return check


_C10 = {"Float": "float", "Double": "double", "Long": "long int", "Int": "int",
        "Short": "short int", "Half": "c10::Half", "BFloat16": "c10::BFloat16",
        "Bool": "bool", "Byte": "unsigned char", "Char": "signed char",
        "ComplexFloat": "c10::complex<float>", "ComplexDouble": "c10::complex<double>"}


def _c10_name(dtype) -> str:
    """How PyTorch's C++ messages name a dtype (``c10::quint8``, ``float``, ``long int``)."""
    if dtype in (quint8, qint8, qint32):
        return f"c10::{dtype.name}"
    legacy = getattr(dtype, "_legacy", "")
    return _C10.get(legacy, legacy)


def _filled(q: QTensor, value: float) -> QTensor:
    """A quantized tensor of q's shape and parameters, every element ``value`` quantized."""
    shape = q._int.shape
    if not q.is_per_channel:
        return q._like(np.full(shape, _bound(q, value), q._int.dtype))
    ints = np.empty(shape, q._int.dtype)
    axis = int(q._axis)  # type: ignore[arg-type]
    for c in range(shape[axis]):
        idx = (slice(None),) * axis + (c,)
        ints[idx] = quantize_array(np.array([value], _F32), float(q._scale[c]),
                                   int(q._zero_point[c]), q.dtype, fused=False)[0]
    return q._like(ints)


def flatten(q: QTensor, start_dim: int = 0, end_dim: int = -1) -> QTensor:
    shape = q._int.shape
    n = len(shape)
    if n == 0:
        return q.reshape(1)
    a, b = _dim(start_dim, n), _dim(end_dim, n)
    if a > b:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    return q.reshape(shape[:a] + (int(np.prod(shape[a:b + 1])),) + shape[b + 1:])


def _arg(args, kwargs, i: int, name: str, default=None):
    return args[i] if len(args) > i else kwargs.get(name, default)


def _first_q(f):
    """``check(args, kwargs)``: ``f(q, args, kwargs)`` where the first argument is a QTensor,
    else None (the function as usual)."""
    def check(args, kwargs):
        x = args[0] if args else kwargs.get("input")
        return f(x, args, kwargs) if type(x) is QTensor else None
    return check


def _relu_check(inplace_always: bool):
    def check(args, kwargs):
        x = args[0] if args else kwargs.get("input")
        if type(x) is not QTensor:
            return None
        inplace = inplace_always or bool(args[1] if len(args) > 1 else
                                         kwargs.get("inplace", False))
        return relu(x, inplace)
    return check


def _dim(dim, ndim: int) -> int:
    if not -ndim <= dim < ndim:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-ndim}, "
                         f"{ndim - 1}], but got {dim})")
    return dim % ndim


def cat(tensors, dim: int = 0) -> QTensor:
    """PyTorch's cat of quantized tensors (see the module docstring)."""
    first = tensors[0]
    if any(type(t) is not QTensor for t in tensors):
        raise NotImplementedError(_MIXED)
    if any(t.dtype is not first.dtype for t in tensors):
        raise RuntimeError("All dtypes must be the same.")
    if any(t.is_per_channel for t in tensors):
        raise RuntimeError("Only per-tensor quantization is supported in 'cat'!")
    d = _dim(dim, first.dim())
    shape = first._int.shape
    for k, t in enumerate(tensors[1:], 1):
        s = t._int.shape
        if len(s) != len(shape) or any(a != b for i, (a, b) in enumerate(zip(s, shape))
                                       if i != d):
            bad = next((i for i, (a, b) in enumerate(zip(s, shape)) if i != d and a != b), d)
            raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. "
                               f"Expected size {shape[bad]} but got size {s[bad]} for tensor "
                               f"number {k} in the list.")
    scale, zp = float(first._scale), int(first._zero_point)
    parts = []
    for t in tensors:
        if float(t._scale) == scale and int(t._zero_point) == zp:
            parts.append(t._int)
            continue
        warnings.warn(_SHARED, UserWarning, stacklevel=3)
        vals = t.dequantize().numpy().astype(_F32, copy=False)
        parts.append(quantize_array(vals, scale, zp, first.dtype,
                                    fused=first.dtype is not qint32))
    return first._like(np.concatenate(parts, axis=d))


def _tensors(args, kwargs):
    ts = args[0] if args else kwargs.get("tensors")
    if isinstance(ts, (list, tuple)) and ts and any(type(t) is QTensor for t in ts):
        return ts
    return None


def _cat_check(stack: bool):
    def check(args, kwargs):
        ts = _tensors(args, kwargs)
        if ts is None:
            return None
        dim = args[1] if len(args) > 1 else kwargs.get("dim", 0)
        if kwargs.get("out") is not None:
            raise NotImplementedError(_MIXED)
        if stack:
            if any(type(t) is not QTensor for t in ts):
                raise NotImplementedError(_MIXED)
            d = _dim(dim, ts[0].dim() + 1)
            return cat([t.unsqueeze(d) for t in ts], d)
        return cat(ts, dim)
    return check


def checks() -> dict:
    """(namespace, name) -> check, for ``_dtype_guards_nn.CHECKS``."""
    out: dict = {("torch", "relu"): _relu_check(False), ("torch", "relu_"): _relu_check(True),
                 ("F", "relu"): _relu_check(False), ("F", "relu_"): _relu_check(True)}
    for name in ("cat", "concat", "concatenate"):
        out[("torch", name)] = _cat_check(False)
    out[("torch", "stack")] = _cat_check(True)
    for name in ("clamp", "clip"):
        out[("torch", name)] = _first_q(lambda q, a, kw: clamp(
            q, _arg(a, kw, 1, "min"), _arg(a, kw, 2, "max")))
    out[("F", "hardtanh")] = _first_q(lambda q, a, kw: clamp(
        q, _arg(a, kw, 1, "min_val", -1.0), _arg(a, kw, 2, "max_val", 1.0),
        bool(_arg(a, kw, 3, "inplace", False))))
    out[("F", "relu6")] = _first_q(lambda q, a, kw: clamp(
        q, 0.0, 6.0, bool(_arg(a, kw, 1, "inplace", False))))
    out[("F", "leaky_relu")] = _first_q(lambda q, a, kw: leaky_relu(
        q, _arg(a, kw, 1, "negative_slope", 0.01), bool(_arg(a, kw, 2, "inplace", False))))
    out[("torch", "sigmoid")] = out[("F", "sigmoid")] = _first_q(lambda q, a, kw: sigmoid(q))
    out[("torch", "tensor")] = _first_q(lambda q, a, kw: q.clone())         # (a copy)
    out[("torch", "as_tensor")] = _first_q(lambda q, a, kw: q)
    for name in ("zeros_like", "ones_like", "full_like", "empty_like", "rand_like",
                 "randn_like", "randint_like"):
        out[("torch", name)] = _like_check(name)
    out[("torch", "flatten")] = _first_q(lambda q, a, kw: flatten(
        q, _arg(a, kw, 1, "start_dim", 0), _arg(a, kw, 2, "end_dim", -1)))
    return out


def _chain(first, then):
    def check(args, kwargs):
        r = first(args, kwargs)
        return r if r is not None else then(args, kwargs)
    return check


def install(table: dict) -> None:
    """These checks into ``table``, each before the check already there for its function."""
    for key, check in checks().items():
        prev = table.get(key)
        table[key] = check if prev is None else _chain(check, prev)


def _clamp_method(self: QTensor, min=None, max=None) -> QTensor:
    return clamp(self, min, max)


setattr(QTensor, "sigmoid", sigmoid)  # noqa: B010  (the Tensor methods, for a quantized one)
_qwrite.install()                       # (copy_, fill_, q[i] = v, masked_fill, t_, ...)
setattr(QTensor, "clamp", _clamp_method)  # noqa: B010
setattr(QTensor, "clip", _clamp_method)  # noqa: B010
