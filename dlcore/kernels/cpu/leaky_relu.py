"""CPU kernels of ``leaky_relu`` and its gradient (``dlcore.ops.activations``)::

    leaky_relu(x; a)         = x      if x > 0 else x * a     (NaN: x * a, NaN)
    leaky_relu_grad(g, x; a) = g      if x > 0 else g * a

PyTorch's ``leaky_relu`` / ``leaky_relu_backward`` and TensorFlow's ``LeakyRelu`` /
``LeakyReluGrad``: the product in the operands' dtype (a float32 slope for float32), one
rounding.  float32/float64 arrays run one Numba pass (its loops are compiled on first use,
cached on disk) in their memory order (C or Fortran; another layout is copied C-ordered
first; a cotangent of one value broadcast, a sum's, is read as that value); broadcasting
gradients and the half types (computed in float32, PyTorch's opmath, then rounded) take
NumPy.
"""

from __future__ import annotations

import numpy as np

from ... import dtypes as _dt
from .flat import dense as _dense
from .flat import empty as _out
from .flat import flat as _flat

_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)
_jit = None


def _loops():
    global _jit
    if _jit is None:
        from . import _jit_leaky_relu
        _jit = _jit_leaky_relu
    return _jit


def leaky_relu(x, *, alpha):
    d = x.dtype
    if d is _F32 or d is _F64:
        f, order = _dense(x)
        out, flat = _out(x.shape, d, order)
        _loops().leaky_relu(f, flat, d.type(alpha))
        return out
    x32 = x.astype(_F32) if _dt.is_half(d) else x
    with np.errstate(all="ignore"):
        y = np.where(x32 > 0, x32, x32 * x32.dtype.type(alpha))
    return y.astype(d) if x32 is not x else y


def leaky_relu_grad(g, x, *, alpha):
    d = g.dtype
    if (d is _F32 or d is _F64) and x.dtype is d and g.shape == x.shape:
        fx, order = _dense(x)
        out, flat = _out(x.shape, d, order)
        if g.size and not any(g.strides):       # (one value broadcast: a sum's cotangent)
            _loops().leaky_relu_grad_fill(g.reshape(-1)[0], fx, flat, d.type(alpha))
            return out
        fg = _flat(g)
        if fg is None or fg[1] != order:
            fg = (np.asarray(g, order=order).reshape(-1) if order == "C"
                  else np.asarray(g, order="F").T.reshape(-1), order)
        _loops().leaky_relu_grad(fg[0], fx, flat, d.type(alpha))
        return out
    half = _dt.is_half(d)
    g32 = g.astype(_F32) if half else g
    with np.errstate(all="ignore"):
        y = np.where(x > 0, g32, g32 * g32.dtype.type(alpha))
    return y.astype(d) if half else y


def prelu_grad(g, x, w):
    """``(dx, dw)`` of ``prelu(x, w)`` for float32/float64 ``x`` and cotangent ``g`` of one
    shape and dtype, ``w`` of that dtype holding one slope or one per element of a single axis
    of ``x`` (``(C, 1, ...)`` against ``(N, C, ...)``): one Numba pass
    (``_jit_leaky_relu.prelu_grad``), ``dw`` shaped as ``w``.  None for any other operands
    (the caller's NumPy or composite path).  64x128 float32, one slope: 38 -> see
    dlcore/ops/activations.py."""
    d = x.dtype
    if (d is not _F32 and d is not _F64) or g.dtype is not d or w.dtype is not d or \
            g.shape != x.shape or w.ndim > x.ndim or not x.size:
        return None
    wshape = (1,) * (x.ndim - w.ndim) + w.shape
    axes = [i for i, n in enumerate(wshape) if n != 1]
    if len(axes) > 1 or (axes and wshape[axes[0]] != x.shape[axes[0]]):
        return None
    shape = x.shape
    a = 1
    for n in shape[:axes[0] if axes else 0]:
        a *= n
    c = shape[axes[0]] if axes else 1
    view = (a, c, x.size // (a * c))             # (one slope: (1, 1, size))
    xv = np.ascontiguousarray(x).reshape(view)
    gv = g.reshape(view) if g.flags.c_contiguous or not any(g.strides) else \
        np.ascontiguousarray(g).reshape(view)
    dx = np.empty(view, d)
    acc = np.zeros(c, np.float64)
    _loops().prelu_grad(gv, xv, np.ascontiguousarray(w).reshape(c), dx, acc)
    return dx.reshape(shape), acc.astype(d).reshape(w.shape)
