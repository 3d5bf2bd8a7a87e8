"""CUDA kernels of ``scatter_set`` and ``scatter_combine`` (dlcore/ops/scatter_ops.py).

Deterministic by construction (no floating-point atomics):

* ``scatter_set``: pass 1 records, for every destination element, the largest ``k`` that
  writes to it (``cuda.atomic.max`` into an int64 buffer that starts at -1: integer atomics
  commute, so the winner never depends on thread order); pass 2 lets only that writer store.
  The result equals the CPU's sequential "last write wins".
* ``scatter_combine``: one thread per destination element folds the values aimed at it in
  order ``k`` (``k`` index reads per thread).

The destination starts as a device-to-device copy of ``x``.  Out-of-range indices are flagged
on the device and raised on the host as the CPU kernel raises them.
"""

from __future__ import annotations

import numpy as np

from . import _support as S
from .elementwise import flat
from .scan import _flag, _lines, _raise_if_flagged

_CODES = {"max": 0, "min": 1, "prod": 2}


def _copy_of(x):
    shape = tuple(int(d) for d in x.shape)
    size = S.size_of(shape)
    out = S.empty((max(size, 1),), x.dtype)
    if size:
        out.copy_to_device(flat(x))
    return out, shape, size


def scatter_set(x, v, i, *, axis):
    out, shape, size = _copy_of(x)
    total = S.size_of(v.shape)
    if total:
        from ._kernels import fill
        from ._kernels_scatter import last_writer, write_winners
        _, k, inner = _lines(tuple(int(d) for d in i.shape), axis)
        n = shape[axis]
        win = S.empty((max(size, 1),), np.int64)
        blocks, threads = S.launch_1d(max(size, 1))
        fill[blocks, threads](win, np.int64(-1), max(size, 1))
        err = _flag()
        idx = flat(S.device_operand(i))
        blocks, threads = S.launch_1d(total)
        last_writer[blocks, threads](win, idx, k, n, inner, total, err)
        _raise_if_flagged(err, n, "scatter")
        if size:
            write_winners[blocks, threads](out, flat(v), idx, win, k, n, inner, total)
    return S.view_as(out if size else S.empty((0,), x.dtype), shape)


def scatter_combine(x, v, i, *, axis, reduce):
    out, shape, size = _copy_of(x)
    total = S.size_of(v.shape)
    if total:
        from ._kernels_scatter import check_lines, combine_lines
        _, k, inner = _lines(tuple(int(d) for d in i.shape), axis)
        n = shape[axis]
        err = _flag()
        idx = flat(S.device_operand(i))
        blocks, threads = S.launch_1d(total)
        check_lines[blocks, threads](idx, n, total, err)
        _raise_if_flagged(err, n, f"scatter_reduce({reduce})")
        if size:
            blocks, threads = S.launch_1d(size)
            combine_lines[blocks, threads](out, flat(v), idx, k, n, inner, size,
                                           _CODES[reduce])
    return S.view_as(out if size else S.empty((0,), x.dtype), shape)
