"""CPU kernels of the group-normalisation primitives (dlcore/ops/group_norm_prims.py).

The operand ``(N, C, *spatial)`` is viewed as ``(N, C, S)`` (a C-contiguous copy where it is
not contiguous), ``w``/``b`` as ``(C,)``.  The Numba loops (:mod:`._jit_group_norm`, imported on
first use) recompute a group's mean and ``rstd`` in each kernel, as the layer-norm kernels do a
row's: a primitive has one output, so the backward kernels cannot receive the forward's
statistics."""

from __future__ import annotations

import math

import numpy as np

from . import jit_module
from . import optional_vector as _vec

_jit = jit_module("_jit_group_norm")


def _ncs(x):
    s = x.shape
    if not x.flags.c_contiguous:
        x = np.ascontiguousarray(x)
    return x.reshape(s[0], s[1], math.prod(s[2:]))


def group_norm(x, *wb, groups, eps, affine):
    w = wb[0] if "w" in affine else None
    b = wb[-1] if "b" in affine else None
    out = np.empty(x.shape, x.dtype)
    if x.size:
        _jit().forward(_ncs(x), _vec(w, x.dtype), _vec(b, x.dtype), _ncs(out), int(groups),
                       float(eps), w is not None, b is not None)
    return out


def group_norm_grad(g, x, *w, groups, eps, affine):
    wv = w[0] if affine else None
    out = np.empty(x.shape, x.dtype)
    if x.size:
        _jit().grad_x(_ncs(g), _ncs(x), _vec(wv, x.dtype), _ncs(out), int(groups), float(eps),
                      wv is not None)
    return out


def group_norm_wgrad(g, x, *, groups, eps):
    acc = np.zeros(x.shape[1], np.float64)
    if x.size:
        _jit().grad_w(_ncs(g), _ncs(x), acc, int(groups), float(eps))
    return acc.astype(x.dtype)
