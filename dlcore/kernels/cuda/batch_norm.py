"""CUDA kernels of the training-mode batch-normalisation primitives: the per-channel sums
(statistics, and the backward's sum(g), sum(g xhat)) one thread per channel, the normalisation
and the input gradient one thread per element.  A channel's sum in one thread is slow for large
N x H x W on a real GPU; a block-per-channel shared-memory reduction is the next step when a
GPU benchmark asks for it."""

from __future__ import annotations

import numpy as np

from . import _support as S
from .elementwise import flat


def _dims(shape, last=False):
    """(N, C, L) of the kernels' layout: a channels-last operand is (positions, C, 1)."""
    if last:       # (the simulator's shapes take no negative index: a tuple first)
        shape = tuple(int(d) for d in shape)
        return S.size_of(shape[:-1]), shape[-1], 1
    return int(shape[0]), int(shape[1]), S.size_of(shape[2:])


def _vec(v, x):
    return flat(v) if v is not None else x          # unread when the flag is off


def batch_norm_stats(x, last=False):
    nb, nc, nl = _dims(x.shape, last)
    out = S.empty((max(2 * nc, 1),), x.dtype)
    if nc:
        if nb * nl == 0:
            from ._kernels import fill
            fill[1, S.WARP](out, x.dtype.type(np.nan), 2 * nc)
        else:
            from ._kernels_batch_norm import stats_channels
            blocks, threads = S.launch_1d(nc)
            stats_channels[blocks, threads](out, flat(x), nb, nc, nl)
    return S.view_as(out if nc else S.empty((0,), x.dtype), (2, nc))


def batch_norm_train(x, st, *wb, eps, affine, last=False):
    w = wb[0] if "w" in affine else None
    b = wb[-1] if "b" in affine else None
    shape = tuple(int(d) for d in x.shape)
    nb, nc, nl = _dims(shape, last)
    total = nb * nc * nl
    out = S.empty((max(total, 1),), x.dtype)
    if total:
        from ._kernels_batch_norm import forward_elems
        xf = flat(x)
        blocks, threads = S.launch_1d(total)
        forward_elems[blocks, threads](out, xf, flat(st), _vec(w, xf), _vec(b, xf), nc, nl,
                                       total, float(eps), w is not None, b is not None)
    return S.view_as(out if total else S.empty((0,), x.dtype), shape)


def batch_norm_grad_stats(g, x, st, *, eps, last=False):
    nb, nc, nl = _dims(x.shape, last)
    out = S.empty((max(2 * nc, 1),), x.dtype)
    if nc:
        if nb * nl == 0:
            from ._kernels import fill
            fill[1, S.WARP](out, x.dtype.type(0), 2 * nc)
        else:
            from ._kernels_batch_norm import grad_stats_channels
            blocks, threads = S.launch_1d(nc)
            grad_stats_channels[blocks, threads](out, flat(g), flat(x), flat(st), nb, nc, nl,
                                                 float(eps))
    return S.view_as(out if nc else S.empty((0,), x.dtype), (2, nc))


def batch_norm_grad_x(g, x, st, gs, *w, eps, affine, last=False):
    wv = w[0] if affine else None
    shape = tuple(int(d) for d in x.shape)
    nb, nc, nl = _dims(shape, last)
    total = nb * nc * nl
    out = S.empty((max(total, 1),), x.dtype)
    if total:
        from ._kernels_batch_norm import grad_x_elems
        xf = flat(x)
        blocks, threads = S.launch_1d(total)
        grad_x_elems[blocks, threads](out, flat(g), xf, flat(st), flat(gs), _vec(wv, xf),
                                      nb * nl, nc, nl, total, float(eps), wv is not None)
    return S.view_as(out if total else S.empty((0,), x.dtype), shape)
