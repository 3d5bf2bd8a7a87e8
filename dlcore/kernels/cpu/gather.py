"""CPU kernels for take / scatter_add (integer-array indexing along axis 0).

(Initial version: NumPy's ``take`` and ``add.at``; a Numba kernel is welcome where it wins.)
"""

from __future__ import annotations

import numpy as np


def _checked(i: np.ndarray, n: int) -> np.ndarray:
    if i.size and (i.max() >= n or i.min() < -n):
        bad = i[(i >= n) | (i < -n)].flat[0]
        raise IndexError(f"index {bad} is out of bounds for dimension 0 with size {n}")
    return i


def take(x, i):
    return np.take(x, _checked(i, x.shape[0]), axis=0)


def scatter_add(v, i, ref):
    out = np.zeros(ref.shape, v.dtype)
    np.add.at(out, _checked(i, ref.shape[0]), v)
    return out
