"""CPU kernels of the Bessel functions of :mod:`dlcore.ops.special_bessel` (the maths in
:mod:`dlcore.kernels._bessel_scalar`; the Numba loop in :mod:`._jit_bessel`, imported on first
use)."""

from __future__ import annotations

import numpy as np


def bessel_kernel(op: int):
    def kernel(x: np.ndarray) -> np.ndarray:
        from ._jit_bessel import bessel_flat
        out = np.empty(x.shape, x.dtype)
        if x.size:
            bessel_flat(op, np.ascontiguousarray(x).reshape(-1), out.reshape(-1))
        return out
    return kernel
