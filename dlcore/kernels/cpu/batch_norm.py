"""CPU kernels of the training-mode batch-normalisation primitives
(dlcore/ops/batch_norm_prims.py).

The operand is viewed as ``(N, C, L)`` (channel axis 1, ``L`` the product of the spatial axes; a
C-contiguous copy where it is not contiguous), the statistics as ``(2, C)``, ``w``/``b`` as
``(C,)``.  The Numba loops (:mod:`._jit_batch_norm`, imported on first use) run in parallel over
the channels and accumulate in float64.
"""

from __future__ import annotations

import math

import numpy as np

_JIT: list = []
_DUMMY: dict = {}


def _jit():
    if not _JIT:
        from . import _jit_batch_norm
        _JIT.append(_jit_batch_norm)
    return _JIT[0]


def _ncl(x):
    if not x.flags.c_contiguous:
        x = np.ascontiguousarray(x)
    return x.reshape(x.shape[0], x.shape[1], math.prod(x.shape[2:]))


def _vec(v, dtype):
    if v is None:
        d = _DUMMY.get(dtype)
        if d is None:
            d = _DUMMY[dtype] = np.zeros(1, dtype)
        return d
    return np.ascontiguousarray(v).reshape(-1)


def _count(x):
    return x.shape[0] * math.prod(x.shape[2:])


def batch_norm_stats(x):
    out = np.empty((2, x.shape[1]), x.dtype)
    if _count(x) == 0:
        out.fill(np.nan)
    elif x.shape[1]:
        _jit().stats(_ncl(x), out)
    return out


def batch_norm_train(x, st, *wb, eps, affine):
    w = wb[0] if "w" in affine else None
    b = wb[-1] if "b" in affine else None
    out = np.empty(x.shape, x.dtype)
    if x.size:
        _jit().forward(_ncl(x), np.ascontiguousarray(st), _vec(w, x.dtype), _vec(b, x.dtype),
                       _ncl(out), float(eps), w is not None, b is not None)
    return out


def batch_norm_grad_stats(g, x, st, *, eps):
    out = np.zeros((2, x.shape[1]), x.dtype)
    if x.size:
        _jit().grad_stats(_ncl(g), _ncl(x), np.ascontiguousarray(st), out, float(eps))
    return out


def batch_norm_grad_x(g, x, st, gs, *w, eps, affine):
    wv = w[0] if affine else None
    out = np.empty(x.shape, x.dtype)
    if x.size:
        _jit().grad_x(_ncl(g), _ncl(x), np.ascontiguousarray(st), np.ascontiguousarray(gs),
                      _vec(wv, x.dtype), _ncl(out), float(eps), wv is not None)
    return out
