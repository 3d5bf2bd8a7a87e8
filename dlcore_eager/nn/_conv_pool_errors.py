"""PyTorch's (ATen's) words for the mistakes of a convolution or pool: operands of
different dtypes, a pool's input of another rank, a pool whose output would be empty.  Used by
``functional_conv`` once a check has failed (or, for dtypes, where they differ)."""

from __future__ import annotations

from typing import Any

from .. import _dtype as D
from .._operand_rules import torch_error


#: ATen's words for a pool's input of another rank (one text per kernel)
POOL_RANK = {
    "max_pool1d": "max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch "
                  "size for input, but got:{shape}",
    "max_pool2d": "non-empty 3D or 4D (batch mode) tensor expected for input",
    "max_pool3d": "non-empty 4D or 5D (batch mode) tensor expected for input",
    "avg_pool1d": "Expected 2 to 3 dimensions, but got {n}-dimensional tensor for argument #1 "
                  "'self' (while checking arguments for avg_pool1d)",
    "avg_pool2d": "Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for "
                  "input, but got:{shape}",
    "avg_pool3d": "non-empty 4D or 5D (batch mode) tensor expected for input"}


def dtypes_check(input, weight, bias) -> None:
    """PyTorch refuses operands of different dtypes (dlcore promoted them): a bias first (not
    for a transposed convolution: pass None), then the weight."""
    d = input._buf.dtype
    if bias is not None and bias._buf.dtype != d:
        c, cb = (D.C_TYPE_NAMES.get(t.name, t.name) for t in (d, bias._buf.dtype))
        raise RuntimeError(f"Input type ({c}) and bias type ({cb}) should be the same")
    if weight._buf.dtype != d:
        raise RuntimeError(f"expected scalar type {input.dtype._legacy} but found "
                           f"{weight.dtype._legacy}")


def pool_error(e, op):
    """PyTorch's RuntimeError for a pool whose output would be empty (the core's words are
    those of max_pool2d; max_pool1d, avg_pool1d and avg_pool3d word it their own way)."""
    i: Any = getattr(e, "in_size", None)
    o: Any = getattr(e, "out_size", None)
    k: Any = getattr(e, "kernel", ())
    if o is None:
        return torch_error(e)
    if op == "max_pool1d":
        return RuntimeError(f"max_pool1d() Invalid computed output size: {o[1]}")
    if op == "avg_pool1d":
        return RuntimeError(f"Given input size: ({i[0]}x1x{i[1]}). Calculated output size: "
                            f"({o[0]}x1x{o[1]}). Output size is too small")
    if op == "avg_pool3d":
        return RuntimeError(f"input image (T: {i[1]} H: {i[2]} W: {i[3]}) smaller than kernel "
                            f"size (kT: {k[0]} kH: {k[1]} kW: {k[2]})")
    return torch_error(e)


def empty_spatial_check(x, nsp: int, output_size) -> None:
    """PyTorch's adaptive average pooling refuses an empty spatial dimension, counted in the
    user's shape (1-d pooled as 2-d: a 1 inserted before the last dimension); an all-ones
    output size (a mean) and an input of another rank (refused later) pass."""
    sizes = (output_size,) if isinstance(output_size, int) or output_size is None \
        else tuple(output_size)
    shape = list(x.shape)
    if x.ndim not in (nsp + 1, nsp + 2) or all(o == 1 for o in sizes):
        return
    if nsp == 1:
        shape.insert(len(shape) - 1, 1)
    k = max(nsp, 2)
    for i in range(len(shape) - k, len(shape)):
        if shape[i] == 0:
            raise RuntimeError(f"adaptive_avg_pool{k}d(): Expected input to have non-zero size "
                               f"for non-batch dimensions, but input has sizes {shape} with "
                               f"dimension {i} being empty")
