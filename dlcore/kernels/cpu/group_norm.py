"""CPU kernels of the group-normalisation primitives (dlcore/ops/group_norm_prims.py).

The operand ``(N, C, *spatial)`` is viewed as ``(N, C, S)`` (a C-contiguous copy where it is
not contiguous), ``w``/``b`` as ``(C,)``.  The Numba loops (:mod:`._jit_group_norm`, imported on
first use) recompute a group's mean and ``rstd`` in each kernel, as the layer-norm kernels do a
row's: a primitive has one output, so the backward kernels cannot receive the forward's
statistics."""

from __future__ import annotations

import numpy as np

from . import jit_module
from . import optional_vector as _vec
from .scan import as_lines

_jit = jit_module("_jit_group_norm")


def group_norm(x, *wb, groups, eps, affine):
    w = wb[0] if "w" in affine else None
    b = wb[-1] if "b" in affine else None
    out = np.empty(x.shape, x.dtype)
    if x.size:
        _jit().forward(as_lines(x, 1), _vec(w, x.dtype), _vec(b, x.dtype), as_lines(out, 1),
                       int(groups), float(eps), w is not None, b is not None)
    return out


def group_norm_grad(g, x, *w, groups, eps, affine):
    wv = w[0] if affine else None
    out = np.empty(x.shape, x.dtype)
    if x.size:
        _jit().grad_x(as_lines(g, 1), as_lines(x, 1), _vec(wv, x.dtype), as_lines(out, 1),
                      int(groups), float(eps), wv is not None)
    return out


def group_norm_wgrad(g, x, *, groups, eps):
    acc = np.zeros(x.shape[1], np.float64)
    if x.size:
        _jit().grad_w(as_lines(g, 1), as_lines(x, 1), acc, int(groups), float(eps))
    return acc.astype(x.dtype)
