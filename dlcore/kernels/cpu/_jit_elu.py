"""Numba loops of elu and its gradient on flat float32/float64 arrays (imported on first use by
:mod:`dlcore.kernels.cpu.elu`): the selections around NumPy's ``expm1``/``exp`` (whose SIMD
loops are 4-12x quicker than a per-element libm call from Numba).  The coefficients are
scalars of the arrays' dtype, so each product is rounded once in that dtype, as PyTorch's."""

from __future__ import annotations

from numba import njit

from .runtime import configure_threads

configure_threads()


@njit(cache=True, nogil=True)
def scaled_negative(x, z, ipt):
    """``z[i] = x[i] * ipt`` where ``x[i] <= 0`` (NaN too, -0.0 kept), else 0: the argument
    of the negative branch's ``expm1``/``exp``."""
    for i in range(x.size):
        v = x[i]
        z[i] = 0 if v > 0 else v * ipt


@njit(cache=True, nogil=True)
def elu_combine(x, e, out, neg, pos):
    """``out[i] = x[i] * pos if x[i] > 0 else e[i] * neg`` (``e``: expm1 of the negative
    branch's argument)."""
    for i in range(x.size):
        v = x[i]
        out[i] = v * pos if v > 0 else e[i] * neg


@njit(cache=True, nogil=True)
def elu_grad_combine(g, x, e, out, neg, pos, ipt):
    """``out[i] = g[i] * pos if x[i] > 0 else g[i] * ipt * neg * e[i]`` (``e``: exp of the
    negative branch's argument; PyTorch's order of the products)."""
    for i in range(x.size):
        out[i] = g[i] * pos if x[i] > 0 else g[i] * ipt * neg * e[i]
