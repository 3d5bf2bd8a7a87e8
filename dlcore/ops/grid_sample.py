"""Spatial transformers: ``affine_grid`` and ``grid_sample`` (PyTorch's 2-D forms) as composites
of dlcore's primitives, so both gradients (to the image and to the sampling grid) come from the
primitives' vjps.

    affine_grid(theta, (N, C, H, W))   grid[n, h, w] = theta[n] @ (x_w, y_h, 1): the pixel
        centres' normalised coordinates in [-1, 1] (``align_corners``: -1 and 1 are the corner
        pixels' centres; else their outer edges), one matmul with a constant (H W, 3) base
    grid_sample(x, grid)   out[n, c, h, w] = x[n, c] read at grid[n, h, w] = (gx, gy):
        ix = (gx + 1) / 2 (W - 1)  (align_corners)  or  ((gx + 1) W - 1) / 2, iy likewise
        bilinear: the four neighbours floor/floor + 1, weights (1 - fx, fx) x (1 - fy, fy);
        nearest: the neighbour at rint(ix), rint(iy) (half to even, as PyTorch)
        padding 'zeros': neighbours outside read 0; 'border': ix, iy clipped to the image;
        'reflection': ix, iy reflected at the border (about the corner centres with
        align_corners, about the outer edges without), then clipped

The neighbours are read with ``take_along_axis`` on each flattened (n, c) plane at integer
positions computed from ``floor`` of the coordinates under ``stop_gradient``, so dx is a
scatter of the weighted cotangent and d grid comes through the weights (``fx = ix - floor(ix)``).
"""

from __future__ import annotations

import numpy as np

from ..device import const_like
from ..registry import aval_of
from . import elementwise as _e
from .indexing import getitem
from .linalg import matmul
from .math_unary import floor, rint
from .shape import broadcast_to, expand_dims, reshape, transpose


def _linspace(n: int, align_corners: bool) -> np.ndarray:
    if n <= 1:
        return np.zeros(max(n, 1))
    r = np.linspace(-1.0, 1.0, n)
    return r if align_corners else r * (n - 1) / n


def affine_grid(theta, size, align_corners: bool = False):
    """``(N, H, W, 2)`` sampling grid of the 2-D affine maps ``theta (N, 2, 3)``."""
    h, w = int(size[-2]), int(size[-1])
    xs, ys = _linspace(w, align_corners), _linspace(h, align_corners)
    base = np.stack([np.broadcast_to(xs[None, :], (h, w)), np.broadcast_to(ys[:, None], (h, w)),
                     np.ones((h, w))], -1).reshape(h * w, 3)
    dtype = aval_of(theta).dtype
    grid = matmul(const_like(base.astype(dtype), theta), transpose(theta, (0, 2, 1)))
    return reshape(grid, (-1, h, w, 2))


def _unnormalise(g, n: int, align_corners: bool):
    if align_corners:
        return _e.mul(_e.add(g, 1.0), (n - 1) / 2.0)
    return _e.div(_e.sub(_e.mul(_e.add(g, 1.0), float(n)), 1.0), 2.0)


def _reflect(i, n: int, align_corners: bool):
    """PyTorch's reflect_coordinates then clip_coordinates."""
    from .math_binary import fmod
    lo, span = (0.0, float(n - 1)) if align_corners else (-0.5, float(n))
    if span <= 0:
        return _e.mul(i, 0.0)
    d = _e.abs(_e.sub(i, lo))
    extra = fmod(d, span)
    flips = floor(_e.div(_e.stop_gradient(d), span))
    even = _e.equal(fmod(flips, 2.0), 0.0)
    r = _e.where(even, _e.add(extra, lo), _e.sub(span + lo, extra))
    return _e.minimum(_e.maximum(r, 0.0), float(n - 1))


def _coords(g, n: int, padding_mode: str, align_corners: bool):
    i = _unnormalise(g, n, align_corners)
    if padding_mode == "border":
        return _e.minimum(_e.maximum(i, 0.0), float(n - 1))
    if padding_mode == "reflection":
        return _reflect(i, n, align_corners)
    return i


def grid_sample(x, grid, mode: str = "bilinear", padding_mode: str = "zeros",
                align_corners: bool = False):
    """``x (N, C, H, W)`` sampled at ``grid (N, Ho, Wo, 2)`` (normalised (x, y) in [-1, 1]):
    ``(N, C, Ho, Wo)``; modes 'bilinear' and 'nearest', padding 'zeros', 'border' or
    'reflection'."""
    n, c, h, w = aval_of(x).shape
    _, ho, wo, _ = aval_of(grid).shape
    dtype = aval_of(x).dtype
    ix = _coords(getitem(grid, (Ellipsis, 0)), w, padding_mode, align_corners)   # (N, Ho, Wo)
    iy = _coords(getitem(grid, (Ellipsis, 1)), h, padding_mode, align_corners)
    planes = reshape(x, (n, c, h * w))

    def read(cx, cy):
        """x at the integer-valued (cx, cy) (no gradient through them), 0 outside: (N, C, P)."""
        cx, cy = _e.stop_gradient(cx), _e.stop_gradient(cy)
        inside = None
        for cond in (_e.greater_equal(cx, 0.0), _e.less(cx, float(w)),
                     _e.greater_equal(cy, 0.0), _e.less(cy, float(h))):
            m = _e.cast(cond, dtype)
            inside = m if inside is None else _e.mul(inside, m)
        sx = _e.minimum(_e.maximum(cx, 0.0), float(w - 1))
        sy = _e.minimum(_e.maximum(cy, 0.0), float(h - 1))
        flat = _e.cast(_e.add(_e.mul(sy, float(w)), sx), np.int64)
        idx = broadcast_to(reshape(flat, (n, 1, ho * wo)), (n, c, ho * wo))
        from .scan import take_along_axis
        vals = take_along_axis(planes, idx, -1)
        return _e.mul(vals, reshape(inside, (n, 1, ho * wo)))

    if mode == "nearest":
        out = read(rint(ix), rint(iy))
    else:
        x0, y0 = floor(_e.stop_gradient(ix)), floor(_e.stop_gradient(iy))
        fx, fy = _e.sub(ix, x0), _e.sub(iy, y0)                  # the weights carry d grid
        gx, gy = _e.sub(1.0, fx), _e.sub(1.0, fy)
        x1, y1 = _e.add(x0, 1.0), _e.add(y0, 1.0)

        def wgt(a, b):
            return expand_dims(reshape(_e.mul(a, b), (n, ho * wo)), 1)

        out = _e.add(_e.add(_e.mul(read(x0, y0), wgt(gx, gy)), _e.mul(read(x1, y0), wgt(fx, gy))),
                     _e.add(_e.mul(read(x0, y1), wgt(gx, fy)), _e.mul(read(x1, y1), wgt(fx, fy))))
    return reshape(out, (n, c, ho, wo))
