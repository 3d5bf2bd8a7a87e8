"""``F.max_pool{1,2,3}d_with_indices``: PyTorch's names for max pooling that also returns the
argmax indices (``max_poolNd(..., return_indices=True)``), which programs that unpool
(``F.max_unpool2d``) or inspect the switches call directly; ``F.lp_pool3d``, the 3-D
power-average pooling (PyTorch's composite: ``(sign(a) relu(|a|) k)^(1/p)`` with ``a`` the
average of ``x^p`` over each window of ``k`` elements; ``p = +-inf``: max pooling of ``|x|``)."""

from __future__ import annotations

from dlcore import ops as _ops

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


def lp_pool3d(input: Tensor, norm_type: float, kernel_size, stride=None,
              ceil_mode: bool = False) -> Tensor:
    """3-D power-average pooling: ``(sum over the window of x^p)^(1/p)``."""
    kd, kh, kw = (kernel_size,) * 3 if isinstance(kernel_size, int) else tuple(kernel_size)
    if norm_type == float("inf"):
        return _fc.max_pool3d(input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    if norm_type == -float("inf"):
        return -_fc.max_pool3d(-input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    out = _fc.avg_pool3d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return (_ops.sign(out) * _ops.relu(out.abs())).mul(kd * kh * kw).pow(1.0 / norm_type)
