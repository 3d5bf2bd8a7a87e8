"""CPU indexing kernels: basic slicing (a NumPy view), its scatter, functional assignment,
``one_hot`` (a Numba loop) and ``full_like``.

Slicing, scattering a slice and copying are pure memory moves, which NumPy's strided copy
already does at memory bandwidth; a Numba loop would add a compile and no speed, so they stay
NumPy operations.  ``one_hot`` is a Numba loop (imported on first use), because the NumPy
formulation materialises an ``(N, depth)`` comparison first.
"""

from __future__ import annotations

import numpy as np

from ...dtypes import is_half

_jit_one_hot = None


def numpy_index(cidx: tuple) -> tuple:
    """dlcore's canonical index (see dlcore.ops.indexing) as a NumPy index, remembered per
    canonical index (a tree network's backward slices the same few ways hundreds of times a
    step: the conversion cost about as much as the slice)."""
    try:
        out = _NUMPY_INDEX.get(cidx)
    except TypeError:                # (not hashable: not a canonical index; converted as is)
        return tuple(slice(*i[1:]) if isinstance(i, tuple) else i for i in cidx)
    if out is None:
        out = tuple(slice(*i[1:]) if isinstance(i, tuple) else i for i in cidx)
        if len(_NUMPY_INDEX) > 4096:
            _NUMPY_INDEX.clear()
        _NUMPY_INDEX[cidx] = out
    return out


_NUMPY_INDEX: dict = {}


def getitem(x, *, idx):
    """y = x[idx]: a view.  The trailing ``...`` keeps it one when every axis gets an integer
    (``x[0]`` of a vector): NumPy would return a scalar copy, and in-place updates through the
    result would not reach ``x``."""
    return x[numpy_index(idx) + (Ellipsis,)]


def slice_scatter(g, ref, *, idx):
    """y = zeros like ref, with y[idx] = g."""
    out = np.zeros(ref.shape, g.dtype)
    out[numpy_index(idx)] = g
    return out


def index_update(x, v, *, idx):
    """y = copy of x with y[idx] = v."""
    out = np.array(x, copy=True, order="C")
    out[numpy_index(idx)] = v
    return out


def _one_hot_loop():
    global _jit_one_hot
    if _jit_one_hot is None:
        from ._jit_index import one_hot_rows
        _jit_one_hot = one_hot_rows
    return _jit_one_hot


def one_hot(x, *, depth, dtype):
    """y[..., k] = (x == k); indices outside [0, depth) give a row of zeros."""
    x = np.asarray(x)
    dtype = np.dtype(dtype)
    # Numba has no 16-bit floats (bfloat16 is ml_dtypes'): the 0/1 rows are written in float32
    # and cast, exactly
    wide = np.dtype(np.float32) if is_half(dtype) else dtype
    out = np.zeros(x.shape + (depth,), wide)
    if out.size:
        _one_hot_loop()(np.ascontiguousarray(x).reshape(-1), out.reshape(-1, depth))
    return out if wide == dtype else out.astype(dtype)


def full_like(x, *, value, dtype):
    """y = an array shaped like x filled with value (a float past the dtype's range: inf,
    without NumPy's overflow warning)."""
    if type(value) is float and not -65504.0 <= value <= 65504.0:
        with np.errstate(over="ignore", invalid="ignore"):
            return np.full(x.shape, value, dtype or x.dtype)
    return np.full(x.shape, value, dtype or x.dtype)
