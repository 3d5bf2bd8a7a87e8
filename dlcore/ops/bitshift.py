"""Bit shifts of integers: ``bitwise_left_shift`` (``a << s``) and ``bitwise_right_shift``
(``a >> s``, arithmetic: the sign bit fills in).

PyTorch's rule for a shift count outside ``[0, bits)`` (and NumPy's): a left shift gives 0 and a
right shift gives the sign fill (``a >> (bits - 1)``: 0 or -1).  The kernels compute in 64-bit
integers (the type Numba gives small integers) and store into the operands' dtype, so a count
in ``[bits, 64)`` shifts every bit out of a narrower integer and truncation gives PyTorch's
result; counts outside ``[0, 64)`` take the guarded branch.  Not differentiable; floats are
refused, booleans promote to the other operand's integer type as PyTorch does.
"""

from __future__ import annotations

import numpy as np

from ..errors import DTypeNotImplemented
from ..registry import AVal, bind
from . import _rules
from .elementwise import _elementwise, _promote


def _shift_rule(name):
    def rule(a: AVal, b: AVal) -> AVal:
        dtype = _rules.same_dtype(name, a, b)
        if dtype.kind not in "iu":
            raise DTypeNotImplemented(name, "expects integer inputs", [a.dtype, b.dtype])
        return AVal(_rules.broadcast_shapes(name, a.shape, b.shape), dtype)
    return rule


def _shift(name, expr, np_fn, doc, api):
    return _elementwise(name, expr, 2, np_fn, _shift_rule(name), None, doc, "binary",
                        differentiable=False, convention="binary", api=api)


bitwise_left_shift_p = _shift(
    "bitwise_left_shift", "({0} << {1}) if ({1} >= 0 and {1} < 64) else ({0} ^ {0})",
    np.left_shift, "y = a << s (0 for s outside [0, bits));  not differentiable",
    {"torch": "bitwise_left_shift", "Tensor": "bitwise_left_shift",
     "operator": ("__lshift__", "__rlshift__")})
bitwise_right_shift_p = _shift(
    "bitwise_right_shift", "({0} >> {1}) if ({1} >= 0 and {1} < 64) else ({0} >> 63)",
    np.right_shift, "y = a >> s, arithmetic (the sign fill for s outside [0, bits));  "
    "not differentiable",
    {"torch": "bitwise_right_shift", "Tensor": "bitwise_right_shift",
     "operator": ("__rshift__", "__rrshift__")})


def bitwise_left_shift(a, b):
    """``a << b`` elementwise (integers)."""
    return bind(bitwise_left_shift_p, *_promote(a, b))


def bitwise_right_shift(a, b):
    """``a >> b`` elementwise, arithmetic (integers)."""
    return bind(bitwise_right_shift_p, *_promote(a, b))
