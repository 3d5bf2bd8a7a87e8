"""CPU kernels of the layer-normalisation primitives (dlcore/ops/norm_prims.py).

The operand is viewed as ``(rows, n)``: ``n`` the product of the ``k`` normalised trailing
axes (a C-contiguous copy where it is not contiguous), ``w``/``b`` as ``(n,)``.  The Numba loops
(:mod:`._jit_layer_norm`, imported on first use) recompute a row's mean and ``rstd`` in each
kernel (two passes in float64): the primitives have one output each, so the backward kernels
cannot receive the forward's statistics, and at transformer widths a row's statistics cost
less than one more primitive call would.
"""

from __future__ import annotations

import math

import numpy as np

from . import jit_module
from . import optional_vector as _vec

_jit = jit_module("_jit_layer_norm")


def _rows(x, k):
    s = x.shape
    n = math.prod(s[len(s) - k:])
    if not x.flags.c_contiguous:
        x = np.ascontiguousarray(x)
    return x.reshape(math.prod(s[:len(s) - k]), n)


def layer_norm(x, *wb, k, eps, affine):
    w = wb[0] if "w" in affine else None
    b = wb[-1] if "b" in affine else None
    out = np.empty(x.shape, x.dtype)
    if x.size:
        _jit().forward(_rows(x, k), _vec(w, x.dtype), _vec(b, x.dtype),
                       out.reshape(-1, math.prod(x.shape[x.ndim - k:])), float(eps),
                       w is not None, b is not None)
    return out


def layer_norm_grad(g, x, *w, k, eps, affine):
    wv = w[0] if affine else None
    out = np.empty(x.shape, x.dtype)
    if x.size:
        _jit().grad_x(_rows(g, k), _rows(x, k), _vec(wv, x.dtype),
                      out.reshape(-1, math.prod(x.shape[x.ndim - k:])), float(eps),
                      wv is not None)
    return out


def layer_norm_wgrad(g, x, *, k, eps):
    shape = x.shape[x.ndim - k:]
    acc = np.zeros(math.prod(shape), np.float64)
    if x.size:
        _jit().grad_w(_rows(g, k), _rows(x, k), acc, float(eps))
    return acc.astype(x.dtype).reshape(shape)
