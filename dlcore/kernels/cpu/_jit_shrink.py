"""Numba loops of hardshrink, softshrink, threshold and their gradients on flat float32/float64
arrays (imported on first use by :mod:`dlcore.kernels.cpu.shrink`).  The bounds and values are
scalars of the arrays' dtype (PyTorch converts its Scalars to the tensor's type first)."""

from __future__ import annotations

from numba import njit


@njit(cache=True, nogil=True)
def hardshrink(x, out, lo, hi):
    """``out[i] = 0 if lo <= x[i] <= hi else x[i]`` (+0.0; NaN stays NaN)."""
    for i in range(x.size):
        v = x[i]
        out[i] = v - v if v >= lo and v <= hi else v


@njit(cache=True, nogil=True)
def softshrink(x, out, lo, hi):
    """``x - hi`` above ``hi``, ``x - lo`` below ``lo``, +0.0 between (NaN stays NaN)."""
    for i in range(x.size):
        v = x[i]
        out[i] = v - hi if v > hi else (v - lo if v < lo else v - v)


@njit(cache=True, nogil=True)
def shrink_grad(g, x, out, lo, hi):
    """``out[i] = g[i]`` where ``x[i] > hi`` or ``x[i] < lo``, else 0 (NaN x: 0)."""
    for i in range(x.size):
        v = x[i]
        out[i] = g[i] if v > hi or v < lo else 0


@njit(cache=True, nogil=True)
def threshold(x, out, t, value):
    """``out[i] = value if x[i] <= t else x[i]`` (NaN stays NaN)."""
    for i in range(x.size):
        v = x[i]
        out[i] = value if v <= t else v


@njit(cache=True, nogil=True)
def threshold_grad(g, x, out, t):
    """``out[i] = 0 if x[i] <= t else g[i]`` (NaN x: g)."""
    for i in range(x.size):
        out[i] = 0 if x[i] <= t else g[i]
