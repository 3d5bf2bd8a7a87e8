"""CUDA kernels of the scan, sort and along-axis gather/scatter primitives.

Layout as on the CPU: the operand viewed as ``(outer, n, inner)`` around the axis.

* scans and sorts: one thread per line (``outer * inner`` threads), a serial loop along the
  line.  Simple and exact; a line of length ``n`` costs ``n`` (scan) or ``n^2`` (insertion
  sort, stable) steps in one thread, so this suits the short lines of top-k over classes,
  sorting a batch dimension or a cumulative sum over time steps; a block-parallel scan and a
  bitonic/radix sort are the next step when a benchmark asks for them.
* gather / scatter_add along an axis: one grid-stride loop over the index array; scatter_add
  uses ``cuda.atomic.add`` (repeated indices add up; last bits may vary run to run).
Out-of-range indices are recorded in a device flag and raised on the host as IndexError.
"""

from __future__ import annotations

import numpy as np

from . import _support as S
from .elementwise import flat


def _lines(shape, axis):
    shape = tuple(int(d) for d in shape)
    return S.size_of(shape[:axis]), shape[axis], S.size_of(shape[axis + 1:])


def _per_line(x, axis, name, *args):
    """``_kernels_scan.<name>[...](out, x, o, n, inner, *args)``: one thread per line, the
    result of ``x``'s shape and dtype."""
    shape = tuple(int(d) for d in x.shape)
    n_all = S.size_of(shape)
    out = S.empty((max(n_all, 1),), x.dtype)
    if n_all:
        from . import _kernels_scan
        o, n, inner = _lines(shape, axis)
        blocks, threads = S.launch_1d(o * inner)
        getattr(_kernels_scan, name)[blocks, threads](out, flat(x), o, n, inner, *args)
    return S.view_as(out if n_all else S.empty((0,), x.dtype), shape)


def _scan(x, axis, reverse, exclusive, product):
    return _per_line(x, axis, "scan_lines", reverse, exclusive, product,
                     x.dtype.type(1 if product else 0))


def cumsum(x, *, axis, reverse, exclusive):
    return _scan(x, axis, reverse, exclusive, False)


def cumprod(x, *, axis, reverse, exclusive):
    return _scan(x, axis, reverse, exclusive, True)


def logcumsumexp(x, *, axis):
    return _per_line(x, axis, "logaddexp_lines")


def argsort(x, *, axis, descending):
    shape = tuple(int(d) for d in x.shape)
    n_all = S.size_of(shape)
    out = S.empty((max(n_all, 1),), np.int64)
    if n_all:
        from ._kernels_scan import iota_lines, merge_pass
        o, n, inner = _lines(shape, axis)
        blocks, threads = S.launch_1d(n_all)
        iota_lines[blocks, threads](out, o, n, inner)
        xf = flat(x)
        other = S.empty((n_all,), np.int64) if n > 1 else out
        src, dst = out, other
        width = 1
        while width < n:                    # ceil(log2 n) passes, ping-ponging two buffers
            merge_pass[blocks, threads](dst, src, xf, o, n, inner, width, descending)
            src, dst = dst, src
            width *= 2
        out = src
    return S.view_as(out if n_all else S.empty((0,), np.int64), shape)


def _flag():
    from ._kernels import fill
    err = S.empty((2,), np.int64)
    fill[1, S.WARP](err, np.int64(0), 2)
    return err


def _raise_if_flagged(err, n: int, op: str) -> None:
    flag = err.copy_to_host()
    if flag[0]:
        raise IndexError(f"{op}: index {int(flag[1])} is out of bounds for dimension with "
                         f"size {n}")


def take_along_axis(x, i, *, axis):
    oshape = tuple(int(d) for d in i.shape)
    total = S.size_of(oshape)
    out = S.empty((max(total, 1),), x.dtype)
    if total:
        from ._kernels_scan import gather_lines
        o, k, inner = _lines(oshape, axis)
        n = int(x.shape[axis])
        err = _flag()
        blocks, threads = S.launch_1d(total)
        gather_lines[blocks, threads](out, flat(x), flat(S.device_operand(i)), k, n, inner,
                                      total, err)
        _raise_if_flagged(err, n, "gather")
    return S.view_as(out if total else S.empty((0,), x.dtype), oshape)


def scatter_add_along_axis(v, i, ref, *, axis):
    from ._kernels import fill
    shape = tuple(int(d) for d in ref.shape)
    size = S.size_of(shape)
    dtype = np.dtype(v.dtype)
    out = S.empty((max(size, 1),), dtype)
    if size:
        blocks, threads = S.launch_1d(size)
        fill[blocks, threads](out, S.scalar_of(0, dtype), size)
    total = S.size_of(v.shape)
    if total:
        from ._kernels_scan import scatter_add_lines
        o, k, inner = _lines(tuple(int(d) for d in i.shape), axis)
        n = shape[axis]
        err = _flag()
        blocks, threads = S.launch_1d(total)
        scatter_add_lines[blocks, threads](out, flat(v), flat(S.device_operand(i)), k, n,
                                           inner, total, err)
        _raise_if_flagged(err, n, "scatter_add")
    return S.view_as(out if size else S.empty((0,), dtype), shape)
