"""``x.index_add_(dim, index, source)`` and ``x.scatter_add_(dim, index, src)`` that nothing
records (no gradient through ``x`` or the source, no trace or forward-mode level), on CPU
buffers of one dtype with an int64 index in range and the shapes PyTorch requires: NumPy's
unbuffered ``add.at`` straight into ``x``'s memory, each destination's contributions added in
the order PyTorch's CPU loops add them (ascending along ``dim``: the same bits), the version
bumped as ``_commit`` bumps it.  Anything else (grad, a negative or out-of-range index, other
shapes, ``alpha``) returns False having written nothing, and the general path runs and raises
PyTorch's errors.  Issue 19: a GNN's ``torch.zeros(n).index_add_(0, col, ones)`` 60 -> ~8 us
(PyTorch 3.6), ``scatter_add_`` 91 -> ~12 (PyTorch 10)."""

from __future__ import annotations

import functools

import numpy as np

from ._inplace_ops import _follows_ops
from ._state import STATE, InferenceVersion
from .tensor import Tensor

_I64 = np.dtype(np.int64)


def _operands(x, dim, index, source):
    """``(buffer, axis, index buffer, source buffer)`` where the lane may write, else None."""
    if not (isinstance(index, Tensor) and isinstance(source, Tensor)) or type(dim) is not int:
        return None
    b, ib, sb = x._buf, index._buf, source._buf
    if type(b) is not np.ndarray or type(ib) is not np.ndarray or \
            type(sb) is not np.ndarray or ib.dtype != _I64 or sb.dtype != b.dtype or \
            not b.ndim or not -b.ndim <= dim < b.ndim or \
            (STATE.enabled and (x._rg or source._rg)) or \
            (type(x._vc) is InferenceVersion and not STATE.inference) or _follows_ops():
        return None
    if not b.flags.writeable or (0 in b.strides and b.size > 1):
        return None         # (an expanded tensor: the general path's overlap error, unwritten;
                            # NumPy's add.at with an index tuple would write a read-only array)
    d = dim % b.ndim
    if ib.size and (ib.min() < 0 or ib.max() >= b.shape[d]):
        return None
    return b, d, ib, sb


def index_add(x: Tensor, dim, index, source) -> bool:
    ops = _operands(x, dim, index, source)
    if ops is None:
        return False
    b, d, ib, sb = ops
    if ib.ndim != 1 or sb.shape != b.shape[:d] + (ib.size,) + b.shape[d + 1:]:
        return False
    if d:
        np.add.at(np.moveaxis(b, d, 0), ib, np.moveaxis(sb, d, 0))
    else:
        np.add.at(b, ib, sb)
    x._vc[0] += 1
    return True


def scatter_add(x: Tensor, dim, index, src) -> bool:
    ops = _operands(x, dim, index, src)
    if ops is None:
        return False
    b, d, ib, sb = ops
    if ib.ndim != b.ndim or sb.ndim != b.ndim or \
            any(n > s for n, s in zip(ib.shape, sb.shape)) or \
            any(n > s for i, (n, s) in enumerate(zip(ib.shape, b.shape)) if i != d):
        return False
    grid = list(np.indices(ib.shape, sparse=True))
    grid[d] = ib
    src_part = sb if sb.shape == ib.shape else sb[tuple(slice(0, n) for n in ib.shape)]
    np.add.at(b, tuple(grid), src_part)
    x._vc[0] += 1
    return True


def fast(method, lane):
    """``method`` (``Tensor.index_add_``/``scatter_add_``) with ``lane`` tried first."""
    @functools.wraps(method)
    def call(self, dim, index, source, *rest, **kwargs):
        if not rest and not kwargs and lane(self, dim, index, source):
            return self
        return method(self, dim, index, source, *rest, **kwargs)
    return call
