"""CPU kernels of the cosine-similarity primitives (dlcore/ops/cosine_prims.py): the operands
viewed as ``(A, n, B)`` around the summed axis (C-contiguous copies where they are not), the
Numba loops in :mod:`._jit_cosine` (imported on first use)."""

from __future__ import annotations

import numpy as np

from . import jit_module
from .scan import as_lines

_jit = jit_module("_jit_cosine")


def cosine_similarity(x1, x2, *, axis, eps):
    shape = x1.shape[:axis] + x1.shape[axis + 1:]
    out = np.empty(shape, x1.dtype)
    if out.size:
        a, n, b = as_lines(x1, axis).shape
        _jit().forward(as_lines(x1, axis), as_lines(x2, axis), out.reshape(a, b), float(eps) ** 2)
    return out


def cosine_similarity_grad(g, x1, x2, *, axis, eps):
    out = np.empty(x1.shape, x1.dtype)
    if out.size:
        a, n, b = as_lines(x1, axis).shape
        gv = np.ascontiguousarray(np.broadcast_to(g, x1.shape[:axis] + x1.shape[axis + 1:]))
        _jit().grad(gv.reshape(a, b), as_lines(x1, axis), as_lines(x2, axis), out.reshape(a, n, b),
                    float(eps) ** 2)
    return out
