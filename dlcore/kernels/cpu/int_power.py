"""Integer powers with exponents past Numba's loop: Numba's integer ``**`` takes
``math.pow`` in floating point for an exponent above 65536 (``2 ** 70000`` came out as the
dtype's minimum, PyTorch's wrapped value is 0), so pow's CPU kernel hands such calls here.

NumPy's integer power is square-and-multiply in the dtype, wrapping as PyTorch's does (checked
equal to PyTorch 2.13 for int8 to int64, exponents to 2**63 - 1); a negative exponent is
PyTorch's integer rule: 1 for a base of 1, +-1 by parity for -1, else 0."""

from __future__ import annotations

import numpy as np

#: the largest exponent Numba's integer power computes by its loop (``numba.cpython.numbers``)
LOOP_LIMIT = 0x10000


def beyond_loop(b) -> bool:
    """Whether an integer exponent buffer holds a value past ``LOOP_LIMIT``."""
    return bool(b.size) and bool((b > LOOP_LIMIT).any())


def int_power(a, b):
    """``a ** b`` of integer buffers of one dtype (broadcast), wrapping."""
    a, b = np.asarray(a), np.asarray(b)
    d = np.result_type(a, b)
    pos = np.power(a, np.maximum(b, 0).astype(b.dtype, copy=False))
    neg = np.where(a == 1, 1, np.where(a == -1, np.where(b % 2 == 0, 1, -1), 0))
    return np.where(b < 0, neg, pos).astype(d, copy=False)
