"""CPU kernels of the special functions of :mod:`dlcore.ops.special` that have no ``math``
counterpart: digamma, polygamma, Hurwitz zeta, erfcx, ndtri, the modified Bessel functions
i0/i0e/i1/i1e, the regularized incomplete gamma (igamma/igammac) and beta (betainc) functions.
Their maths is in :mod:`dlcore.kernels._special_scalar` (one text for CPU and CUDA); the Numba
loops live in :mod:`._jit_special_math`, imported on first use."""

from __future__ import annotations

import numpy as np

_UNARY = {"digamma": 0, "erfcx": 1, "ndtri": 2, "i0": 3, "i0e": 4, "i1": 5, "i1e": 6}
_BINARY = {"zeta": 0, "polygamma": 1, "igamma": 2, "igammac": 3}


def _unary(name):
    code = _UNARY[name]

    def kernel(x: np.ndarray) -> np.ndarray:
        from ._jit_special_math import unary_flat
        out = np.empty(x.shape, x.dtype)
        if x.size:
            unary_flat(code, np.ascontiguousarray(x).reshape(-1), out.reshape(-1))
        return out
    kernel.__name__ = name
    return kernel


def _binary(name):
    code = _BINARY[name]

    def kernel(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        from ._jit_special_math import binary_flat
        out = np.empty(b.shape, b.dtype)
        if b.size:
            binary_flat(code, np.ascontiguousarray(a).reshape(-1),
                        np.ascontiguousarray(b).reshape(-1), out.reshape(-1))
        return out
    kernel.__name__ = name
    return kernel


digamma, erfcx, ndtri = _unary("digamma"), _unary("erfcx"), _unary("ndtri")
i0, i0e, i1, i1e = _unary("i0"), _unary("i0e"), _unary("i1"), _unary("i1e")
zeta, polygamma = _binary("zeta"), _binary("polygamma")
igamma, igammac = _binary("igamma"), _binary("igammac")


def betainc(a: np.ndarray, b: np.ndarray, x: np.ndarray) -> np.ndarray:
    """I_x(a, b) of three operands (broadcast here when their shapes differ)."""
    from ._jit_special_math import betainc_flat
    if not a.shape == b.shape == x.shape:
        a, b, x = np.broadcast_arrays(a, b, x)
    out = np.empty(x.shape, x.dtype)
    if x.size:
        flat = [np.ascontiguousarray(v).reshape(-1) for v in (a, b, x)]
        betainc_flat(flat[0], flat[1], flat[2], out.reshape(-1))
    return out
