"""What a TF1 queue's enqueue refuses of Python values before it makes any node."""

from __future__ import annotations

import numpy as np


def check_python_value(v, dtype):
    """``v``, or TF 1.15's TypeError for a Python value ``dtype`` refuses (``python_mismatch``),
    raised before any node is made."""
    dt = np.dtype(dtype)
    bad = python_mismatch(v, dt)
    if bad is not None:
        raise TypeError(f"Expected {dt.name}, got {bad!r} of type '{type(bad).__name__}' "
                        f"instead.")
    return v

def python_mismatch(v, dt: np.dtype):
    """The first Python number in ``v`` (a number or nested lists of them) that TF 1.15's
    ``_AssertCompatible`` refuses for ``dt`` (a float for an integer dtype, a complex for a
    real one, a non-bool for bool), else None; arrays and tensors are left to ``to_tensor``."""
    if isinstance(v, (list, tuple)):
        for x in v:
            bad = python_mismatch(x, dt)
            if bad is not None:
                return bad
        return None
    if type(v) not in (bool, int, float, complex):
        return None
    if dt.kind == "b":
        return None if type(v) is bool else v
    if dt.kind in "iu":
        return None if type(v) in (bool, int) else v
    if dt.kind == "f":
        return None if type(v) is not complex else v
    return None
