"""CPU kernels of ``leaky_relu`` and its gradient (``dlcore.ops.activations``)::

    leaky_relu(x; a)         = x      if x > 0 else x * a     (NaN: x * a, NaN)
    leaky_relu_grad(g, x; a) = g      if x > 0 else g * a

PyTorch's ``leaky_relu`` / ``leaky_relu_backward`` and TensorFlow's ``LeakyRelu`` /
``LeakyReluGrad``: the product in the operands' dtype (a float32 slope for float32), one
rounding.  float32/float64 arrays with one memory order run one Numba pass (its loops are
compiled on first use, cached on disk); other layouts, broadcasting gradients and the half
types (computed in float32, PyTorch's opmath, then rounded) take NumPy.
"""

from __future__ import annotations

import numpy as np

_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)
_HALF_KINDS = ("float16", "bfloat16")
_jit = None


def _loops():
    global _jit
    if _jit is None:
        from . import _jit_leaky_relu
        _jit = _jit_leaky_relu
    return _jit


def _flat(x):
    """``(flat view, order)`` of a C- or Fortran-contiguous array, else None."""
    if x.flags.c_contiguous:
        return x.reshape(-1), "C"
    if x.flags.f_contiguous:
        return x.T.reshape(-1), "F"
    return None


def leaky_relu(x, *, alpha):
    d = x.dtype
    if d is _F32 or d is _F64:
        f = _flat(x)
        if f is not None:
            out = np.empty(x.shape, d, order=f[1])
            _loops().leaky_relu(f[0], out.reshape(-1) if f[1] == "C" else out.T.reshape(-1),
                                d.type(alpha))
            return out
    with np.errstate(all="ignore"):
        if d.name in _HALF_KINDS:
            x32 = x.astype(_F32)
            return np.where(x32 > 0, x32, x32 * np.float32(alpha)).astype(d)
        return np.where(x > 0, x, x * d.type(alpha))


def leaky_relu_grad(g, x, *, alpha):
    d = g.dtype
    if (d is _F32 or d is _F64) and x.dtype is d and g.shape == x.shape:
        fg, fx = _flat(g), _flat(x)
        if fg is not None and fx is not None and fg[1] == fx[1]:
            out = np.empty(x.shape, d, order=fx[1])
            _loops().leaky_relu_grad(fg[0], fx[0],
                                     out.reshape(-1) if fx[1] == "C" else out.T.reshape(-1),
                                     d.type(alpha))
            return out
    with np.errstate(all="ignore"):
        if d.name in _HALF_KINDS:
            g32 = g.astype(_F32)
            return np.where(x > 0, g32, g32 * np.float32(alpha)).astype(d)
        return np.where(x > 0, g, g * d.type(alpha))
