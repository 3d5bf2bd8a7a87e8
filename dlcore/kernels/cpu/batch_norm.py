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

Channels-last operands (``last=True``: the static front end's NHWC) run the loops of
:mod:`._jit_batch_norm_last` on an ``(M, C)`` view, serially: one float64 accumulator per
channel, the channels contiguous in the inner loop.  (32,32,32,16) float32, ms, those loops
against these on the NCHW copy: stats 0.14 / 0.13, forward 0.18 / 0.18, grad_stats 0.17 /
0.17, grad_x 0.27 / 0.38; (32,8,8,64) 0.03 / 0.05, 0.03 / 0.04, 0.03 / 0.03, 0.06 / 0.09.
A 2-D ``(N, C)`` operand (BatchNorm1d of features) is its own ``(M, C)`` view and takes these
loops too: the per-channel loops strode by C through it (64x128 float32, one thread, us: stats
18.7 -> 2.5, forward 18.3 -> 2.0).
"""

from __future__ import annotations

import math

import numpy as np

from . import jit_module
from . import optional_vector as _vec
from . import runtime as _rt
from .runtime import PARALLEL_THRESHOLD

PARALLEL_MIN = 1 << 19


_jit = jit_module("_jit_batch_norm")
_jit_last = jit_module("_jit_batch_norm_last")


def _ncl(x):
    if not x.flags.c_contiguous:
        x = np.ascontiguousarray(x)
    return x.reshape(x.shape[0], x.shape[1], math.prod(x.shape[2:]))


def _mc(x):
    """A channels-last operand as (M, C): every position, then the channels."""
    if not x.flags.c_contiguous:
        x = np.ascontiguousarray(x)
    return x.reshape(math.prod(x.shape[:-1]), x.shape[-1])


def _k(name, x):
    """The serial or the parallel loop, by the operand's size."""
    j = _jit()
    par = x.size >= min(PARALLEL_THRESHOLD, PARALLEL_MIN) and x.shape[1] > 1 and _rt.parallel_ok
    return getattr(j, name + "_par") if par else getattr(j, name)


def _count(x, last=False):
    return math.prod(x.shape[:-1]) if last else x.shape[0] * math.prod(x.shape[2:])


def _nc(x, last):
    return x.shape[-1] if last else x.shape[1]


def batch_norm_stats(x, last=False):
    last = last or x.ndim == 2
    nc = _nc(x, last)
    out = np.empty((2, nc), x.dtype)
    if _count(x, last) == 0:
        out.fill(np.nan)
    elif last:
        _jit_last().stats(_mc(x), out)
    elif nc:
        _k("stats", x)(_ncl(x), out)
    return out


def batch_norm_train(x, st, *wb, eps, affine, last=False):
    w = wb[0] if "w" in affine else None
    b = wb[-1] if "b" in affine else None
    last = last or x.ndim == 2
    out = np.empty(x.shape, x.dtype)
    if x.size:
        args = (np.ascontiguousarray(st), _vec(w, x.dtype), _vec(b, x.dtype))
        if last:
            _jit_last().forward(_mc(x), *args, _mc(out), float(eps), w is not None,
                                b is not None)
        else:
            _k("forward", x)(_ncl(x), *args, _ncl(out), float(eps), w is not None,
                           b is not None)
    return out


def batch_norm_grad_stats(g, x, st, *, eps, last=False):
    last = last or x.ndim == 2
    out = np.zeros((2, _nc(x, last)), x.dtype)
    if x.size:
        if last:
            _jit_last().grad_stats(_mc(g), _mc(x), np.ascontiguousarray(st), out, float(eps))
        else:
            _k("grad_stats", x)(_ncl(g), _ncl(x), np.ascontiguousarray(st), out, float(eps))
    return out


def batch_norm_grad_x(g, x, st, gs, *w, eps, affine, last=False):
    wv = w[0] if affine else None
    last = last or x.ndim == 2
    out = np.empty(x.shape, x.dtype)
    if x.size:
        args = (np.ascontiguousarray(st), np.ascontiguousarray(gs), _vec(wv, x.dtype))
        if last:
            _jit_last().grad_x(_mc(g), _mc(x), *args, _mc(out), float(eps), wv is not None)
        else:
            _k("grad_x", x)(_ncl(g), _ncl(x), *args, _ncl(out), float(eps), wv is not None)
    return out
