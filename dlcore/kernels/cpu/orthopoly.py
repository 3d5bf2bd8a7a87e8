"""CPU kernel of the orthogonal polynomials of :mod:`dlcore.ops.special_poly` (the maths in
:mod:`dlcore.kernels._orthopoly_scalar`; the Numba loop in :mod:`._jit_orthopoly`, imported on
first use): one flat loop over operands of one shape."""

from __future__ import annotations

import numpy as np

#: PyTorch's degree limit of the Hermite polynomials (NaN above), by dtype
HERMITE_LIMIT = {np.dtype(np.float32): 128, np.dtype(np.float64): 512}


def orthopoly_kernel(op: int):
    def kernel(x: np.ndarray, n: np.ndarray) -> np.ndarray:
        from ._jit_orthopoly import orthopoly_flat
        if x.shape != n.shape:
            x, n = np.broadcast_arrays(x, n)
        out = np.empty(x.shape, x.dtype)
        if x.size:
            orthopoly_flat(op, np.ascontiguousarray(x).reshape(-1),
                           np.ascontiguousarray(n).reshape(-1), out.reshape(-1),
                           HERMITE_LIMIT.get(x.dtype, 1024))
        return out
    return kernel
