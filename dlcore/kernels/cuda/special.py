"""CUDA kernels of special functions with no scalar expression: ``erfinv`` (the same algorithm
as the CPU kernel, see :mod:`dlcore.kernels.cpu.special`), one grid-stride loop over a flat
contiguous copy of the input.  The numba.cuda code is in :mod:`._kernels_special`, imported on
first use."""

from __future__ import annotations

from . import _support as S
from .elementwise import flat


def erfinv(x):
    shape = tuple(int(d) for d in x.shape)
    n = S.size_of(shape)
    out = S.empty((max(n, 1),), x.dtype)
    if n:
        from ._kernels_special import erfinv_kernel
        blocks, threads = S.launch_1d(n)
        erfinv_kernel[blocks, threads](out, flat(x), n)
    return S.view_as(out if n else S.empty((0,), x.dtype), shape)
