"""``F.affine_grid`` and ``F.grid_sample`` (the Spatial Transformer Networks tutorial's two
functions) with PyTorch's checks and warnings; the maths are dlcore's in
dlcore/ops/grid_sample.py (2-D: the primitive ``grid_sample2d``; 3-D: a composite)."""

from __future__ import annotations

import warnings

from dlcore.ops import affine_grid as _affine_grid
from dlcore.ops import grid_sample as _grid_sample

from ..tensor import Tensor

_ALIGN_WARNING = ("Default grid_sample and affine_grid behavior has changed to "
                  "align_corners=False since 1.3.0. Please specify align_corners=True if the old "
                  "behavior is desired. See the documentation of grid_sample for details.")


def affine_grid(theta: Tensor, size, align_corners: bool | None = None) -> Tensor:
    """The ``(N, H, W, 2)`` sampling grid of a batch of 2-D affine maps ``theta (N, 2, 3)``
    for an output of ``size (N, C, H, W)`` (or ``(N, D, H, W, 3)`` from ``theta (N, 3, 4)``
    for ``(N, C, D, H, W)``), in normalised coordinates.

    Example::

        >>> theta = torch.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]])
        >>> torch.nn.functional.affine_grid(theta, (1, 1, 2, 3), align_corners=False).shape
        torch.Size([1, 2, 3, 2])
    """
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    if not theta.is_floating_point():
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    if len(size) == 4:
        if theta.dim() != 3 or theta.shape[-2] != 2 or theta.shape[-1] != 3:
            raise ValueError(f"Expected a batch of 2D affine matrices of shape Nx2x3 for size "
                             f"{size}. Got {theta.shape}.")
    elif len(size) == 5:
        if theta.dim() != 3 or theta.shape[-2] != 3 or theta.shape[-1] != 4:
            raise ValueError(f"Expected a batch of 3D affine matrices of shape Nx3x4 for size "
                             f"{size}. Got {theta.shape}.")
    else:
        raise NotImplementedError(f"affine_grid only supports 4D and 5D sizes, for 2D and 3D "
                                  f"affine transforms, respectively. Got size {size}.")
    if align_corners and min(size[2:]) == 1:
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size "
                      "grids when align_corners=True. This is not an intended use case of "
                      "affine_grid. See the documentation of affine_grid for details.",
                      stacklevel=2)
    elif min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    if theta.shape[0] != size[0]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{size[0]}, {len(size) - 1}] but got: [{theta.shape[0]}, "
                           f"{len(size) - 1}].")
    return _affine_grid(theta, list(size), bool(align_corners))


def grid_sample(input: Tensor, grid: Tensor, mode: str = "bilinear",
                padding_mode: str = "zeros", align_corners: bool | None = None) -> Tensor:
    """Sample ``input (N, C, H, W)`` at the normalised (x, y) positions of ``grid (N, Ho,
    Wo, 2)`` (or ``(N, C, D, H, W)`` at the (x, y, z) of ``(N, Do, Ho, Wo, 3)``): bilinear
    (trilinear for 5-D), nearest or bicubic (4-D only, ``_grid_bicubic``), with 'zeros',
    'border' or 'reflection' padding.

    Example::

        >>> x = torch.arange(6.0).reshape(1, 1, 2, 3)
        >>> theta = torch.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]])
        >>> grid = torch.nn.functional.affine_grid(theta, (1, 1, 2, 3), align_corners=True)
        >>> torch.nn.functional.grid_sample(x, grid, align_corners=True)
        tensor([[[[0., 1., 2.],
                  [3., 4., 5.]]]])
    """
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', "
                         f"'nearest' or 'bicubic', but got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(f"nn.functional.grid_sample(): expected padding_mode to be 'zeros', "
                         f"'border', or 'reflection', but got: '{padding_mode}'")
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    if grid.shape[0] != input.shape[0]:
        raise RuntimeError(f"grid_sampler(): expected grid and input to have same batch size, "
                           f"but got input with sizes {list(input.shape)} and grid with sizes "
                           f"{list(grid.shape)}")
    if grid.shape[-1] != input.dim() - 2:
        raise RuntimeError(f"grid_sampler(): expected grid to have size {input.dim() - 2} in "
                           f"last dimension, but got grid with sizes {list(grid.shape)}")
    for i in range(2, input.dim()):
        if input.shape[i] <= 0:
            raise RuntimeError(f"grid_sampler(): expected input to have non-empty spatial "
                               f"dimensions, but input has sizes {list(input.shape)} with "
                               f"dimension {i} being empty")
    nd = 4 if input.dim() == 4 else 5
    if input.dim() != nd or grid.dim() != nd:
        raise RuntimeError(f"grid_sampler(): expected {nd}D input and grid with same number of "
                           f"dimensions, but got input with sizes {list(input.shape)} and grid "
                           f"with sizes {list(grid.shape)}")
    if mode == "bicubic":
        if input.dim() != 4:
            raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
        from ._grid_bicubic import grid_sample_bicubic
        return grid_sample_bicubic(input, grid._cast(input.dtype), padding_mode,
                                   bool(align_corners))
    return _grid_sample(input, grid._cast(input.dtype), mode, padding_mode,
                        bool(align_corners))
