"""``F.max_pool{1,2,3}d_with_indices``: PyTorch's names for max pooling that also returns the
argmax indices (``max_poolNd(..., return_indices=True)``), which programs that unpool
(``F.max_unpool2d``) or inspect the switches call directly."""

from __future__ import annotations

from ..tensor import Tensor
from . import functional_conv as _fc


def max_pool1d_with_indices(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode: bool = False, return_indices: bool = True):
    """(values, indices) of 1-D max pooling (as ``max_pool1d(..., return_indices=True)``)."""
    return _fc.max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d_with_indices(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode: bool = False, return_indices: bool = True):
    """(values, indices) of 2-D max pooling (as ``max_pool2d(..., return_indices=True)``)."""
    return _fc.max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool3d_with_indices(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode: bool = False, return_indices: bool = True):
    """(values, indices) of 3-D max pooling (as ``max_pool3d(..., return_indices=True)``)."""
    return _fc.max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, True)
