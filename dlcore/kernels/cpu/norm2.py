"""CPU kernels of the 2-norm primitives (dlcore/ops/norm2.py).

The operand is viewed as ``(rows, n)`` with the reduced axes last (a C-contiguous copy when they
are not already the trailing axes of a C-contiguous array); the Numba loops
(:mod:`._jit_norm2`, imported on first use) square in the operand's dtype and sum in float64.
Other floating dtypes (float16, bfloat16) run in float32 and are rounded back.  ``small``: the
eager lane's form for one shape and dtype (the layout worked out once).
"""

from __future__ import annotations

import math

import numpy as np

from . import jit_module

_jit = jit_module("_jit_norm2")
_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)


def layout(shape: tuple, axes: tuple, keepdims: bool):
    """(perm or None, rows, n, out shape, permuted shape) of a reduction over ``axes`` (the
    CUDA kernels' too)."""
    nd = len(shape)
    keep = tuple(i for i in range(nd) if i not in axes)
    perm = keep + tuple(axes)
    rows = math.prod(shape[i] for i in keep)
    n = math.prod(shape[i] for i in axes)
    out_shape = tuple(1 if i in axes else shape[i] for i in range(nd)) if keepdims else \
        tuple(shape[i] for i in keep)
    return (None if perm == tuple(range(nd)) else perm), rows, n, out_shape, \
        tuple(shape[i] for i in perm)


def _rows(x, perm, rows, n):
    if perm is not None:
        x = x.transpose(perm)
    if not x.flags.c_contiguous:
        x = np.ascontiguousarray(x)
    return x.reshape(rows, n)


def _compute(x):
    d = x.dtype             # (==, not is: a compiled plan's arrays may hold equal copies)
    return x if d == _F32 or d == _F64 else x.astype(np.float32)


def norm2(x, *, axes, keepdims, masked=True):
    """sqrt(sum(x * x, axes, keepdims))."""
    perm, rows, n, out_shape, _ = layout(x.shape, tuple(axes), keepdims)
    xc = _compute(x)
    out = np.empty(rows, xc.dtype)
    _jit().forward(_rows(xc, perm, rows, n), out)
    out = out.reshape(out_shape)
    return out if xc is x else out.astype(x.dtype)


def norms(xs: list) -> np.ndarray:
    """The 2-norm of each whole array of ``xs`` (float32 or float64 NumPy arrays of one
    dtype) as a 1-d array of that dtype: ``norm2(x, axes=all)`` of each (the same loop on the
    same values, without the layout worked out per array: ``clip_grad_norm_``'s foreach
    norms)."""
    out = np.empty(len(xs), xs[0].dtype)
    loop = _jit().forward
    for i, x in enumerate(xs):
        if not x.flags.c_contiguous:
            x = np.ascontiguousarray(x)
        loop(x.reshape(1, x.size), out[i:i + 1])
    return out


def norm2_grad(g, x, *, axes, keepdims, masked=True):
    """x * g / norm2(x) (g broadcast back over ``axes``), 0 where the norm is 0 if
    ``masked`` (else NaN there, TensorFlow's)."""
    perm, rows, n, _, pshape = layout(x.shape, tuple(axes), keepdims)
    xc = _compute(x)
    gc = np.ascontiguousarray(g, xc.dtype).reshape(rows)
    out = np.empty((rows, n), xc.dtype)
    _jit().grad(gc, _rows(xc, perm, rows, n), np.empty(rows, xc.dtype), out, bool(masked))
    out = out.reshape(pshape)
    if perm is not None:
        out = np.ascontiguousarray(out.transpose(np.argsort(perm)))
    return out if xc is x else out.astype(x.dtype)


def _small(shape, dtype, *, axes, keepdims, masked=True):
    """The eager lane's form of ``norm2`` for one float32/float64 shape: the layout once, then
    the loop on the reshaped buffer."""
    if dtype is not _F32 and dtype is not _F64:
        return None
    perm, rows, n, out_shape, _ = layout(tuple(shape), tuple(axes), keepdims)
    if perm is not None:
        return None
    loop = _jit().forward

    def run(x):
        if not x.flags.c_contiguous:
            x = np.ascontiguousarray(x)
        out = np.empty(rows, dtype)
        loop(x.reshape(rows, n), out)
        return out.reshape(out_shape)
    return run


norm2.small = _small        # type: ignore[attr-defined]
