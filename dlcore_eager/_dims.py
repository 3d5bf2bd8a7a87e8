"""PyTorch's dim argument check and its ``expand`` size-count error, shared by the shape
operations (``_shape_ops``), the joins (``_joins``) and indexing writes (``_index_general``),
below them all; a reduction's dim list as the core takes it (``reduce_dims``)."""

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


def reduce_dims(dim, nd: int | None = None, empty_all: bool = True):
    """A reduction's dim argument as the core takes it (None, an int, or a tuple of ints).
    With ``nd`` (the input's rank), a list naming one dim twice (``(0, 0)``, or ``(0, -2)`` of
    a 2-d tensor) is PyTorch's RuntimeError: the core's ``normalize_axes`` would reduce that
    dim once, silently.  An empty list is every dim, as PyTorch's sum/mean/amax/var/norm take
    it (``empty_all``; all/any reduce nothing), where the core reduces none."""
    if dim is None:
        return None
    if isinstance(dim, (list, tuple)):
        if not dim and empty_all:
            return None
        dims = tuple(_ops._rules.as_dim(d) for d in dim)    # (int(0.5) was 0: amax(x, 0.5)
        if nd is not None and len(dims) > 1:
            unique_dims(dims, nd)
        return dims
    return _ops._rules.as_dim(dim)                          # reduced dim 0, torch refuses)


def unique_dims(dims: tuple, nd: int) -> None:
    """PyTorch's RuntimeError for a dim list naming one dim twice (after wrapping)."""
    n = nd if nd > 0 else 1
    seen: set = set()
    for d in dims:
        w = d % n if -n <= d < n else d         # (out of range: the core's IndexError)
        if w in seen:
            raise RuntimeError(f"dim {w} appears multiple times in the list of dims")
        seen.add(w)
