"""``nn.functional.adaptive_max_pool3d`` (and ``_with_indices``): the 3-D case of
:mod:`.functional_long_tail`'s adaptive max pooling (PyTorch's checks and messages, then
dlcore's ``adaptive_max_pool`` composite), kept apart from :mod:`.functional_conv` so that
module does not import the long tail, which imports it."""

from __future__ import annotations

from ..tensor import Tensor
from .functional_long_tail import _adaptive_max


def adaptive_max_pool3d(input: Tensor, output_size, return_indices: bool = False):
    """Adaptive max pooling over the last three axes (``output_size`` an int or a triple, None
    keeping that size); with ``return_indices`` also each maximum's flat position in its
    (D, H, W) volume.

    Example::

        >>> x = torch.randn(1, 2, 5, 4, 6)
        >>> torch.nn.functional.adaptive_max_pool3d(x, (2, 2, 3)).shape
        torch.Size([1, 2, 2, 2, 3])
    """
    return _adaptive_max(input, output_size, return_indices, 3, "adaptive_max_pool3d")


def adaptive_max_pool3d_with_indices(input: Tensor, output_size, return_indices: bool = False):
    """``adaptive_max_pool3d(..., return_indices=True)``: (values, indices).

    Example::

        >>> y, i = torch.nn.functional.adaptive_max_pool3d_with_indices(
        ...     torch.randn(1, 2, 4, 4, 4), 2)
        >>> i.shape
        torch.Size([1, 2, 2, 2, 2])
    """
    return _adaptive_max(input, output_size, True, 3, "adaptive_max_pool3d")
