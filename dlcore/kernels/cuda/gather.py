"""CUDA kernels for ``take`` and ``scatter_add``: integer-array indexing along axis 0.

Both view their operands as matrices of rows: ``x`` of shape ``(n, *rest)`` is ``n`` rows of
``rowsize = prod(rest)`` elements.  One grid-stride loop runs over the output (``take``) or over
the values (``scatter_add``); element ``e`` belongs to row ``j = e // rowsize``, column
``c = e % rowsize``, and its partner row is ``indices[j]`` (negative indices count from the end).
Consecutive threads handle consecutive columns of one row, so reads and writes are coalesced.

``scatter_add`` may add several values into one output element (repeated indices), so it uses
``cuda.atomic.add``: the hardware serialises colliding adds.  Floating-point addition is not
associative, so the result's last bits may differ from run to run on a real GPU, as with
PyTorch's ``index_add_`` on CUDA.

Index checking.  Indices are data on the device; a kernel that meets one out of range records it
in a 2-element flag buffer, and the host reads the flag back (16 bytes, a synchronisation point;
not counted in ``transfer_stats``, which counts the user's data copies) to raise the same
IndexError as the CPU kernel.
"""

from __future__ import annotations

import numpy as np

from . import _support as S
from .elementwise import flat


def _rows(shape) -> tuple[int, int]:
    shape = tuple(int(d) for d in shape)
    return shape[0], S.size_of(shape[1:])


def _flag():
    from ._kernels import fill
    err = S.empty((2,), np.int64)
    fill[1, S.WARP](err, np.int64(0), 2)
    return err


def _raise_if_flagged(err, n: int) -> None:
    flag = err.copy_to_host()
    if flag[0]:
        raise IndexError(f"index {int(flag[1])} is out of bounds for dimension 0 with size {n}")


def take(x, i):
    """y[j, ...] = x[i[j], ...]."""
    nrows, rowsize = _rows(x.shape)
    out_shape = tuple(int(d) for d in i.shape) + tuple(int(d) for d in x.shape)[1:]
    n = S.size_of(out_shape)
    out = S.empty((n,), x.dtype)
    if n == 0:
        return S.view_as(out, out_shape)
    from ._kernels import take_rows
    err = _flag()
    i = S.device_operand(i)
    idx = flat(i.reshape((1,)) if len(i.shape) == 0 else i)
    blocks, threads = S.launch_1d(n)
    take_rows[blocks, threads](out, flat(x), idx, nrows, rowsize, n, err)
    _raise_if_flagged(err, nrows)
    return S.view_as(out, out_shape)


def scatter_add(v, i, ref):
    """y = zeros like ref;  y[i[j], ...] += v[j, ...]."""
    from ._kernels import fill
    shape = tuple(int(d) for d in ref.shape)
    nrows, rowsize = _rows(shape)
    dtype = np.dtype(v.dtype)
    total = S.size_of(shape)
    out = S.empty((total,), dtype)
    if total:
        blocks, threads = S.launch_1d(total)
        S.fast(fill)[blocks, threads](out, S.scalar_of(0, dtype), total)
    _add_flat_rows(out, v, i, nrows, rowsize)
    return S.view_as(out, shape)


def add_rows(out, v, i):
    """out[i[j], ...] += v[j, ...] in place (``out`` a contiguous device array; the
    ``index_add`` primitive's kernel, into a copy of its ``x``)."""
    nrows, rowsize = _rows(out.shape)
    _add_flat_rows(flat(out), v, i, nrows, rowsize)


def _add_flat_rows(out, v, i, nrows: int, rowsize: int) -> None:
    from ._kernels import scatter_add_rows, scatter_or_rows
    n = S.size_of(v.shape)
    if n:                       # even into an empty ref: a bad index must still raise
        err = _flag()
        i = S.device_operand(i)
        idx = flat(i.reshape((1,)) if len(i.shape) == 0 else i)
        kernel = scatter_or_rows if np.dtype(v.dtype) == np.bool_ else scatter_add_rows
        blocks, threads = S.launch_1d(n)
        S.fast(kernel)[blocks, threads](out, flat(v), idx, nrows, rowsize, n, err)
        _raise_if_flagged(err, nrows)
