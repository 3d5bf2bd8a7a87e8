"""CUDA kernel of the orthogonal polynomials of :mod:`dlcore.ops.special_poly` (the same maths
as the CPU's, :mod:`dlcore.kernels._orthopoly_scalar`): one grid-stride loop over flat
contiguous copies of the two operands (of one shape: the op's wrapper broadcasts)."""

from __future__ import annotations

import numpy as np

from . import _support as S
from .elementwise import flat

_LIMIT = {np.dtype(np.float32): 128, np.dtype(np.float64): 512}


def orthopoly_kernel(op: int):
    def kernel(x, n):
        shape = tuple(int(d) for d in x.shape)
        count = S.size_of(shape)
        out = S.empty((max(count, 1),), x.dtype)
        if count:
            from ._kernels_orthopoly import orthopoly_kernel as k
            blocks, threads = S.launch_1d(count)
            k[blocks, threads](op, out, flat(x), flat(n), count, _LIMIT.get(np.dtype(x.dtype),
                                                                             1024))
        return S.view_as(out if count else S.empty((0,), x.dtype), shape)
    return kernel
