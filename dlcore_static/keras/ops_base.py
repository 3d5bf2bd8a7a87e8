"""Shared pieces of ``keras.ops`` (``ops_math``, ``ops_nn``, ``ops_core``): the ``tf``
namespace read at call time, conversion of NumPy values and Python numbers to graph tensors,
and Keras 3's dtype rules (``keras.backend.result_type``: a Python number is weak, an int
tensor beside a float one takes the float's dtype, int ops of floating maths give float32)."""

from __future__ import annotations

import numbers
import sys

import numpy as np

from ..graph import Tensor

FLOATX = "float32"


def tf():
    """The ``tf`` namespace (the package imported this module: read at call time)."""
    return sys.modules["dlcore_static"]


def dname(x) -> str:
    """The dtype name of a graph tensor."""
    return np.dtype(x.dtype.as_numpy_dtype).name


def t(x, dtype=None):
    """A graph tensor of ``x``: a Python float as float32, a Python int as int32 (Keras 3's
    convert_to_tensor), a NumPy array as its own dtype."""
    if isinstance(x, Tensor):
        return x if dtype is None or dname(x) == np.dtype(dtype).name else tf().cast(x, dtype)
    if dtype is None:
        if isinstance(x, bool):
            dtype = "bool"
        elif isinstance(x, numbers.Integral) and not isinstance(x, np.generic):
            dtype = "int32"
        elif isinstance(x, numbers.Real) and not isinstance(x, np.generic):
            dtype = FLOATX
        elif isinstance(x, (list, tuple)):
            a = np.asarray(x)
            dtype = {"f": FLOATX, "i": "int32", "u": "int32", "b": "bool"}.get(a.dtype.kind)
        elif isinstance(x, np.ndarray) and x.dtype == np.float64 and x.ndim == 0:
            dtype = None
    return tf().convert_to_tensor(np.asarray(x, dtype=dtype) if dtype is not None and
                                  not hasattr(x, "op") else x,
                                  dtype=None if dtype is None else tf().as_dtype(dtype))


def is_float(x) -> bool:
    return np.dtype(x.dtype.as_numpy_dtype).kind in "fc"


def to_float(x):
    """``x`` as a tensor, an int or bool one cast to float32 (Keras 3's floating ops)."""
    x = t(x)
    return x if is_float(x) else tf().cast(x, FLOATX)


def _weak(v) -> bool:
    return isinstance(v, numbers.Number) and not isinstance(v, (np.generic, np.ndarray))


def result_type(*dts: str) -> str:
    """Keras 3's promotion of tensor dtypes (JAX's lattice): bool < ints < floats; an int
    beside a float takes the float; two ints as NumPy, uint64+int promotes to float32."""
    dts = tuple(np.dtype(d).name for d in dts)
    floats = [d for d in dts if np.dtype(d).kind == "f"]
    if floats:
        return np.result_type(*floats).name
    ints = [d for d in dts if np.dtype(d).kind in "iu"]
    if ints:
        r = np.result_type(*ints)
        return FLOATX if r.kind == "f" else r.name
    return dts[0]


def pair(x1, x2, floating: bool = False):
    """``x1``, ``x2`` as tensors of one dtype by Keras 3's rules (a Python number takes the
    tensor's dtype, or float32 for a float number beside an int tensor); ``floating``: ints
    cast to float32 (true division and other floating maths)."""
    w1, w2 = _weak(x1), _weak(x2)
    if w1 and not w2:
        b = t(x2)
        d = dname(b)
        if isinstance(x1, float) and np.dtype(d).kind in "iub":
            d = FLOATX
        elif isinstance(x1, int) and not isinstance(x1, bool) and d == "bool":
            d = "int32"
        a = t(x1, d)
    elif w2 and not w1:
        b2, a2 = pair(x2, x1, floating)
        return a2, b2
    else:
        a, b = t(x1), t(x2)
        d = result_type(dname(a), dname(b))
    if floating and np.dtype(d).kind in "iub":
        d = FLOATX
    return t(a, d), t(b, d)


def axis_len(x, axis: int):
    """``x``'s length along ``axis``: a number when known, else a scalar tensor."""
    n = x.shape.as_list()[axis]
    return n if n is not None else tf().shape(x)[axis]


def rank(x) -> int:
    return len(x.shape.as_list())


def axes(axis, nd: int):
    """``axis`` (None, an int, a sequence) as a sorted list of non-negative axes."""
    if axis is None:
        return list(range(nd))
    if isinstance(axis, numbers.Integral):
        axis = [axis]
    out = sorted(int(a) % nd if nd else int(a) for a in axis)
    return out


def check(cond: bool, op: str, msg: str) -> None:
    if not cond:
        raise ValueError(f"keras.ops.{op}: {msg}")
