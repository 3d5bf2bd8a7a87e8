"""``x.index_add_(dim, index, source)``, ``x.scatter_add_(dim, index, src)`` and
``x.scatter_``/``x.scatter`` (``src`` or a number, no ``reduce``) that nothing records (no
gradient through ``x`` or the source, no trace or forward-mode level), on CPU buffers of one
dtype with an int64 index in range and the shapes PyTorch requires: NumPy's unbuffered
``add.at`` straight into ``x``'s memory, each destination's contributions added in the order
PyTorch's CPU loops add them (ascending along ``dim``: the same bits), the version bumped as
``_commit`` bumps it. Anything else (grad, a negative or out-of-range index, other shapes,
``alpha``) returns False having written nothing, and the general path runs and raises PyTorch's
errors. Issue 19: a GNN's ``torch.zeros(n).index_add_(0, col, ones)`` 60 -> ~8 us (PyTorch 3.6),
``scatter_add_`` 91 -> ~12 (PyTorch 10). Rows along axis 0 are added by the Numba loop the
``index_add`` primitive uses (NumPy's ``add.at`` of rows: 14.8 us for 90 rows of 16, 1.9).

Recorded (``x`` or the source requires grad): ``_recorded_index_add`` (the ``index_add``
primitive's one node) and ``_recorded_scatter_add`` (the general path's two nodes) run through
the lanes and ``_commit``, the same nodes, values and errors as the general path.

``scatter_``/``scatter`` is NumPy's assignment at the index grid (the index along ``dim``, its
own position along the others): a position named twice along ``dim`` keeps the later one, as
PyTorch's CPU loop. The lane is the outermost entry (``install``), so it also takes only what
the checks behind it would pass: a float32 tensor with a number within float32's range, a
float64 tensor with any float, an int within int64's range into either, an int64/int32 tensor
with an int in its range, or a tensor of ``x``'s dtype; nothing sharing memory with ``x``. The
one-hot ``zeros(64, 10).scatter_(1, y.unsqueeze(1), 1.0)``: 103 -> ~11 us (PyTorch 3.1-3.5);
with a src tensor 53 -> ~12 (2.0); ``x.scatter(1, idx, 1.0)`` 56 -> ~12 (3.8)."""

from __future__ import annotations

import functools

import numpy as np

from dlcore.kernels.cpu import gather as _gather
from dlcore.ops.elementwise import add_p as _add_p
from dlcore.ops.index_add_prim import index_add_p as _index_add_p
from dlcore.ops.scan import scatter_add_along_axis_p as _scatter_axis_p

from . import _dispatch as _D
from ._graph import labelled
from ._inplace_ops import _follows_ops
from ._state import STATE, InferenceVersion
from .tensor import Tensor, _make

_I64 = np.dtype(np.int64)
_FLOAT_TOP: dict = {np.dtype(np.float32): 3.4028234663852886e38, np.dtype(np.float64): None}
_INT_RANGE: dict = {np.dtype(np.int64): (-2 ** 63, 2 ** 63),
                   np.dtype(np.int32): (-2 ** 31, 2 ** 31)}
_VALUE_DTYPES = set(_FLOAT_TOP) | set(_INT_RANGE)


def _may_write(x, b) -> bool:
    """May a lane write into ``x``'s NumPy buffer ``b``?  Not while a trace or forward-mode level
    follows ops, nor into an inference tensor outside inference mode, a view in grad mode (one
    made under no_grad of a tensor that requires grad: PyTorch's error, from the general path),
    or a read-only or expanded buffer (the general path's overlap error, unwritten; NumPy's
    ``add.at`` with an index tuple would write through a read-only broadcast)."""
    return b.flags.writeable and not (0 in b.strides and b.size > 1) and \
        not (type(x._vc) is InferenceVersion and not STATE.inference) and \
        not (STATE.enabled and getattr(x, "_view", None) is not None) and not _follows_ops()


def _grid(ib, d: int) -> tuple:
    """The positions an index ``ib`` names along axis ``d``: ``ib`` there, its own elsewhere."""
    grid: list = list(np.indices(ib.shape, sparse=True))
    grid[d] = ib
    return tuple(grid)


def _fits(ib, b, d: int, sb=None) -> bool:
    """PyTorch's scatter shapes: ``ib`` no larger than ``b`` off ``d``, nor than ``sb``."""
    return not any(n > s for i, (n, s) in enumerate(zip(ib.shape, b.shape)) if i != d) and \
        (sb is None or not any(n > s for n, s in zip(ib.shape, sb.shape)))


def _block(sb, shape):
    """PyTorch's scatter reads src's leading block of the index's shape."""
    return sb if sb.shape == shape else sb[tuple(slice(0, n) for n in shape)]


def _operands(x, dim, index, source):
    """``(buffer, axis, index buffer, source buffer)`` where the lane may write, else None."""
    if not (isinstance(index, Tensor) and isinstance(source, Tensor)) or type(dim) is not int:
        return None
    b, ib, sb = x._buf, index._buf, source._buf
    if type(b) is not np.ndarray or type(ib) is not np.ndarray or \
            type(sb) is not np.ndarray or ib.dtype != _I64 or sb.dtype != b.dtype or \
            not b.ndim or not -b.ndim <= dim < b.ndim or \
            (STATE.enabled and (x._rg or source._rg)) or not _may_write(x, b):
        return None
    d = dim % b.ndim
    if ib.size and (ib.min() < 0 or ib.max() >= b.shape[d]):
        return None
    return b, d, ib, sb


def index_add(x: Tensor, dim, index, source) -> bool:
    ops = _operands(x, dim, index, source)
    if ops is None:
        return _recorded_index_add(x, dim, index, source)
    b, d, ib, sb = ops
    if ib.ndim != 1 or sb.shape != b.shape[:d] + (ib.size,) + b.shape[d + 1:]:
        return False
    if d:
        np.add.at(np.moveaxis(b, d, 0), ib, np.moveaxis(sb, d, 0))
    elif b.ndim > 1 and b.flags.c_contiguous and b.dtype in _FLOAT_TOP and ib.size:
        _gather.add_rows(b, ib, sb)     # (rows: the Numba loop; add.at of 90 x 16 14.8 -> 1.9 us)
    else:
        np.add.at(b, ib, sb)
    x._vc[0] += 1
    return True


def _recorded_operands(x, dim, index, source):
    """``(buffer, axis, index buffer, source buffer)`` for a recorded lane: plain CPU tensors in
    grad mode (no autocast), ``x`` float32/float64 and no leaf requiring grad (the general
    path's error) that a lane may write, an int64 index and a source of ``x``'s dtype; else
    None."""
    if type(x) is not Tensor or type(index) is not Tensor or type(source) is not Tensor or \
            type(dim) is not int or not STATE.enabled or _D._AUTOCAST or \
            (x._rg and x._node is None):
        return None
    b, ib, sb = x._buf, index._buf, source._buf
    if type(b) is not np.ndarray or type(ib) is not np.ndarray or type(sb) is not np.ndarray \
            or ib.dtype != _I64 or sb.dtype is not b.dtype or b.dtype not in _FLOAT_TOP or \
            not -b.ndim <= dim < b.ndim or not _may_write(x, b):
        return None
    return b, dim % b.ndim, ib, sb


def _recorded_index_add(x, dim, index, source) -> bool:
    """``x.index_add_(dim, index, source)`` recorded (``x`` or ``source`` requires grad): the
    ``index_add`` primitive through the lane for several tensors (one IndexAddBackward0 node,
    its edges ``x``'s and ``source``'s), written into ``x`` by ``_commit``, for a float32 or
    float64 CPU tensor that is no leaf requiring grad and that a lane may write, an int64
    vector index in range and a source of ``x``'s dtype and PyTorch's shape; False, having
    done nothing, otherwise (the general path: the same node; 24.4 -> 12.5 us for a GNN's
    ``zeros(n).index_add_(0, col, e)`` with its zeros, PyTorch 3.0)."""
    ops = _recorded_operands(x, dim, index, source)
    if ops is None:
        return False
    b, d, ib, sb = ops
    if ib.ndim != 1 or sb.shape != b.shape[:d] + (ib.size,) + b.shape[d + 1:] or \
            not _gather.in_range(ib, b.shape[d]):
        return False
    out = _D._small_many(_index_add_p, (x, index, source), (b, ib, sb), (("axis", d),),
                         _D.params_items)
    if out is None:
        return False
    x._commit(labelled(out, "IndexAddBackward0", x, edges=(x, source)))
    return True


def scatter_add(x: Tensor, dim, index, src) -> bool:
    ops = _operands(x, dim, index, src)
    if ops is None:
        return _recorded_scatter_add(x, dim, index, src)
    b, d, ib, sb = ops
    if ib.ndim != b.ndim or sb.ndim != b.ndim or not _fits(ib, b, d, sb):
        return False
    np.add.at(b, _grid(ib, d), _block(sb, ib.shape))
    x._vc[0] += 1
    return True


def _recorded_scatter_add(x, dim, index, src) -> bool:
    """``x.scatter_add_(dim, index, src)`` recorded: the general path's two nodes (the
    contributions' ``scatter_add_along_axis`` into zeros, then ``add`` to ``x``, named
    ScatterAddBackward0, its edges ``x``'s and ``src``'s) through the lanes, written into ``x``
    by ``_commit``, where ``index`` and ``src`` have one shape that is ``x``'s off ``dim``
    (no crop or pad; GIN's ``zeros_like(x).scatter_add_(0, index, x[src])``: 33.5 -> ~22.6 us
    with the zeros_like, PyTorch 6.3); the other conditions are ``_recorded_index_add``'s,
    the index of ``x``'s rank."""
    ops = _recorded_operands(x, dim, index, src)
    if ops is None:
        return False
    b, d, ib, sb = ops
    if ib.shape != sb.shape or ib.ndim != b.ndim or ib.shape[:d] != b.shape[:d] or \
            ib.shape[d + 1:] != b.shape[d + 1:] or not _gather.in_range(ib, b.shape[d]):
        return False
    added = _D._small_many(_scatter_axis_p, (src, index, x), (sb, ib, b), (("axis", d),),
                           _D.params_items)
    out = None if added is None else _D.small_binary(_add_p, x, added, b, added._buf)
    if out is None:
        return False
    x._commit(labelled(out, "ScatterAddBackward0", x, edges=(x, src)))
    return True


def fast(method, lane):
    """``method`` (``Tensor.index_add_``/``scatter_add_``) with ``lane`` tried first."""
    @functools.wraps(method)
    def call(self, dim, index, source, *rest, **kwargs):
        if not rest and not kwargs and lane(self, dim, index, source):
            return self
        return method(self, dim, index, source, *rest, **kwargs)
    return call


def _value(b, v):
    """``v`` as the lane writes it into ``b``'s dtype, or None (the general path decides)."""
    if isinstance(v, Tensor):
        sb = v._buf
        return v if type(sb) is np.ndarray and sb.dtype == b.dtype and \
            not np.may_share_memory(sb, b) else None
    if b.dtype in _FLOAT_TOP:
        top = _FLOAT_TOP[b.dtype]
        if type(v) is int:
            return v if -2 ** 63 <= v < 2 ** 63 else None
        if type(v) is float:
            return v if top is None or -top <= v <= top else None
        return None
    lo, hi = _INT_RANGE[b.dtype]
    return v if type(v) is int and lo <= v < hi else None


def _scatter_into(b, x, dim, index, src) -> bool:
    """Write ``src`` (a Tensor or a number) into the buffer ``b`` at ``index``'s grid."""
    if not isinstance(index, Tensor) or type(dim) is not int or b.dtype not in _VALUE_DTYPES:
        return False
    ib = index._buf
    nd = b.ndim
    if type(ib) is not np.ndarray or ib.dtype != _I64 or not nd or ib.ndim != nd or \
            not -nd <= dim < nd or (STATE.enabled and x._rg):
        return False
    v = _value(b, src)
    sb = v._buf if isinstance(v, Tensor) else None
    d = dim % nd
    if v is None or (sb is not None and ((STATE.enabled and v._rg) or sb.ndim != nd)) or \
            not _fits(ib, b, d, sb) or (ib.size and (ib.min() < 0 or ib.max() >= b.shape[d])) \
            or np.may_share_memory(ib, b):
        return False
    if ib.size:
        b[_grid(ib, d)] = v if sb is None else _block(sb, ib.shape)
    return True


def _scatter_args(args, kwargs):
    """(dim, index, src-or-value) of ``scatter(dim, index, src)`` / ``(.., value=)``, or None."""
    if len(args) == 3 and not kwargs:
        return args
    if len(args) == 2 and len(kwargs) == 1:
        key, v = next(iter(kwargs.items()))
        return (*args, v) if key in ("src", "value") else None
    return None


_OVERLAP = ("unsupported operation: some elements of the input tensor and the written-to "
            "tensor refer to a single memory location. Please clone() the tensor before "
            "performing the operation.")


def _overlaps(b, *operands) -> bool:
    """Does a Tensor among ``operands`` share memory with the CPU buffer ``b``?"""
    for t in operands:
        if isinstance(t, Tensor) and type(t._buf) is np.ndarray and \
                np.may_share_memory(t._buf, b) and np.shares_memory(t._buf, b):
            return True
    return False


def scatter_in_place(method):
    """``Tensor.scatter_`` with the lane first (``x._vc`` bumped as ``_commit`` bumps it); an
    index or src sharing memory with ``x`` raises PyTorch's error, unwritten (the general
    path wrote)."""
    @functools.wraps(method)
    def scatter_(self, *args, **kwargs):
        a = _scatter_args(args, kwargs)
        if a is not None and isinstance(self, Tensor):
            b = self._buf
            if type(b) is np.ndarray and _overlaps(b, a[1], a[2]):
                raise RuntimeError(_OVERLAP)
            if type(b) is np.ndarray and _may_write(self, b) and _scatter_into(b, self, *a):
                self._vc[0] += 1
                return self
        return method(self, *args, **kwargs)
    scatter_.__dlcore_lane__ = True        # type: ignore[attr-defined]
    return scatter_


def scatter_copy(method):
    """``Tensor.scatter`` with the lane first: a C-ordered copy of ``x`` written in place."""
    @functools.wraps(method)
    def scatter(self, *args, **kwargs):
        a = _scatter_args(args, kwargs)
        if a is not None and type(self) is Tensor:
            b = self._buf
            if type(b) is np.ndarray and b.flags.c_contiguous and not _follows_ops():
                out = b.copy()
                if _scatter_into(out, self, *a):
                    return _make(out)
        return method(self, *args, **kwargs)
    return scatter


def install(tensor_cls) -> None:
    """The scatter lanes in front of every other entry of ``Tensor.scatter_``/``scatter``
    (once)."""
    if getattr(tensor_cls.scatter_, "__dlcore_lane__", False):
        return
    tensor_cls.scatter_ = scatter_in_place(tensor_cls.scatter_)
    tensor_cls.scatter = scatter_copy(tensor_cls.scatter)
