"""PyTorch's dim argument check and its ``expand`` size-count error, shared by the shape
operations (``_shape_ops``), the joins (``_joins``) and indexing writes (``_index_general``),
below them all."""

from __future__ import annotations

from dlcore import ops as _ops


def wrap_dim(dim, nd: int) -> int:
    """PyTorch's dim check: ``dim`` in [-nd, nd-1] (a 0-d tensor counts as 1-d) or IndexError."""
    n = nd if nd > 0 else 1
    d = dim if type(dim) is int else _ops._rules.as_dim(dim)    # (int(0.5) was 0)
    if not -n <= d < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                         f"but got {d})")
    return d % n


def expand_count_error(shape: tuple, dtype, sizes: tuple) -> RuntimeError:
    """PyTorch's error for an ``expand`` of a tensor of ``shape`` and NumPy ``dtype`` to fewer
    ``sizes`` than its dimensions."""
    from ._dtype import from_numpy_dtype
    return RuntimeError(f"expand(torch.{from_numpy_dtype(dtype)._legacy}Tensor{{{list(shape)}}}, "
                        f"size={list(sizes)}): the number of sizes provided ({len(sizes)}) must "
                        f"be greater or equal to the number of dimensions in the tensor "
                        f"({len(shape)})")
