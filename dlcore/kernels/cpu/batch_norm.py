"""CPU kernels of the training-mode batch-normalisation primitives
(dlcore/ops/batch_norm_prims.py).

The operand is viewed as ``(N, C, L)`` (channel axis 1, ``L`` the product of the spatial axes; a
C-contiguous copy where it is not contiguous), the statistics as ``(2, C)``, ``w``/``b`` as
``(C,)``.  The Numba loops (:mod:`._jit_batch_norm`, imported on first use) accumulate in
float64 and run in parallel over the channels from PARALLEL_MIN elements on: below it, waking
the OpenMP workers costs more than it saves.  Measured (all four kernels, float32, 2 threads,
wall time, medians of 5, load 1.2): (8,32,8,8) serial 121 us / parallel 183 us, (8,16,32,32)
433 / 531, (32,64,8,8) 452 / 388, (32,32,16,16) 938 / 918, (32,16,32,32) 2019 / 1188,
(64,64,32,32) 17885 / 10479.  Hence 2^19 elements, or the elementwise kernels' threshold
(``$DLCORE_PARALLEL_THRESHOLD``) when that is lower.
"""

from __future__ import annotations

import math

import numpy as np

from . import jit_module
from . import optional_vector as _vec
from .runtime import PARALLEL_THRESHOLD

PARALLEL_MIN = 1 << 19


_jit = jit_module("_jit_batch_norm")


def _ncl(x):
    if not x.flags.c_contiguous:
        x = np.ascontiguousarray(x)
    return x.reshape(x.shape[0], x.shape[1], math.prod(x.shape[2:]))


def _k(name, x):
    """The serial or the parallel loop, by the operand's size."""
    j = _jit()
    return getattr(j, name + "_par") if x.size >= min(PARALLEL_THRESHOLD, PARALLEL_MIN) and x.shape[1] > 1 \
        else getattr(j, name)


def _count(x):
    return x.shape[0] * math.prod(x.shape[2:])


def batch_norm_stats(x):
    out = np.empty((2, x.shape[1]), x.dtype)
    if _count(x) == 0:
        out.fill(np.nan)
    elif x.shape[1]:
        _k("stats", x)(_ncl(x), out)
    return out


def batch_norm_train(x, st, *wb, eps, affine):
    w = wb[0] if "w" in affine else None
    b = wb[-1] if "b" in affine else None
    out = np.empty(x.shape, x.dtype)
    if x.size:
        _k("forward", x)(_ncl(x), np.ascontiguousarray(st), _vec(w, x.dtype), _vec(b, x.dtype),
                       _ncl(out), float(eps), w is not None, b is not None)
    return out


def batch_norm_grad_stats(g, x, st, *, eps):
    out = np.zeros((2, x.shape[1]), x.dtype)
    if x.size:
        _k("grad_stats", x)(_ncl(g), _ncl(x), np.ascontiguousarray(st), out, float(eps))
    return out


def batch_norm_grad_x(g, x, st, gs, *w, eps, affine):
    wv = w[0] if affine else None
    out = np.empty(x.shape, x.dtype)
    if x.size:
        _k("grad_x", x)(_ncl(g), _ncl(x), np.ascontiguousarray(st), np.ascontiguousarray(gs),
                      _vec(wv, x.dtype), _ncl(out), float(eps), wv is not None)
    return out
