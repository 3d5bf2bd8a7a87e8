"""``split``, ``chunk`` and ``unbind``: views of a tensor along one dimension, each its own
output of PyTorch's node (``SplitBackward0``, ``SplitWithSizesBackward0``, ``UnbindBackward0``)
and marked as one of several views (an in-place change of one is PyTorch's error in grad
mode).  Re-exported by :mod:`._shape_ops`."""

from __future__ import annotations

import numpy as np

from dlcore.dtypes import is_inexact
from dlcore.kernels.cpu.indexing import getitem as _numpy_getitem
from dlcore.ops.indexing import getitem_p as _getitem_p

from . import _dispatch as _D
from ._dims import wrap_dim
from ._dispatch_finish import view1 as _view1
from ._graph import labelled
from ._state import STATE
from ._view_rebase import mark_multi
from ._views import view_of
from .tensor import Tensor
from .tracing import _RECORDERS


def chunk(x: Tensor, chunks: int, dim: int = 0):
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    if x.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    d = wrap_dim(dim, x.ndim)
    n = x.shape[d]
    if n == 0:                          # (PyTorch: ``chunks`` empty pieces, not one)
        return tuple(x.narrow(d, 0, 0) for _ in range(chunks))
    size = -(-n // chunks)
    return split(x, size, dim)


def split(x: Tensor, split_size, dim: int = 0):
    if x.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    d = wrap_dim(dim, x.ndim)
    n = x.shape[d]
    if isinstance(split_size, (list, tuple)):
        label = "SplitWithSizesBackward0"
        sizes = [int(s) for s in split_size]
        if sum(sizes) != n or any(s < 0 for s in sizes):
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} "
                               f"(input tensor's size at dimension {dim}), but got "
                               f"split_sizes={sizes}")
    elif split_size < 0 or (split_size == 0 and n):
        raise RuntimeError(f"split expects split_size be non-negative, but got split_size="
                           f"{split_size}" if split_size < 0 else "split_size can only be 0 if "
                           f"dimension size is 0, but got dimension size of {n}")
    else:
        label = "SplitBackward0"
        sizes = [min(split_size, n - s) for s in range(0, n, split_size)] if n else [0]
    keys, start = [], 0
    for s in sizes:
        keys.append((slice(start, start + s), ("slice", start, start + s, None)))
        start += s
    return _pieces(x, d, keys, label)


def unbind(x: Tensor, dim: int = 0):
    if x.ndim == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    d = wrap_dim(dim, x.ndim)       # (was dim % ndim: dim 5 of a matrix unbound dim 1)
    return _pieces(x, d, [(i, i) for i in range(x.shape[d])], "UnbindBackward0")


_FULL_C = ("slice", None, None, None)


def _pieces(x: Tensor, d: int, keys: list, label: str) -> tuple:
    """``split``'s and ``unbind``'s views of ``x`` along ``d``: ``keys`` holds each piece's
    index along ``d`` as a Python key and in getitem's canonical form.  Each is ``x[key]``
    (its grad_fn named ``label``, output ``i``, marked as one of several views); on a CPU
    NumPy buffer (no autocast, no trace, NumPy's getitem kernel) the view is NumPy's slice
    wrapped as the getitem fast path wraps it, its canonical index written here, not parsed
    per piece (x.chunk(4, 1) of 64x128: 15 -> ~7 us, x.unbind(0) of 64 rows 150 -> ~60;
    PyTorch 3 and 25; issue 19)."""
    b = x._buf
    lead = (slice(None),) * d
    out: list = []
    if type(b) is np.ndarray and not _D._AUTOCAST and not _RECORDERS and \
            _getitem_p.kernels["cpu"] is _numpy_getitem:
        clead = (_FULL_C,) * d
        inexact = b.dtype.kind in "fc" or is_inexact(b.dtype)
        grad = inexact and x._rg and STATE.enabled
        for key, ckey in keys:
            params = {"idx": clead + (ckey,)}
            v = b[lead + (key, Ellipsis)]
            t = view_of(x, _getitem_p, params, v, label) if grad else \
                _view1(_getitem_p, x, params, v, inexact)
            if grad and out and t._node is not None:
                t._node.out_index = len(out)        # (labelled's, for output i > 0)
            mark_multi(t, label, len(out))
            out.append(t)
        return tuple(out)
    for key, _ in keys:
        out.append(labelled(x[lead + (key,)], label, x, index=len(out)))
        mark_multi(out[-1], label, len(out) - 1)
    return tuple(out)
