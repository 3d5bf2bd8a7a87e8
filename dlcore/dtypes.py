"""Data types and type promotion.

dlcore's canonical dtype is a ``numpy.dtype``.  Nine are supported: float32 (the default for
floating values), float64, int32, int64, bool, the small integers int8, uint8 and int16, and
float16 (a storage type: Numba has no float16 arithmetic, so the eager front end computes each
op on float16 tensors in float32 and rounds the result, as PyTorch's CPU kernels do, and the
static front end stores float16 tensors as float32).  Promotion between two arrays follows NumPy
(``np.result_type``); a Python scalar is *weak* (NEP 50): it takes the array's kind and width
where it can, so ``float32_array * 2.0`` stays float32 and ``int32_array + 1`` stays int32, while
``int_array * 0.5`` becomes the default float.
"""

from __future__ import annotations

import numbers
from typing import Any, cast

import numpy as np

float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
int32 = np.dtype(np.int32)
int64 = np.dtype(np.int64)
bool_ = np.dtype(np.bool_)
int8 = np.dtype(np.int8)
uint8 = np.dtype(np.uint8)
int16 = np.dtype(np.int16)
float16 = np.dtype(np.float16)

SUPPORTED = (float32, float64, int32, int64, bool_, int8, uint8, int16, float16)
FLOATING = (float32, float64, float16)
default_float = float32
default_int = int64

_ALIASES: dict[str, np.dtype] = {
    "float32": float32, "float": float32, "float64": float64, "double": float64,
    "int32": int32, "int": int32, "int64": int64, "long": int64, "bool": bool_,
    "int8": int8, "uint8": uint8, "int16": int16, "float16": float16, "half": float16,
}


def is_floating(dtype: np.dtype) -> bool:
    """Is ``dtype`` (a ``numpy.dtype``) a floating-point type?  The one test of "floating" in
    dlcore (a NumPy extension float such as ml_dtypes' bfloat16 has kind ``'V'``, so
    ``dtype.kind == "f"`` is not asked anywhere else)."""
    return dtype.kind == "f"


def as_dtype(dtype) -> np.dtype:
    """Turn anything dtype-like (a name, a NumPy type, a front end's dtype object) into a
    supported ``numpy.dtype``; raise TypeError naming the dtype otherwise."""
    if isinstance(dtype, np.dtype) and dtype in SUPPORTED:
        return dtype
    # Front-end dtype objects (tf.float32, torch.float32) carry a numpy dtype.
    inner = getattr(dtype, "as_numpy_dtype", None) or getattr(dtype, "np_dtype", None)
    if inner is not None:
        return as_dtype(inner)
    if isinstance(dtype, str) and dtype in _ALIASES:
        return _ALIASES[dtype]
    if dtype is float:
        return default_float
    if dtype is int:
        return default_int
    if dtype is bool:
        return bool_
    try:
        d = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"dlcore: unsupported dtype {dtype!r}; expected one of "
                        f"{', '.join(d.name for d in SUPPORTED)}") from None
    if d not in SUPPORTED:
        raise TypeError(f"dlcore: unsupported dtype {d.name}; expected one of "
                        f"{', '.join(s.name for s in SUPPORTED)}")
    return d


_PY_SCALAR_TYPES = frozenset({bool, int, float})


def is_python_scalar(x) -> bool:
    t = type(x)
    if t is np.ndarray:          # fast paths first: this runs on every op dispatch
        return False
    if t in _PY_SCALAR_TYPES:
        return True
    if not isinstance(x, (bool, numbers.Number)) or isinstance(x, (np.ndarray, np.generic)):
        return False
    return np.ndim(cast(Any, x)) == 0       # (NumPy's stubs do not take a numbers.Number)


def scalar_dtype(value, other: np.dtype | None) -> np.dtype:
    """The dtype a weak Python scalar takes when combined with an array of dtype ``other``."""
    t = type(value)              # exact built-in types first (no ABC checks: dispatch cost)
    if t is float:
        return other if other is not None and is_floating(other) else default_float
    if t is int:
        return other if other is not None and (other.kind in "iu" or is_floating(other)) \
            else default_int
    if isinstance(value, bool):
        return other if other is not None else bool_
    if isinstance(value, numbers.Integral):
        if other is not None and (other.kind in "iu" or is_floating(other)):
            return other
        return default_int
    if isinstance(value, numbers.Real):
        if other is not None and is_floating(other):
            return other
        return default_float
    raise TypeError(f"dlcore: unsupported scalar {value!r} of type {type(value).__name__}")


def result_type(*dtypes: np.dtype) -> np.dtype:
    """NumPy promotion between array dtypes."""
    out = dtypes[0]
    for d in dtypes[1:]:
        if d != out:
            out = np.promote_types(out, d)
    return out
