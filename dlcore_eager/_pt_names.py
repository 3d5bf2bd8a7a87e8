"""The names a ``torch.save`` pickle stream may import (``_resolve``: an exact whitelist, nothing
looked up), the placeholder values the parser builds for them, and ``_structure``: the parsed
objects as dlcore_eager's structure format, each container converted once (a container shared
in the file stays one object after loading, as ``torch.load`` gives; nothing is expanded)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np

from dlcore import dtypes as _dt

ErrorFactory = Callable[[str], Exception]
MAX_NODES = 5_000_000                # structure nodes in all (a fixed cap, not the file's size)

_STORAGES = {"FloatStorage": np.float32, "DoubleStorage": np.float64,
             "HalfStorage": np.float16, "LongStorage": np.int64, "IntStorage": np.int32,
             "ShortStorage": np.int16, "CharStorage": np.int8, "ByteStorage": np.uint8,
             "BoolStorage": np.bool_, "ComplexFloatStorage": np.complex64,
             "ComplexDoubleStorage": np.complex128, "BFloat16Storage": None,
             "QInt8Storage": np.int8, "QUInt8Storage": np.uint8, "QInt32Storage": np.int32}
#: The quantized dtypes' names by their integer storage (``_rebuild_qtensor``'s tensors).
_QDTYPE_OF = {np.dtype(np.int8): "qint8", np.dtype(np.uint8): "quint8",
              np.dtype(np.int32): "qint32"}
_QSCHEMES = {"per_tensor_affine", "per_channel_affine"}



class _Global:
    """A name the stream imports; only whitelisted ones are ever created."""

    def __init__(self, kind: str, value: Any = None) -> None:
        self.kind, self.value = kind, value


class _TRef:
    """A tensor of the file: its array's name, location, requires_grad, whether a Parameter."""

    def __init__(self, name: str, loc: str, rg: bool, param: bool = False) -> None:
        self.name, self.loc, self.rg, self.param = name, loc, rg, param


class _NpDtype:
    """``numpy.dtype(code, False, True)``; its byte order comes with BUILD."""

    def __init__(self, dt: np.dtype) -> None:
        self.dtype = dt


class _NpArray:
    """``numpy.core.multiarray._reconstruct(ndarray, (0,), b'b')``; filled by BUILD."""

    def __init__(self) -> None:
        self.name: str | None = None


_TORCH_DTYPES = {"float32", "float64", "float16", "bfloat16", "int8", "int16", "int32", "int64",
                 "uint8", "bool", "complex64", "complex128", "half", "float", "double", "long",
                 "int", "short", "cfloat", "cdouble", "qint8", "quint8", "qint32"}
_NP_CODES = {"b1", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "f2", "f4", "f8", "c8",
             "c16"}


class _Value:
    """A torch value that is data (a device, a Size, a dtype, a layout): one structure node."""

    def __init__(self, key: str, value: Any) -> None:
        self.key, self.value = key, value


class _QRef:
    """A quantized tensor of the file (``_rebuild_qtensor``): its integers' ``_TRef``, its
    dtype's name and its quantizer: ``(scheme, scale, zero_point)`` per tensor, ``(scheme,
    scales _TRef, zero_points _TRef, axis)`` per channel."""

    def __init__(self, ints: _TRef, dtype: str, params: tuple) -> None:
        self.ints, self.dtype, self.params = ints, dtype, params


class _Storage:
    def __init__(self, key: str, array: np.ndarray, loc: str, quantized: str | None = None
                 ) -> None:
        self.key, self.array, self.loc = key, array, loc
        self.quantized = quantized       # "QInt8Storage" & co.: only _rebuild_qtensor reads it


_MARK = object()


def _resolve(module: str, name: str, error: ErrorFactory) -> _Global:
    full = f"{module}.{name}"
    if full in ("collections.OrderedDict", "torch._utils.OrderedDict"):
        return _Global("odict")
    if full == "torch._utils._rebuild_tensor_v2":
        return _Global("tensor")
    if full == "torch._utils._rebuild_tensor":
        return _Global("tensor_v1")
    if full in ("torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state"):
        return _Global("parameter")
    if module == "torch" and name in _STORAGES:
        code = _STORAGES[name]
        if code is None:
            if _dt.bfloat16 is None:
                raise error("a bfloat16 tensor needs the ml_dtypes package (pip install ml_dtypes)")
            return _Global("storage_type", _dt.bfloat16)
        st = _Global("storage_type", np.dtype(code))
        st.quantized = name if name.startswith("Q") else None  # type: ignore[attr-defined]
        return st
    if module in ("numpy", "numpy.core.multiarray", "numpy._core.multiarray") and name in (
            "dtype", "scalar", "_reconstruct", "ndarray"):
        return _Global("np_" + name.lstrip("_"))
    if module in ("numpy.core.numeric", "numpy._core.numeric") and name == "_frombuffer":
        return _Global("np_frombuffer")                    # (pickle protocol 5's arrays)
    if full == "torch._utils._rebuild_qtensor":
        return _Global("qtensor")
    if module == "torch" and name in _QSCHEMES:
        return _Global("qscheme", name)                    # a value (not called)
    if full in ("_codecs.encode", "codecs.encode"):
        return _Global("encode")
    if module == "torch" and name in _TORCH_DTYPES:
        return _Global("dtype", name)                      # a dtype value (not called)
    if full == "torch.serialization._get_layout":
        return _Global("layout")
    if full == "torch.Size":
        return _Global("size")
    if full == "torch.device":
        return _Global("device")
    from ._safe_globals import listed
    hint = ""
    if listed(full):
        hint = ("; add_safe_globals lists it for PyTorch's unpickler, which constructs it, but "
                "dlcore never runs a file's classes or functions")
    elif module.startswith(("torch.nn.", "torch.optim.", "__main__")) or (
            name[:1].isupper() and not module.startswith(("builtins", "os", "sys", "subprocess"))):
        hint = ("; a whole object (torch.save(model)) needs its code: save model.state_dict() "
                "with torch.save and load that into the model")
    raise error(f"the pickle stream imports {full[:100]!r}, which is not a tensor, storage or "
                "container (dlcore_eager.load never runs code from a file; only what "
                f"torch.load(weights_only=True) accepts for tensors and containers is read){hint}")



def _structure(obj: Any, error: ErrorFactory, limit: int) -> Any:
    """The parsed objects as dlcore_eager's structure: each container converted once, so one
    shared in the file (``l1 = [l0, l0]; l2 = [l1, l1]; ...``) is one node referenced again,
    never expanded (``serialization._Reader.decode`` keeps that sharing); nesting deeper than
    100 is refused, and so are more than ``limit`` nodes in all."""
    memo: dict[int, Any] = {}
    count = [0]

    def conv(o, depth):
        if depth > 100:
            raise error("the object is nested too deeply (more than 100 levels)")
        count[0] += 1
        if count[0] > limit:
            raise error(f"the object holds more than {limit} values (the limit for a tensor "
                        "file)")
        if isinstance(o, _TRef):
            out = {"__tensor__": o.name, "requires_grad": o.rg}
            if o.loc != "cpu":
                out["device"] = o.loc
            if o.param:
                out["parameter"] = True
            return out
        if isinstance(o, _Value):
            return {o.key: o.value}
        if isinstance(o, _QRef):
            qnode: dict[str, Any] = {"int_repr": o.ints.name, "dtype": o.dtype,
                                     "qscheme": o.params[0]}
            if len(o.params) == 3:
                qnode["scale"], qnode["zero_point"] = o.params[1], o.params[2]
            else:
                qnode["scales"], qnode["zero_points"] = o.params[1].name, o.params[2].name
                qnode["axis"] = o.params[3]
            return {"__qtensor__": qnode}
        if isinstance(o, _Global) and o.kind == "dtype":
            return {"__dtype__": o.value}
        if isinstance(o, _NpArray):
            if o.name is None:
                raise error("a NumPy array without data")
            return {"__ndarray__": o.name}
        if isinstance(o, dict):
            if id(o) in memo:
                return memo[id(o)]
            res: dict[str, Any] = {"__dict__": [[k, conv(v, depth + 1)] for k, v in o.items()]}
            if isinstance(o, OrderedDict):
                res["ordered"] = True
            memo[id(o)] = res
            return res
        if isinstance(o, (list, tuple)):
            if id(o) in memo:
                return memo[id(o)]
            items = [conv(v, depth + 1) for v in o]
            node = items if isinstance(o, list) else {"__tuple__": items}
            memo[id(o)] = node
            return node
        if o is None or isinstance(o, (str, bool, int, float, complex, bytes, bytearray)):
            return o
        what = o.kind if isinstance(o, _Global) else type(o).__name__
        raise error(f"the object holds a {what}, which is not data")

    return conv(obj, 0)
