"""PyTorch's dim argument check, shared by the shape operations (``_shape_ops``) and the
joins (``_joins``), below both."""

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
