"""CUDA kernels of the group-normalisation primitives: one thread per (sample, group) of the
``(N, C, S)`` view (the same float64 two-pass statistics as the CPU kernels); the weight
gradient takes the group statistics from a small kernel first, then one thread per channel sums
over the samples and positions.  As with the layer-norm kernels, a block per group with a
shared-memory reduction is the next step when a benchmark asks for large groups."""

from __future__ import annotations

import numpy as np

from . import _support as S
from .elementwise import flat


def _vec(v, x):
    return flat(v) if v is not None else flat(x)       # unread when the flag is off


def _ncs(shape):
    return shape[0], shape[1], S.size_of(shape[2:])


def _per_group(name, x, groups, make_args):
    """The forward's and the input gradient's launch: ``_kernels_group_norm.<name>``, one
    thread per (sample, group), into an output of ``x``'s shape; ``make_args(xf, rows, cg,
    s)`` gives the kernel's arguments after that output."""
    shape = tuple(int(d) for d in x.shape)
    n, c, s = _ncs(shape)
    size = n * c * s
    out = S.empty((max(size, 1),), x.dtype)
    if size:
        from . import _kernels_group_norm
        blocks, threads = S.launch_1d(n * groups)
        getattr(_kernels_group_norm, name)[blocks, threads](
            out, *make_args(flat(x), n * groups, c // groups, s))
    return S.view_as(out if size else S.empty((0,), x.dtype), shape)


def group_norm(x, *wb, groups, eps, affine):
    w = wb[0] if "w" in affine else None
    b = wb[-1] if "b" in affine else None
    return _per_group("forward_groups", x, groups, lambda xf, rows, cg, s: (
        xf, _vec(w, xf), _vec(b, xf), rows, groups, cg, s, float(eps), w is not None,
        b is not None))


def group_norm_grad(g, x, *w, groups, eps, affine):
    wv = w[0] if affine else None
    return _per_group("grad_x_groups", x, groups, lambda xf, rows, cg, s: (
        flat(g), xf, _vec(wv, xf), rows, groups, cg, s, float(eps), wv is not None))


def group_norm_wgrad(g, x, *, groups, eps):
    shape = tuple(int(d) for d in x.shape)
    n, c, s = _ncs(shape)
    out = S.empty((max(c, 1),), x.dtype)
    if n * c * s:
        from ._kernels_group_norm import grad_w_channels, group_stats
        xf = flat(x)
        stats = S.empty((2 * n * groups,), np.float64)
        blocks, threads = S.launch_1d(n * groups)
        group_stats[blocks, threads](stats, xf, n * groups, (c // groups) * s, float(eps))
        blocks, threads = S.launch_1d(c)
        grad_w_channels[blocks, threads](out, flat(g), xf, stats, n, c, groups, s)
    elif c:                                             # no samples (or positions): zero
        from ._kernels import fill
        fill[1, S.WARP](out, x.dtype.type(0), c)
    return out if c else S.empty((0,), x.dtype)
