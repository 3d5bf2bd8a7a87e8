"""CPU elementwise kernels, generated from each primitive's scalar expression.

(Initial version: NumPy ufuncs; see the kernel-core work for the Numba-generated kernels.)
"""

from __future__ import annotations

import numpy as np


def elementwise_kernel(name: str, expr: str, nin: int, np_fn):
    """Return the CPU kernel ``f(*buffers, **params) -> ndarray`` for an elementwise primitive."""
    def kernel(*bufs, **params):
        with np.errstate(all="ignore"):
            return np.asarray(np_fn(*bufs, **params))
    kernel.__name__ = f"cpu_{name}"
    return kernel
