"""CPU kernels of special functions with no ``math`` counterpart (so no scalar expression):
``erfinv``.  The Numba loops live in :mod:`._jit_special`, imported on first use.

erfinv: Giles' single-precision polynomial ("Approximating the erfinv function", GPU Computing
Gems, 2010) as the starting point, then two Newton steps on ``erf(y) - x`` (derivative
``2/sqrt(pi) exp(-y^2)``), which bring it to float64 round-off in the open interval; +-1 give
+-inf and values outside [-1, 1] give NaN, as in PyTorch and SciPy.
"""

from __future__ import annotations

import numpy as np


def erfinv(x: np.ndarray) -> np.ndarray:
    from ._jit_special import erfinv_flat
    out = np.empty(x.shape, x.dtype)
    if x.size:
        erfinv_flat(np.ascontiguousarray(x).reshape(-1), out.reshape(-1))
    return out
