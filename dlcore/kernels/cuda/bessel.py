"""CUDA kernels of the Bessel functions of :mod:`dlcore.ops.special_bessel` (the CPU's maths,
:mod:`dlcore.kernels._bessel_scalar`): one grid-stride loop over a flat contiguous copy."""

from __future__ import annotations

from . import _support as S
from .elementwise import flat


def bessel_kernel(op: int):
    def kernel(x):
        shape = tuple(int(d) for d in x.shape)
        n = S.size_of(shape)
        out = S.empty((max(n, 1),), x.dtype)
        if n:
            from ._kernels_bessel import bessel_kernel as k
            blocks, threads = S.launch_1d(n)
            k[blocks, threads](op, out, flat(x), n)
        return S.view_as(out if n else S.empty((0,), x.dtype), shape)
    return kernel
