"""CPU kernels of ``elu`` and its gradient (``dlcore.ops.activations``), PyTorch's ``elu`` and
``elu_backward`` with its three coefficients (``alpha``, ``scale``, ``input_scale``: selu's
scale; the one formula for elu and selu)::

    elu(x; a, s, i)         = x * s   if x > 0 else expm1(x * i) * (a * s)
    elu_grad(g, x; a, s, i) = g * s   if x > 0 else g * i * (a * s) * exp(x * i)

A NaN ``x`` takes the second branch (NaN out, a NaN gradient: PyTorch's vectorised body, whose
scalar tail of a few elements passes ``g * s``), and -0.0 too (-0.0 out).  The coefficients
are rounded to the operands' dtype first and ``a * s`` is one product in it (PyTorch's
``negcoef``).  float32/float64
arrays run two Numba passes around NumPy's SIMD ``expm1``/``exp`` (the loops compiled on first
use, cached on disk), in their memory order (C or Fortran; another layout is copied C-ordered
first; a cotangent of one value broadcast, a sum's, is filled first); the half types compute
in float32 (PyTorch's opmath) and round once; broadcasting gradients take NumPy.
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
        from . import _jit_elu
        _jit = _jit_elu
    return _jit


#: (alpha, scale, input_scale, float type) -> (negcoef, poscoef, negiptcoef) as scalars of
#: that type (made once: a tensor's elu is called with the same coefficients every step)
_COEFS: dict = {}


def _coefs(t, alpha, scale, input_scale) -> tuple:
    """(negcoef, poscoef, negiptcoef) as scalars of the float type ``t``."""
    key = (alpha, scale, input_scale, t)
    c = _COEFS.get(key)
    if c is None:
        if len(_COEFS) > 256:
            _COEFS.clear()
        c = _COEFS[key] = (t(alpha) * t(scale), t(scale), t(input_scale))
    return c


def _numpy(x, g, alpha, scale, input_scale):
    """Either kernel by NumPy in float32 for the half types (else in the dtype), rounded once:
    the forward where ``g`` is None."""
    d = x.dtype
    half = _dt.is_half(d)
    w = x.astype(_F32) if half else x
    neg, pos, ipt = _coefs(w.dtype.type, alpha, scale, input_scale)
    with np.errstate(all="ignore"):
        m = w > 0
        z = np.where(m, w.dtype.type(0), w * ipt)
        if g is None:
            y = np.where(m, w * pos, np.expm1(z) * neg)
        else:
            gw = g.astype(_F32) if half else g
            y = np.where(m, gw * pos, gw * ipt * neg * np.exp(z))
    return y.astype(d) if half else y


def _apply(ufunc, z, ipt) -> None:
    """``z = ufunc(z)`` in place; ``z`` is ``x * ipt`` at ``x <= 0``, so with ``ipt >= 0``
    nothing overflows (NumPy's warning state is entered only otherwise: it costs ~1 us)."""
    if ipt >= 0:
        ufunc(z, out=z)
    else:
        with np.errstate(over="ignore"):
            ufunc(z, out=z)


def elu(x, *, alpha, scale=1.0, input_scale=1.0):
    d = x.dtype
    if d is _F32 or d is _F64:
        neg, pos, ipt = _coefs(d.type, alpha, scale, input_scale)
        j = _loops()
        if x.flags.c_contiguous:                # (the common case first)
            out = np.empty(x.shape, d)
            f, flat = x.reshape(-1), out.reshape(-1)
        else:
            f, order = _dense(x)
            out, flat = _out(x.shape, d, order)
        z = np.empty(f.shape, d)
        j.scaled_negative(f, z, ipt)
        _apply(np.expm1, z, ipt)
        j.elu_combine(f, z, flat, neg, pos)
        return out
    return _numpy(x, None, alpha, scale, input_scale)


def elu_grad(g, x, *, alpha, scale=1.0, input_scale=1.0):
    d = g.dtype
    if (d is _F32 or d is _F64) and x.dtype is d and g.shape == x.shape:
        fx, order = _dense(x)
        out, flat = _out(x.shape, d, order)
        if g.size and not any(g.strides):       # (one value broadcast: a sum's cotangent)
            fg = np.full(fx.shape, g.reshape(-1)[0], d)
        else:
            fgo = _flat(g)
            fg = fgo[0] if fgo is not None and fgo[1] == order else (
                np.asarray(g, order=order).reshape(-1) if order == "C"
                else np.asarray(g, order="F").T.reshape(-1))
        neg, pos, ipt = _coefs(d.type, alpha, scale, input_scale)
        j = _loops()
        z = np.empty_like(fx)
        j.scaled_negative(fx, z, ipt)
        _apply(np.exp, z, ipt)
        j.elu_grad_combine(fg, fx, z, flat, neg, pos, ipt)
        return out
    return _numpy(x, g, alpha, scale, input_scale)
