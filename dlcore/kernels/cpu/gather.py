"""CPU kernels for take / scatter_add (integer-array indexing along axis 0).

``take`` is NumPy's ``take`` (a gather of rows: a memory move NumPy already does at bandwidth).
``scatter_add`` is a Numba loop over the indices (``_jit_index.scatter_add_rows``, imported on
first use): NumPy's ``add.at`` is its unbuffered reference, much slower for row updates.
"""

from __future__ import annotations

import math

import numpy as np

from ...errors import IndexOutOfBounds


_U64, _I64 = np.dtype(np.uint64), np.dtype(np.int64)


def in_range(i: np.ndarray, n: int) -> bool:
    """Is every entry of the int64 array ``i`` in ``[0, n)``?  A C-contiguous one through one
    Numba pass (``_jit_index.in_range``, imported on first use); else one reduction where a
    minimum and a maximum made two: a negative int64 read as uint64 is at least 2**63."""
    if i.flags.c_contiguous and i.dtype == _I64:
        return (_RANGE[0] if _RANGE else _load_range())(i.reshape(-1), n)
    return not i.size or int(i.view(_U64).max()) < n


def _checked(i: np.ndarray, n: int) -> np.ndarray:
    if i.ndim == 0:                  # one index (a loop reading one row): no reductions
        k = int(i)
        if k >= n or k < -n:
            raise IndexOutOfBounds(f"index {k} is out of bounds for dimension 0 with size {n}")
        return i
    if i.flags.c_contiguous and i.dtype.kind in "iu":
        if (_BOUNDS[0] if _BOUNDS else _load_bounds())(i.reshape(-1), n):
            return i
    if i.size and (i.max() >= n or i.min() < -n):
        bad = i[(i >= n) | (i < -n)].flat[0]
        raise IndexOutOfBounds(f"index {bad} is out of bounds for dimension 0 with size {n}")
    return i


def take(x, i):
    return np.take(x, _checked(i, x.shape[0]), axis=0)


def scatter_add(v, i, ref):
    return add_rows(np.zeros(ref.shape, v.dtype), i, v)


def add_rows(out, i, v):
    """``out[i[j], ...] += v[j, ...]`` in place, ``j`` ascending (each row into the sum so far:
    PyTorch's CPU order), ``out`` C-contiguous; ``i`` checked against ``out``'s first axis
    (negative indices count from the end).  ``scatter_add``'s kernel (into zeros) and
    ``index_add``'s (into a copy of its ``x``, or into ``x`` itself in the no-grad lane)."""
    n = out.shape[0]
    i = np.asarray(i)
    if out.ndim == 1 and i.ndim:    # (a vector: NumPy's add.at, the same order, quicker than
        np.add.at(out, _checked(i, n), v)        # the loop's call; negatives wrap there)
        return out
    if i.ndim and i.dtype == np.int64 and in_range(i, n):
        negative = False            # (the common case: one reduction, nothing to wrap)
    elif i.ndim == 0 or i.size > SMALL_INDEX:
        i = _checked(i, n)
        if i.ndim == 0:              # one row: added in place
            out[int(i)] += v
            return out
        negative = True
    else:
        # a few indices (a tree net's embedding gradient, issue 19): their bounds from the
        # Python list, and no wrap of negative ones when there are none (NumPy's reductions,
        # np.where and np.prod cost 19 us of a 22-index call)
        flat = i.ravel().tolist()
        if flat and (max(flat) >= n or min(flat) < -n):
            bad = next(k for k in flat if k >= n or k < -n)
            raise IndexOutOfBounds(f"index {bad} is out of bounds for dimension 0 with size {n}")
        negative = bool(flat) and min(flat) < 0
    if i.size == 0 or out.size == 0:
        return out
    idx = np.where(i < 0, i + n, i) if negative else i
    scatter_add_rows = _ROWS[0] if _ROWS else _load_rows()
    idx = idx.reshape(-1).astype(np.int64, copy=False)
    rows = math.prod(out.shape[1:])
    scatter_add_rows(np.ascontiguousarray(v).reshape(idx.shape[0], rows), idx,
                     out.reshape(n, rows))
    return out


_ROWS: list = []        # _jit_index.scatter_add_rows once loaded (its module compiles on import)


def _load_rows():
    from ._jit_index import scatter_add_rows
    _ROWS.append(scatter_add_rows)
    return scatter_add_rows


SMALL_INDEX = 256       # up to this many indices, scatter_add checks them as a Python list


_BOUNDS: list = []      # _jit_index.in_bounds once loaded


_RANGE: list = []       # _jit_index.in_range once loaded


def _load_range():
    from ._jit_index import in_range as jit_in_range
    _RANGE.append(jit_in_range)
    return jit_in_range


def _load_bounds():
    from ._jit_index import in_bounds
    _BOUNDS.append(in_bounds)
    return in_bounds
