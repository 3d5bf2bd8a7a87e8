"""Op-table rows of 2-D ``grid_sample`` (dlcore/ops/grid_sample.py): the primitive
``grid_sample2d`` in both modes and the three padding modes, and its two gradients (the input's,
whose vjp is the sample and the grid's gradient; the grid's, whose vjp is the composite's,
``dlcore.recompute``, nested: a second derivative, by finite differences like every row's).

A row's grid is drawn in (0.05, 0.95) and mapped to (-1.24, 1.24) inside the call (an affine
map of ops: the finite differences see the same function), so points also fall outside the
image.  The NumPy references work in float64: the sample from the coordinates' formula, its
adjoint by ``np.add.at``, and the grid's gradient from the bilinear slopes and the
coordinates' factors."""

from __future__ import annotations

import importlib

import numpy as np

from dlcore import ops

gs = importlib.import_module("dlcore.ops.grid_sample")     # (ops.grid_sample is the function)

X = (2, 3, 4, 5)             # N, C, H, W
U = (2, 3, 2, 2)             # N, Ho, Wo, 2
G = (2, 3, 3, 2)             # N, C, Ho, Wo


def _grid(u):
    return ops.sub(ops.mul(u, 2.6), 1.3)


def _coords(g, size, pad, align):
    """The pixel coordinates of the normalised ``g`` and d coordinate / d g."""
    s = (size - 1) / 2 if align else size / 2
    i, m = (g + 1) * s - (0 if align else 0.5), np.full(g.shape, s)
    if pad == "reflection":
        lo, span = (0.0, size - 1.0) if align else (-0.5, float(size))
        if span == 0:
            i, m = np.zeros_like(i), np.zeros_like(m)
        else:
            d = i - lo
            m = np.where(d < 0, -m, m)
            d = np.abs(d)
            extra, even = np.fmod(d, span), np.floor(d / span) % 2 == 0
            i, m = np.where(even, extra + lo, span - extra + lo), np.where(even, m, -m)
    if pad != "zeros":
        i = np.clip(i, 0, size - 1)
        m = np.where((i == 0) | (i == size - 1), 0.0, m)
    return i, m


def _corners(grid, h, w, mode, pad, align):
    """Per point: [(row, col, weight)] of the pixels it reads (inside the image only)."""
    ix = _coords(grid[..., 0].astype(np.float64), w, pad, align)[0]
    iy = _coords(grid[..., 1].astype(np.float64), h, pad, align)[0]
    if mode == "nearest":
        parts = [(np.rint(iy), np.rint(ix), np.ones(ix.shape))]
    else:
        x0, y0 = np.floor(ix), np.floor(iy)
        fx, fy = ix - x0, iy - y0
        parts = [(y0, x0, (1 - fy) * (1 - fx)), (y0, x0 + 1, (1 - fy) * fx),
                 (y0 + 1, x0, fy * (1 - fx)), (y0 + 1, x0 + 1, fy * fx)]
    return [(r, c, wt, (r >= 0) & (r < h) & (c >= 0) & (c < w)) for r, c, wt in parts]


def np_grid_sample(x, u, mode, pad, align):
    grid = u.astype(np.float64) * 2.6 - 1.3
    n, c, h, w = x.shape
    out = np.zeros((n, c, *grid.shape[1:3]))
    for r, col, wt, ok in _corners(grid, h, w, mode, pad, align):
        ri, ci = np.where(ok, r, 0).astype(int), np.where(ok, col, 0).astype(int)
        vals = x.astype(np.float64)[np.arange(n)[:, None, None, None], np.arange(c)[:, None, None],
                                    ri[:, None], ci[:, None]]
        out += np.where(ok[:, None], vals, 0.0) * wt[:, None]
    return out.astype(x.dtype)


def np_grad_input(g, u, mode, pad, align):
    grid = u.astype(np.float64) * 2.6 - 1.3
    n, c = g.shape[:2]
    dx = np.zeros((n, c, X[2], X[3]))
    for r, col, wt, ok in _corners(grid, X[2], X[3], mode, pad, align):
        for b in range(n):
            for ch in range(c):
                m = ok[b]
                np.add.at(dx[b, ch], (r[b][m].astype(int), col[b][m].astype(int)),
                          (g[b, ch].astype(np.float64) * wt[b])[m])
    return dx.astype(g.dtype)


def np_grad_grid(g, x, u, mode, pad, align):
    """sum_c g d sample / d grid: the bilinear slopes along x and y times the coordinates'
    factors (nearest: 0)."""
    grid = u.astype(np.float64) * 2.6 - 1.3
    out = np.zeros(u.shape)
    if mode == "nearest":
        return out.astype(u.dtype)
    n, c, h, w = x.shape
    (ix, mx), (iy, my) = _coords(grid[..., 0], w, pad, align), _coords(grid[..., 1], h, pad, align)
    fx, fy = ix - np.floor(ix), iy - np.floor(iy)
    v = []
    for r, col, _, ok in _corners(grid, h, w, mode, pad, align):
        ri, ci = np.where(ok, r, 0).astype(int), np.where(ok, col, 0).astype(int)
        vals = x.astype(np.float64)[np.arange(n)[:, None, None, None], np.arange(c)[:, None, None],
                                    ri[:, None], ci[:, None]]
        v.append(np.where(ok[:, None], vals, 0.0))
    nw, ne, sw, se = v
    g64 = g.astype(np.float64)
    out[..., 0] = mx * np.sum(g64 * ((1 - fy)[:, None] * (ne - nw) + fy[:, None] * (se - sw)), 1)
    out[..., 1] = my * np.sum(g64 * ((1 - fx)[:, None] * (sw - nw) + fx[:, None] * (se - ne)), 1)
    return out.astype(u.dtype)


CASES = [("bilinear", "zeros", False), ("bilinear", "border", True),
         ("bilinear", "reflection", False), ("nearest", "zeros", True),
         ("nearest", "reflection", False)]
_PRIMS = ("grid_sample2d", "grid_sample2d_grad_input", "grid_sample2d_grad_grid")


def grid_rows(OpRow) -> list:
    rows = []
    for mode, pad, align in CASES:
        p = dict(mode=mode, padding_mode=pad, align_corners=align)
        tag = f"[{mode},{pad},{'align' if align else 'edges'}]"
        near = mode == "nearest"
        rows += [
            OpRow("grid_sample2d" + tag, "grid_sample2d",
                  lambda x, u, p=p: gs.grid_sample(x, _grid(u), **p),
                  lambda x, u, p=p: np_grid_sample(x, u, *p.values()), ((X, U),),
                  ("real", "unit"), (0,) if near else (0, 1), rtol=1e-4, atol=1e-5,
                  primitives=_PRIMS),
            OpRow("grid_sample2d_grad_input" + tag, "grid_sample2d_grad_input",
                  lambda g, u, p=p: gs.grid_sample_grad_input_p.bind(
                      g, _grid(u), size=X[2:], **p),
                  lambda g, u, p=p: np_grad_input(g, u, *p.values()), ((G, U),),
                  ("real", "unit"), (0,) if near else (0, 1), rtol=1e-4, atol=1e-5),
            OpRow("grid_sample2d_grad_grid" + tag, "grid_sample2d_grad_grid",
                  lambda g, x, u, p=p: gs.grid_sample_grad_grid_p.bind(g, x, _grid(u), **p),
                  lambda g, x, u, p=p: np_grad_grid(g, x, u, *p.values()), ((G, X, U),),
                  ("real", "real", "unit"), () if near else (0, 1, 2), rtol=1e-4, atol=1e-4),
        ]
    return rows
