"""numba.cuda kernel behind :mod:`dlcore.kernels.cuda.bessel` (imported on first use): the
scalar function of :mod:`dlcore.kernels._bessel_scalar` as a device function, one grid-stride
loop."""

from __future__ import annotations

import numpy as np
from numba import cuda

from .. import _bessel_scalar as S

_bessel = cuda.jit(device=True)(S.bessel)
_airy_ai = cuda.jit(device=True)(S.airy_ai)


@cuda.jit
def bessel_kernel(op, out, x, n):
    """op 0-7: ``_bessel_scalar.bessel``'s; 8: airy_ai."""
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for i in range(start, n, step):
        if op == 8:
            out[i] = _airy_ai(np.float64(x[i]))
        else:
            out[i] = _bessel(op, np.float64(x[i]))
