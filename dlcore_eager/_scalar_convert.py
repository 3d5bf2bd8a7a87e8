"""A Python number converted to a tensor's dtype as PyTorch converts it (c10's checked_convert):
``scalar_as`` and ``python_int``, PyTorch's overflow errors.  A leaf module (NumPy only, and the
Tensor class to leave tensors alone): ``_operand_rules`` (the operand conventions) and
``_creation_args`` (``torch.full``'s fill value) both use it, and ``_operand_rules`` reaches
``creation``, which imports ``_creation_args``."""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from .tensor import Tensor

_Number = numbers.Number
_INT64_MAX = (1 << 63) - 1

_C_TYPES = {"int32": "int", "float32": "float", "float64": "double", "float16": "c10::Half",
            "bfloat16": "c10::BFloat16"}     # (C's name of a dtype; else <name>_t)
_FLOAT_MAX_BY_NAME = {"float16": 65504.0, "bfloat16": 3.3895313892515355e38,
                      "float32": 3.4028234663852886e38}
_HALF_MAX = (_FLOAT_MAX_BY_NAME["float16"], _FLOAT_MAX_BY_NAME["bfloat16"])
#: by dtype object: np.dtype.name costs ~1.7 us a call, a dict lookup by the dtype ~0.03 us
_FLOAT_MAX: dict = {}
_INT_INFO: dict = {}          # np.iinfo(dtype) (~0.6 us a call) kept per integer dtype


def _float_max(dtype: np.dtype):
    try:
        return _FLOAT_MAX[dtype]
    except KeyError:
        top = _FLOAT_MAX[dtype] = _FLOAT_MAX_BY_NAME.get(dtype.name)
        return top


def _overflow(dtype: np.dtype) -> RuntimeError:
    c_type = _C_TYPES.get(dtype.name, dtype.name + "_t")
    return RuntimeError(f"value cannot be converted to type {c_type} without overflow")


def python_int(value: int) -> None:
    """PyTorch's binding of a Python int as a Scalar: an int64, or a uint64 from 2**63."""
    if value >= 1 << 64:
        raise OverflowError("int too big to convert")
    if value < -(1 << 63):
        raise OverflowError("can't convert negative int to unsigned")


def rounded(value, dtype: np.dtype):
    """A real Python number as a float of the float dtype ``dtype`` (rounded as C casts it:
    past float16's range +-inf), where PyTorch converts without a check (a wrapped number of
    a binary op, ``torch.tensor`` data, a 0-d tensor's ``fill_``): the value NumPy then writes
    without its ``overflow encountered in cast`` warning, which PyTorch never gives."""
    top = _float_max(dtype)
    if top is None or not isinstance(value, (int, float, np.integer, np.floating)) or \
            isinstance(value, (bool, np.bool_)):
        return value
    f = float(value)
    if abs(f) <= top or math.isnan(f):
        return value
    with np.errstate(over="ignore"):
        return float(np.asarray(f, dtype=dtype))        # (65519 -> 65504, 65520 -> inf)


def fill_scalar(value, dtype: np.dtype, numel: int):
    """``value`` as PyTorch's fill (``full``, ``full_like``, ``new_full``, ``fill_``,
    ``fill_diagonal_``) converts it: ``scalar_as``'s checked conversion, but a CPU fill of one
    element takes ATen's ``scalar_fill``, whose float16/bfloat16 conversion is unchecked
    (``torch.full((1,), 1e20, dtype=torch.float16)`` is ``[inf]``, ``(2,)`` is refused)."""
    if numel == 1 and type(value) in (int, float) and _float_max(dtype) in _HALF_MAX:
        if type(value) is int:
            python_int(value)
        return rounded(value, dtype)
    return scalar_as(value, dtype)


def scalar_as(value, dtype: np.dtype):
    """A Python number as PyTorch converts it to a tensor's dtype (c10's checked_convert): an
    int beyond int64/uint64 refused as its binding does (OverflowError); for an integer or
    bool dtype a NumPy scalar of ``dtype`` (an int wrapped into an unsigned type as C does,
    down to -max; a float truncated, refused outside the dtype's range); a number that does
    not fit raises PyTorch's RuntimeError.  A float dtype keeps the number (refused beyond a
    float16/bfloat16/float32 range); a non-number is left as it is."""
    if isinstance(value, Tensor) or not isinstance(value, _Number):
        return value
    num: Any = value
    is_int = isinstance(value, (int, np.integer))
    if is_int and not isinstance(value, (bool, np.bool_)):
        if isinstance(value, np.unsignedinteger) and value > _INT64_MAX:
            raise TypeError("an integer is required")   # (PyTorch's parser: np.uint64 > int64)
        python_int(int(num))
    if dtype.kind not in "biu":
        top = _float_max(dtype)
        if top is not None and isinstance(value, (int, float, np.integer, np.floating)):
            f = float(value)
            if math.isfinite(f) and abs(f) > top:
                raise _overflow(dtype)
        return value
    if dtype.kind == "b":
        return np.bool_(bool(value))
    info = _INT_INFO.get(dtype)
    if info is None:
        info = _INT_INFO[dtype] = np.iinfo(dtype)
    v: int
    if is_int:
        v = int(num)
        if v > info.max or v < info.min and not (dtype.kind == "u" and -v <= info.max):
            raise _overflow(dtype)
    else:
        f = float(value)  # type: ignore[arg-type]  # (real: complex is refused by where)
        if not (info.min <= f <= info.max):             # (NaN too)
            raise _overflow(dtype)
        v = int(f)
    return np.array(v).astype(dtype)[()]
