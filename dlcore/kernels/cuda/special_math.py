"""CUDA kernels of the special functions of :mod:`dlcore.ops.special` (the same maths as the
CPU kernels, :mod:`dlcore.kernels._special_scalar`): one grid-stride loop over flat contiguous
copies of the inputs.  The numba.cuda code is in :mod:`._kernels_special_math`, imported on
first use."""

from __future__ import annotations

from . import _support as S
from .elementwise import flat

_UNARY = {"digamma": 0, "erfcx": 1, "ndtri": 2, "i0": 3, "i0e": 4, "i1": 5, "i1e": 6}
_BINARY = {"zeta": 0, "polygamma": 1, "igamma": 2, "igammac": 3}


def _unary(name):
    code = _UNARY[name]

    def kernel(x):
        shape = tuple(int(d) for d in x.shape)
        n = S.size_of(shape)
        out = S.empty((max(n, 1),), x.dtype)
        if n:
            from ._kernels_special_math import unary_kernel
            blocks, threads = S.launch_1d(n)
            unary_kernel[blocks, threads](code, out, flat(x), n)
        return S.view_as(out if n else S.empty((0,), x.dtype), shape)
    kernel.__name__ = name
    return kernel


def _binary(name):
    code = _BINARY[name]

    def kernel(a, b):
        shape = tuple(int(d) for d in b.shape)
        n = S.size_of(shape)
        out = S.empty((max(n, 1),), b.dtype)
        if n:
            from ._kernels_special_math import binary_kernel
            blocks, threads = S.launch_1d(n)
            binary_kernel[blocks, threads](code, out, flat(a), flat(b), n)
        return S.view_as(out if n else S.empty((0,), b.dtype), shape)
    kernel.__name__ = name
    return kernel


digamma, erfcx, ndtri = _unary("digamma"), _unary("erfcx"), _unary("ndtri")
i0, i0e, i1, i1e = _unary("i0"), _unary("i0e"), _unary("i1"), _unary("i1e")
zeta, polygamma = _binary("zeta"), _binary("polygamma")
igamma, igammac = _binary("igamma"), _binary("igammac")


def betainc(a, b, x):
    """I_x(a, b) of three operands of one shape."""
    shape = tuple(int(d) for d in x.shape)
    n = S.size_of(shape)
    out = S.empty((max(n, 1),), x.dtype)
    if n:
        from ._kernels_special_math import betainc_kernel
        blocks, threads = S.launch_1d(n)
        betainc_kernel[blocks, threads](out, flat(a), flat(b), flat(x), n)
    return S.view_as(out if n else S.empty((0,), x.dtype), shape)
