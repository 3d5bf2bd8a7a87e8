"""``F.grid_sample(mode='bicubic')`` for 4-D inputs, as PyTorch's CPU kernel computes it, written
with differentiable eager ops (gradients to the input and to the grid follow from autograd).

For each output position the grid's (x, y) is unnormalised (``align_corners`` as the other
modes), the 4 x 4 neighbours around ``floor`` are read with the padding mode applied to each
integer coordinate (zeros: outside reads 0; border: clamped; reflection: reflected, then
clamped), and the cubic convolution (A = -0.75) is applied along x, then along y.
"""

from __future__ import annotations

from dlcore import ops as _ops

from ..tensor import Tensor

_A = -0.75


def _unnormalize(coord: Tensor, size: int, align_corners: bool) -> Tensor:
    if align_corners:
        return (coord + 1) / 2 * (size - 1)
    return ((coord + 1) * size - 1) / 2


def _reflect(x: Tensor, twice_low: int, twice_high: int) -> Tensor:
    if twice_low == twice_high:
        return x * 0
    lo = twice_low / 2
    span = (twice_high - twice_low) / 2
    x = (x - lo).abs()
    extra = _ops.fmod(x, span)
    flips = (x / span).floor()
    return _ops.where(_ops.equal(_ops.fmod(flips, 2.0), 0.0), extra + lo, span - extra + lo)


def _bounded(coord: Tensor, size: int, padding_mode: str, align_corners: bool) -> Tensor:
    """An integer-valued coordinate with the padding mode applied (zeros: unchanged)."""
    if padding_mode == "border":
        return coord.clamp(0, size - 1)
    if padding_mode == "reflection":
        r = _reflect(coord, 0, 2 * (size - 1)) if align_corners else \
            _reflect(coord, -1, 2 * size - 1)
        return r.clamp(0, size - 1)
    return coord


def _coefficients(t: Tensor) -> list:
    def conv1(x):
        return ((_A + 2) * x - (_A + 3)) * x * x + 1

    def conv2(x):
        return ((_A * x - 5 * _A) * x + 8 * _A) * x - 4 * _A
    return [conv2(t + 1.0), conv1(t), conv1(1.0 - t), conv2(2.0 - t)]


def grid_sample_bicubic(input: Tensor, grid: Tensor, padding_mode: str,
                        align_corners: bool) -> Tensor:
    n, c, h, w = input.shape
    ho, wo = grid.shape[1], grid.shape[2]
    ix = _unnormalize(grid[..., 0], w, align_corners)        # (N, Ho, Wo)
    iy = _unnormalize(grid[..., 1], h, align_corners)
    x0, y0 = ix.detach().floor(), iy.detach().floor()
    cx, cy = _coefficients(ix - x0), _coefficients(iy - y0)
    flat = input.reshape(n, c, h * w)
    out = None
    for j in range(4):
        yj = _bounded(y0 + (j - 1), h, padding_mode, align_corners)
        row = None
        for i in range(4):
            xi = _bounded(x0 + (i - 1), w, padding_mode, align_corners)
            inside = (xi >= 0) & (xi <= w - 1) & (yj >= 0) & (yj <= h - 1)
            idx = (yj.clamp(0, h - 1) * w + xi.clamp(0, w - 1)).nan_to_num(0.0).long()
            idx = idx.reshape(n, 1, ho * wo)    # (a NaN grid reads tap 0, masked: it was
            # cast to int64's minimum, an IndexError where PyTorch gives NaN)
            v = flat.gather(2, idx.expand(n, c, ho * wo)).reshape(n, c, ho, wo)
            v = v * inside.unsqueeze(1).to(v.dtype)
            term = v * cx[i].unsqueeze(1)
            row = term if row is None else row + term
        term = row * cy[j].unsqueeze(1)
        out = term if out is None else out + term
    assert out is not None                  # (4 x 4 taps: the loops ran)
    return out

