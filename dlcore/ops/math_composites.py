"""Elementwise math composites: plain functions of primitives, no kernel or vjp of their own.

    frac(x)                 = x - trunc(x)                       dx = g
    lerp(a, b, w)           = a + w (b - a)
    round(x, decimals=d)    = rint(x 10^d) / 10^d      (PyTorch's definition; half to even)
    nan_to_num(x, nan, posinf, neginf)  NaN/+inf/-inf replaced (defaults: 0 and the dtype's
                                        largest/smallest finite value); gradient g where x was
                                        finite, 0 elsewhere
    logical_and/or/xor(a, b) = (a != 0) &, |, ^ (b != 0)         (bool)
    logical_not(x)           = (x == 0)                           (bool)
"""

from __future__ import annotations

import numpy as np

from .. import dtypes as _dt
from ..api import exports
from ..dtypes import finfo, is_floating
from ..registry import aval_of
from .composites import _via_float32
from .elementwise import _promote, add, div, equal, full_like, mul, not_equal, sub, where
from .math_binary import bitwise_and, bitwise_or, bitwise_xor, isinf, isnan
from .math_unary import rint, trunc


@exports({"torch": "frac", "Tensor": "frac"}, "unary", float_only=True)
def frac(x):
    """The fractional part, with the sign of ``x``: ``x - trunc(x)``."""
    return sub(x, trunc(x))


@exports({"torch": "lerp", "Tensor": "lerp"}, "args")
@_via_float32
def lerp(start, end, weight):
    """Linear interpolation, PyTorch's two forms: ``start + weight (end - start)`` where
    ``|weight| < 0.5``, else ``end - (end - start) (1 - weight)`` (``weight`` a tensor or
    number; the one form everywhere differed in rounding near ``weight = 1`` and gave
    ``-inf`` for PyTorch's NaN at an infinite ``end`` with a weight of -2)."""
    d = sub(end, start)
    if isinstance(weight, (int, float, complex, np.generic)):
        # (a number: its form chosen here; the small form keeps the number itself, so its
        # promotion is the one it always had; 1 - w of the other is a Python number, weak)
        n = np.asarray(weight)
        w: complex | float = complex(n) if np.iscomplexobj(n) else float(n)
        if isinstance(w, complex) and aval_of(d).dtype.kind != "c":
            w = w.real                          # (real operands take its real part)
        return add(start, mul(weight, d)) if abs(w) < 0.5 else sub(end, mul(d, 1 - w))
    from .elementwise import abs as abs_
    from .elementwise import less
    return where(less(abs_(weight), 0.5), add(start, mul(weight, d)),
                 sub(end, mul(d, sub(1.0, weight))))


@exports({"torch": "round", "Tensor": "round"}, "args")
def round_(x, decimals: int = 0):
    """Round half to even, at ``decimals`` digits after the point (negative: before it)."""
    if aval_of(x).dtype.kind in "iub":
        return x
    if decimals == 0:
        return rint(x)
    scale = 10.0 ** decimals
    return div(rint(mul(x, scale)), scale)


@exports({"torch": "nan_to_num", "Tensor": "nan_to_num"}, "args")
def nan_to_num(x, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None):
    """Replace NaN by ``nan``, +inf by ``posinf`` and -inf by ``neginf`` (defaults: 0, and the
    dtype's largest and smallest finite values)."""
    dtype = aval_of(x).dtype
    if not is_floating(dtype):
        return x
    info = finfo(dtype)
    posinf = float(info.max) if posinf is None else float(posinf)
    neginf = float(info.min) if neginf is None else float(neginf)
    inf = isinf(x)
    x = where(isnan(x), float(nan), x)
    return where(inf, where(equal(x, np.inf), full_like(x, posinf), full_like(x, neginf)), x)


def _truth(x):
    return x if aval_of(x).dtype == _dt.bool_ else not_equal(x, 0)


@exports({"torch": "logical_and", "Tensor": "logical_and", "tf": "logical_and",
          "tf.math": "logical_and"}, "compare", tf_type="LogicalAnd")
def logical_and(a, b):
    a, b = _promote(a, b)       # (the truth of the common dtype's values, as PyTorch's)
    return bitwise_and(_truth(a), _truth(b))


@exports({"torch": "logical_or", "Tensor": "logical_or", "tf": "logical_or",
          "tf.math": "logical_or"}, "compare", tf_type="LogicalOr")
def logical_or(a, b):
    a, b = _promote(a, b)       # (the truth of the common dtype's values, as PyTorch's)
    return bitwise_or(_truth(a), _truth(b))


@exports({"torch": "logical_xor", "Tensor": "logical_xor", "tf.math": "logical_xor"},
         "compare", tf_type="LogicalXor")
def logical_xor(a, b):
    a, b = _promote(a, b)       # (the truth of the common dtype's values, as PyTorch's)
    return bitwise_xor(_truth(a), _truth(b))


@exports({"torch": "logical_not", "Tensor": "logical_not", "tf": "logical_not",
          "tf.math": "logical_not"}, "unary", float_only=False, tf_type="LogicalNot")
def logical_not(x):
    return equal(x, False) if aval_of(x).dtype == _dt.bool_ else equal(x, 0)
