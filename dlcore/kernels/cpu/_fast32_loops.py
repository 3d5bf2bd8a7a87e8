"""float32 loops over ``_fast32``'s scalar forms, for the tanh/sigmoid/tanh_grad CPU kernels
(``transcendental``; measurements there).  Each takes C-contiguous arrays of any rank and
flattens them in Numba (a (1, 32) sigmoid: 4.1 us with both arrays flattened in Python, 2.5 us
so) and writes into an output the caller allocated: boxing a Numba-made array costs ~0.6-0.9 us
a call, and the boxed array's dtype is an equal but not the canonical ``np.dtype(np.float32)``
object, so every later ``dtype is float32`` fast test downstream missed it.  ``error_model='numpy'``: with Python's, each division
carries a zero check that keeps LLVM from vectorising the loop (measured 58 -> 15 us for a
(20, 200) tanh).  Imported on first use, so importing dlcore compiles nothing."""

from __future__ import annotations

import numpy as np
from numba import njit

from ._fast32 import (
    bce_logits32,
    erf32,
    gelu32,
    gelu_grad32,
    gelu_tanh32,
    gelu_tanh_grad32,
    logsigmoid32,
    logsigmoid_grad32,
    mish32,
    mish_grad32,
    sigmoid32,
    silu32,
    silu_grad32,
    softplus32,
    softplus_grad32,
    tanh32,
)


@njit(cache=True, nogil=True, error_model="numpy")
def tanh32_into(x, out):
    """tanh32 of every element of the C-contiguous float32 array ``x``, into ``out`` (C-
    contiguous, x's shape)."""
    xf, of = x.reshape(x.size), out.reshape(out.size)
    for i in range(xf.size):
        of[i] = tanh32(xf[i])


@njit(cache=True, nogil=True, error_model="numpy")
def sigmoid32_into(x, out):
    """sigmoid32 of every element of the C-contiguous float32 ``x`` written into ``out`` (C-
    contiguous, x's shape).  The output is allocated by the caller: boxing an array made in
    Numba costs ~0.9 us a call (a (1, 32) sigmoid: 1.13 us returning its array, 0.52 us with
    np.empty_like outside)."""
    xf, of = x.reshape(x.size), out.reshape(out.size)
    for i in range(xf.size):
        of[i] = sigmoid32(xf[i])


@njit(cache=True, nogil=True, error_model="numpy")
def tanh_grad32_into(g, t, out):
    """g (1 - t t) in float32 into ``out`` (same-shape C-contiguous arrays): the same three
    roundings as NumPy's g * (1 - t * t)."""
    gf, tf, of = g.reshape(g.size), t.reshape(t.size), out.reshape(out.size)
    one = np.float32(1.0)
    for i in range(gf.size):
        ti = tf[i]
        of[i] = gf[i] * (one - ti * ti)


@njit(cache=True, nogil=True, error_model="numpy")
def sigmoid_grad32_into(g, y, out):
    """g (y (1 - y)) in float32 into ``out`` (same-shape C-contiguous arrays): NumPy's
    roundings, in order."""
    gf, yf, of = g.reshape(g.size), y.reshape(y.size), out.reshape(out.size)
    one = np.float32(1.0)
    for i in range(gf.size):
        yi = yf[i]
        of[i] = gf[i] * (yi * (one - yi))


@njit(cache=True, nogil=True, error_model="numpy")
def erf32_into(x, out):
    """erf32 of every element of the C-contiguous float32 array ``x``, into ``out``."""
    xf, of = x.reshape(x.size), out.reshape(out.size)
    for i in range(xf.size):
        of[i] = erf32(xf[i])


@njit(cache=True, nogil=True, error_model="numpy")
def gelu32_into(x, out):
    """gelu32 of every element of the C-contiguous float32 array ``x``, into ``out``."""
    xf, of = x.reshape(x.size), out.reshape(out.size)
    for i in range(xf.size):
        of[i] = gelu32(xf[i])


@njit(cache=True, nogil=True, error_model="numpy")
def gelu_grad32_into(g, x, out):
    """gelu_grad32 of same-shape C-contiguous float32 ``g`` and ``x``, into ``out``."""
    gf, xf, of = g.reshape(g.size), x.reshape(x.size), out.reshape(out.size)
    for i in range(gf.size):
        of[i] = gelu_grad32(gf[i], xf[i])


@njit(cache=True, nogil=True, error_model="numpy")
def silu32_into(x, out):
    """silu32 of every element of the C-contiguous float32 array ``x``, into ``out``."""
    xf, of = x.reshape(x.size), out.reshape(out.size)
    for i in range(xf.size):
        of[i] = silu32(xf[i])


@njit(cache=True, nogil=True, error_model="numpy")
def softplus32_into(x, out):
    """softplus32 of every element of the C-contiguous float32 array ``x``, into ``out``."""
    xf, of = x.reshape(x.size), out.reshape(out.size)
    for i in range(xf.size):
        of[i] = softplus32(xf[i])


@njit(cache=True, nogil=True, error_model="numpy")
def logsigmoid32_into(x, out):
    """logsigmoid32 of every element of the C-contiguous float32 array ``x``, into ``out``."""
    xf, of = x.reshape(x.size), out.reshape(out.size)
    for i in range(xf.size):
        of[i] = logsigmoid32(xf[i])


@njit(cache=True, nogil=True, error_model="numpy")
def mish32_into(x, out):
    """mish32 of every element of the C-contiguous float32 array ``x``, into ``out``."""
    xf, of = x.reshape(x.size), out.reshape(out.size)
    for i in range(xf.size):
        of[i] = mish32(xf[i])


@njit(cache=True, nogil=True, error_model="numpy")
def silu_grad32_into(g, x, out):
    """silu_grad32 of same-shape C-contiguous float32 ``g`` and ``x``, into ``out``."""
    gf, xf, of = g.reshape(g.size), x.reshape(x.size), out.reshape(out.size)
    for i in range(gf.size):
        of[i] = silu_grad32(gf[i], xf[i])


@njit(cache=True, nogil=True, error_model="numpy")
def softplus_grad32_into(g, x, out):
    """softplus_grad32 of same-shape C-contiguous float32 ``g`` and ``x``, into ``out``."""
    gf, xf, of = g.reshape(g.size), x.reshape(x.size), out.reshape(out.size)
    for i in range(gf.size):
        of[i] = softplus_grad32(gf[i], xf[i])


@njit(cache=True, nogil=True, error_model="numpy")
def logsigmoid_grad32_into(g, x, out):
    """logsigmoid_grad32 of same-shape C-contiguous float32 ``g`` and ``x``, into ``out``."""
    gf, xf, of = g.reshape(g.size), x.reshape(x.size), out.reshape(out.size)
    for i in range(gf.size):
        of[i] = logsigmoid_grad32(gf[i], xf[i])


@njit(cache=True, nogil=True, error_model="numpy")
def mish_grad32_into(g, x, out):
    """mish_grad32 of same-shape C-contiguous float32 ``g`` and ``x``, into ``out``."""
    gf, xf, of = g.reshape(g.size), x.reshape(x.size), out.reshape(out.size)
    for i in range(gf.size):
        of[i] = mish_grad32(gf[i], xf[i])


@njit(cache=True, nogil=True, error_model="numpy")
def gelu_tanh32_into(x, out):
    """gelu_tanh32 of every element of the C-contiguous float32 array ``x``, into ``out``."""
    xf, of = x.reshape(x.size), out.reshape(out.size)
    for i in range(xf.size):
        of[i] = gelu_tanh32(xf[i])


@njit(cache=True, nogil=True, error_model="numpy")
def gelu_tanh_grad32_into(g, x, out):
    """gelu_tanh_grad32 of same-shape C-contiguous float32 ``g`` and ``x``, into ``out``."""
    gf, xf, of = g.reshape(g.size), x.reshape(x.size), out.reshape(out.size)
    for i in range(gf.size):
        of[i] = gelu_tanh_grad32(gf[i], xf[i])


@njit(cache=True, nogil=True, error_model="numpy")
def bce_logits32_into(x, z, out):
    """bce_logits32 of same-shape C-contiguous float32 ``x`` and ``z``, into ``out``."""
    xf, zf, of = x.reshape(x.size), z.reshape(z.size), out.reshape(out.size)
    for i in range(xf.size):
        of[i] = bce_logits32(xf[i], zf[i])
