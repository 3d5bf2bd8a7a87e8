"""CUDA kernels of 2-D ``grid_sample`` and its gradients (:mod:`dlcore.ops.grid_sample`): the
operands made C-contiguous, the CPU kernel's constants passed as scalars of the operands' dtype,
then one thread per sampled point (:mod:`._kernels_grid_sample`)."""

from __future__ import annotations

from ..cpu.grid_sample import MODES, PADDINGS, constants
from . import _support as S
from ._conv_launch import zeros
from .elementwise import contiguous


def _launch(kernel, points: int, *args, dtype, size, mode, padding_mode, align_corners):
    if points:
        k = [dtype.type(v) for v in constants(dtype, size[0], size[1], align_corners)]
        blocks, threads = S.launch_1d(points)
        kernel[blocks, threads](*args, *k, MODES[mode], PADDINGS[padding_mode],
                                bool(align_corners))


def grid_sample(x, grid, *, mode, padding_mode, align_corners):
    from ._kernels_grid_sample import forward
    n, c, h, w = (int(d) for d in x.shape)
    ho, wo = int(grid.shape[1]), int(grid.shape[2])
    out = S.empty((n, c, ho, wo), x.dtype)
    _launch(forward, n * ho * wo if c else 0, contiguous(x), contiguous(grid), out,
            dtype=out.dtype, size=(h, w), mode=mode, padding_mode=padding_mode,
            align_corners=align_corners)
    return out


def grid_sample_grad_input(g, grid, *, size, mode, padding_mode, align_corners):
    from ._kernels_grid_sample import grad_input
    n, c = int(g.shape[0]), int(g.shape[1])
    dx = zeros((n, c, int(size[0]), int(size[1])), g.dtype)
    _launch(grad_input, n * int(grid.shape[1]) * int(grid.shape[2]) if c else 0,
            contiguous(g), contiguous(grid), dx, dtype=dx.dtype, size=size, mode=mode,
            padding_mode=padding_mode, align_corners=align_corners)
    return dx


def grid_sample_grad_grid(g, x, grid, *, mode, padding_mode, align_corners):
    from ._kernels_grid_sample import grad_grid
    dgrid = S.empty(tuple(int(d) for d in grid.shape), grid.dtype)
    n, ho, wo = (int(d) for d in grid.shape[:3])
    _launch(grad_grid, n * ho * wo, contiguous(g), contiguous(x), contiguous(grid), dgrid,
            dtype=dgrid.dtype, size=(int(x.shape[2]), int(x.shape[3])), mode=mode,
            padding_mode=padding_mode, align_corners=align_corners)
    return dgrid
