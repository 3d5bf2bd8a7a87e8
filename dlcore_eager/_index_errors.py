"""PyTorch's errors for ``index_select`` (``torch.index_select``, ``Tensor.index_select``).

The core's composite refuses the same mistakes in its own words (a ``take`` of a float index,
an index out of bounds for dimension 0); ``wrap`` re-raises PyTorch's type and text, worked
out only once the call has failed (no cost on a call that succeeds):

* an index of another dtype than int32/int64: RuntimeError ``index_select(): Expected dtype
  int32 or int64 for index``;
* an index of more than one dimension: IndexError ``index_select(): Index is supposed to be
  a vector``;
* an index out of range: ATen's two kernels word it differently, IndexError ``index out of
  range in self`` (dim 0, or the last dim of a tensor of rank 3 or more) or RuntimeError
  ``INDICES element is out of DATA bounds, id=9 axis_dim=3``.
"""

from __future__ import annotations

import numpy as np

from ._dims import wrap_dim
from .tensor import Tensor

_INT32_64 = (np.dtype(np.int32), np.dtype(np.int64))


def torch_error(x, dim, index) -> Exception | None:
    """PyTorch's error for ``x.index_select(dim, index)``, None where it has none to give."""
    if not isinstance(x, Tensor) or not isinstance(index, Tensor):
        return None
    ib = index._buf if not index.is_cuda else index.cpu()._buf
    if ib.dtype not in _INT32_64:
        return RuntimeError("index_select(): Expected dtype int32 or int64 for index")
    if ib.ndim > 1:
        return IndexError("index_select(): Index is supposed to be a vector")
    try:
        d = wrap_dim(dim, x.ndim)
    except (IndexError, TypeError, ValueError):     # (the call's own error stands)
        return None
    n = x.shape[d] if x.ndim else 1
    bad = np.asarray(ib).reshape(-1)
    bad = bad[(bad < 0) | (bad >= n)]
    if not bad.size:
        return None
    if d == 0 or (x.ndim >= 3 and d == x.ndim - 1):
        return IndexError("index out of range in self")
    return RuntimeError(f"INDICES element is out of DATA bounds, id={int(bad[0])} axis_dim={n}")


def _negative(index) -> bool:
    """Whether a CPU integer index tensor holds a negative entry: the core's take and
    take_along_axis wrap one as NumPy does, where PyTorch's index_select and gather refuse it
    (a silent wrong result before)."""
    b = index._buf if isinstance(index, Tensor) else None
    return type(b) is np.ndarray and b.dtype.kind == "i" and b.size > 0 and bool(b.min() < 0)


def wrap(orig):
    """``orig`` (an index_select) raising PyTorch's errors."""
    def index_select(*args, **kwargs):
        a = list(args) + [kwargs.get(k) for k in ("input", "dim", "index")[len(args):]]
        try:
            out = orig(*args, **kwargs)
        except (RuntimeError, IndexError, TypeError, ValueError):
            err = torch_error(*a[:3])
            if err is None:
                raise
            raise err from None
        if _negative(a[2]):
            err = torch_error(*a[:3])
            if err is not None:
                raise err
        return out
    index_select.__doc__ = getattr(orig, "__doc__", None)
    index_select.__wrapped__ = orig  # type: ignore[attr-defined]
    return index_select


def wrap_gather(orig):
    """``orig`` (a gather) refusing a negative index as PyTorch does: RuntimeError ``index -1
    is out of bounds for dimension 1 with size 3`` (the core's take_along_axis wraps it)."""
    def gather(*args, **kwargs):
        out = orig(*args, **kwargs)
        a = list(args) + [kwargs.get(k) for k in ("input", "dim", "index")[len(args):]]
        x, dim, index = a[:3]
        if _negative(index):
            b = index._buf
            d = wrap_dim(dim, x.ndim)
            raise RuntimeError(f"index {int(b[b < 0].flat[0])} is out of bounds for dimension "
                               f"{d} with size {x.shape[d] if x.ndim else 1}")
        return out
    gather.__doc__ = getattr(orig, "__doc__", None)
    gather.__wrapped__ = orig  # type: ignore[attr-defined]
    return gather
