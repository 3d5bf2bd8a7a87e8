"""CUDA kernels of the layer-normalisation primitives: one thread per row of the ``(rows, n)``
view (the same float64 two-pass statistics as the CPU kernels); the weight gradient takes the
row statistics from a small kernel first, then one thread per column sums over the rows.  Rows
are short in the uses that matter (transformer widths); a block-per-row kernel with a shared-
memory reduction is the next step when a benchmark asks for long rows."""

from __future__ import annotations

import numpy as np

from . import _support as S
from .elementwise import flat


def _split(shape, k):
    return S.size_of(shape[:len(shape) - k]), S.size_of(shape[len(shape) - k:])


def _vec(v, x):
    return flat(v) if v is not None else flat(x)       # unread when the flag is off


def layer_norm(x, *wb, k, eps, affine):
    w = wb[0] if "w" in affine else None
    b = wb[-1] if "b" in affine else None
    shape = tuple(int(d) for d in x.shape)
    rows, n = _split(shape, k)
    out = S.empty((max(rows * n, 1),), x.dtype)
    if rows * n:
        from ._kernels_layer_norm import forward_rows
        xf = flat(x)
        blocks, threads = S.launch_1d(rows)
        forward_rows[blocks, threads](out, xf, _vec(w, xf), _vec(b, xf), rows, n, float(eps),
                                      w is not None, b is not None)
    return S.view_as(out if rows * n else S.empty((0,), x.dtype), shape)


def layer_norm_grad(g, x, *w, k, eps, affine):
    wv = w[0] if affine else None
    shape = tuple(int(d) for d in x.shape)
    rows, n = _split(shape, k)
    out = S.empty((max(rows * n, 1),), x.dtype)
    if rows * n:
        from ._kernels_layer_norm import grad_x_rows
        xf = flat(x)
        blocks, threads = S.launch_1d(rows)
        grad_x_rows[blocks, threads](out, flat(g), xf, _vec(wv, xf), rows, n, float(eps),
                                     wv is not None)
    return S.view_as(out if rows * n else S.empty((0,), x.dtype), shape)


def layer_norm_wgrad(g, x, *, k, eps):
    shape = tuple(int(d) for d in x.shape)
    rows, n = _split(shape, k)
    out = S.empty((max(n, 1),), x.dtype)
    if n and rows:
        from ._kernels_layer_norm import grad_w_cols, row_stats
        xf = flat(x)
        stats = S.empty((2 * rows,), np.float64)
        blocks, threads = S.launch_1d(rows)
        row_stats[blocks, threads](stats, xf, rows, n, float(eps))
        blocks, threads = S.launch_1d(n)
        grad_w_cols[blocks, threads](out, flat(g), xf, stats, rows, n)
    elif n:                                             # no rows: a zero gradient
        from ._kernels import fill
        fill[1, S.WARP](out, x.dtype.type(0), n)
    return S.view_as(out if n else S.empty((0,), x.dtype), shape[len(shape) - k:])
