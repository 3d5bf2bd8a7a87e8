"""CPU kernels of 2-D ``grid_sample`` and its gradients (:mod:`dlcore.ops.grid_sample`): the
operands made C-ordered, the constants of the operands' dtype (:func:`constants`), then the
Numba loops of :mod:`._jit_grid_sample` (compiled on first use, cached on disk)."""

from __future__ import annotations

import numpy as np

from .flat import c_flat

MODES = {"bilinear": 0, "nearest": 1}
PADDINGS = {"zeros": 0, "border": 1, "reflection": 2}
_jit = None


def _loops():
    global _jit
    if _jit is None:
        from . import _jit_grid_sample
        _jit = _jit_grid_sample
    return _jit


def constants(dtype, height: int, width: int, align_corners: bool) -> np.ndarray:
    """1, W, H, the reflection's (lo, span) along x then y (the pixel centres 0 and size - 1
    with align_corners, else the outer edges -1/2 and size - 1/2) and the unnormalising scales
    along x and y ((size - 1) / 2 with align_corners, else size / 2), in ``dtype``."""
    def lo_span(n):
        return (0.0, n - 1.0) if align_corners else (-0.5, float(n))

    def scale(n):
        return (n - 1) / 2 if align_corners else n / 2
    return np.array([1.0, width, height, *lo_span(width), *lo_span(height), scale(width),
                     scale(height)], dtype)


def _run(name, mode, padding_mode, align_corners, shape_x, npts, *arrays):
    """The loop ``name`` of (mode, padding mode) on the flat ``arrays`` (the last one written),
    ``shape_x`` (N, C, H, W) the image's."""
    n, c, h, w = shape_x
    loop = getattr(_loops().loops(MODES[mode], PADDINGS[padding_mode]), name)
    k = constants(arrays[-1].dtype, h, w, align_corners)
    loop(*arrays, k, bool(align_corners), n, c, h * w, npts)


def grid_sample(x, grid, *, mode, padding_mode, align_corners):
    n, c, h, w = x.shape
    out = np.empty((n, c, grid.shape[1], grid.shape[2]), x.dtype)
    if out.size:
        _run("forward", mode, padding_mode, align_corners, x.shape, out.shape[2] * out.shape[3],
             c_flat(x), c_flat(grid), out.reshape(-1))
    return out


def grid_sample_grad_input(g, grid, *, size, mode, padding_mode, align_corners):
    h, w = size
    dx = np.zeros((g.shape[0], g.shape[1], h, w), g.dtype)
    if g.size:
        _run("grad_input", mode, padding_mode, align_corners, dx.shape,
             g.shape[2] * g.shape[3], c_flat(g), c_flat(grid), dx.reshape(-1))
    return dx


def grid_sample_grad_grid(g, x, grid, *, mode, padding_mode, align_corners):
    dgrid = np.empty(grid.shape, grid.dtype)          # (the loop writes every entry)
    if grid.size:
        _run("grad_grid", mode, padding_mode, align_corners, x.shape,
             grid.shape[1] * grid.shape[2], c_flat(g), c_flat(x), c_flat(grid),
             dgrid.reshape(-1))
    return dgrid
