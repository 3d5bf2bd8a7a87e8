"""Eager lanes for calls that are several primitives: ``a @ b`` with a vector, ``x.diagonal()``
and ``cdist`` (shape primitives and one product, slice or norm), whose steps go through the
lanes (``_dispatch._small_unary``, ``matrix_product``, ``reshape``, the getitem fast path)
instead of ``bind``, so the primitives and nodes are the ones ``dlcore.ops``'s composite makes
(``_la.dot``, ``_diagonal``, ``cdist``) and the last node is named as PyTorch's; and
``tril``/``triu`` of a tensor without grad (NumPy's ``where`` on a cached mask), ``nonzero``,
``topk`` without grad and ``gather`` (the general path's kernels or node, without ``bind``);
``narrow`` (the basic slice it is) and ``masked_select`` of a same-shape mask without grad.
Each function returns None, having done nothing, where its lane does not apply: the caller's
general path then runs (issue 19)."""

from __future__ import annotations

import numpy as np

from dlcore import ops as _ops
from dlcore.kernels.cpu.gather import in_range as _in_range
from dlcore.ops.scan import _topk_order_cpu

from . import _dispatch as _D
from ._dispatch import matrix_product as _matrix_product
from ._front_entry import dressed
from ._grad_fn_labels import LABELS as _LABELS
from ._graph import labelled
from ._lane import _take_params, small_many
from ._shape_ops import reshape as _reshape
from ._state import STATE
from .return_types import values_indices
from .tensor import Tensor, _make
from .tracing import _RECORDERS

_expand_dims_p, _squeeze_p = _ops.shape.expand_dims_p, _ops.shape.squeeze_p
_matmul_p = _ops.linalg.matmul_p
_take_along_axis_p = _ops.scan.take_along_axis_p
_argsort_p = _ops.scan.argsort_p
_norm2_p = _ops.linalg_extra.norm2_p
_ndarray = np.ndarray
_I64 = np.dtype(np.int64)
_BOOL = np.dtype(np.bool_)
_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)


def _axes_of(b, key) -> dict:
    return {"axes": key}


def vector_product(a: Tensor, b: Tensor, sa: tuple, sb: tuple) -> Tensor | None:
    """``a @ b`` with a vector (vector . vector, matrix @ vector, vector @ matrix) of CPU
    float32/float64 tensors of one dtype (the caller's tests, as no autocast and no trace)
    whose inner sizes agree: ``_la.dot``'s steps (the vector made a matrix, the product, the
    added axes dropped) as DotBackward0, MvBackward0 or SqueezeBackward4 (v @ v with grad
    29.5 -> ~8 us)."""
    na, nb = len(sa), len(sb)
    if not (0 < na <= 2 and 0 < nb <= 2) or sa[-1] != sb[0]:       # (0-d: matmul's error)
        return None
    if not ((a._rg or b._rg) and STATE.enabled):
        # nothing to record: the same product of the same matrix views, the added axes
        # dropped by a reshape of its result (8x8 @ 8: 7 -> ~3 us, PyTorch 1.2)
        ba, bb = a._buf, b._buf
        a2b = ba.reshape(1, -1) if na == 1 else ba
        b2b = bb.reshape(-1, 1) if nb == 1 else bb
        # (matrix_product reads only the tensors' flags besides the buffers given; under
        # no_grad, tensors that record nothing stand in for ones that require grad)
        if a._rg or b._rg:
            a, b = _make(a2b), _make(b2b)
        out = _matrix_product(_matmul_p, a, b, a2b, b2b)._buf
        return _make(out.reshape(out.shape[0] if na == 2 else out.shape[1] if nb == 2 else ()))
    a2 = _D._small_unary(_expand_dims_p, a, (0,), _axes_of) if na == 1 else a
    b2 = _D._small_unary(_expand_dims_p, b, (1,), _axes_of) if nb == 1 else b
    if a2 is None or b2 is None:
        return None
    out = _matrix_product(_matmul_p, a2, b2, a2._buf, b2._buf)
    axes = (0, 1) if na == nb else (1,) if nb == 1 else (0,)
    out = _D._small_unary(_squeeze_p, out, axes, _axes_of)
    if out is None:
        return None
    if na == 1 and nb == 2:             # (v @ M: PyTorch's unsqueeze, mm and squeeze too)
        return labelled(out, "SqueezeBackward4", a, b)
    return labelled(out, "DotBackward0" if na == nb else "MvBackward0", a, b, edges=(a, b))


def diagonal(x, a: tuple, kw: dict) -> Tensor | None:
    """``x.diagonal(offset)`` / ``torch.diagonal(x, offset)`` of a C-contiguous CPU float
    matrix (``a``/``kw`` the call's other arguments: an offset alone, the axes the default):
    ``_diagonal``'s reshape to a row and strided slice of it (GP regression's
    ``torch.diagonal(L)`` with grad 27 -> ~6 us); the caller names the node."""
    if kw or len(a) > 1 or type(x) is not Tensor or _RECORDERS or _D._AUTOCAST:
        return None
    offset = a[0] if a else 0
    b = x._buf
    if type(b) is not _ndarray or b.ndim != 2 or type(offset) is not int or \
            not b.flags.c_contiguous or (b.dtype is not _F32 and b.dtype is not _F64):
        return None
    m, n = b.shape
    if offset >= 0:
        length, start = min(m, n - offset), offset
    else:
        length, start = min(m + offset, n), -offset * n
    if length <= 0:
        return None
    return _reshape(x, m * n)[start:start + (length - 1) * (n + 1) + 1:n + 1]


def _triangle(lower: bool):
    def lane(x, a: tuple, kw: dict) -> Tensor | None:
        """``tril``/``triu`` of a CPU tensor that records no gradient (a causal mask made
        each forward): NumPy's triangle, the composite's values (zeros outside it) without
        its three kernel calls (llama's ``torch.triu(mask, diagonal=1)``: 28 -> ~3 us)."""
        if type(x) is not Tensor or _RECORDERS or _D._AUTOCAST or len(a) + len(kw) > 1 or \
                (kw and "diagonal" not in kw):
            return None
        k = a[0] if a else kw.get("diagonal", 0)
        b = x._buf
        if type(b) is not _ndarray or b.ndim < 2 or type(k) is not int or \
                (x._rg and STATE.enabled):
            return None
        key = (b.shape[-2:], k)
        keep = kept.get(key)
        if keep is None:
            if len(kept) > 256:
                kept.clear()
            rows, cols = key[0]
            keep = kept[key] = np.tri(rows, cols, k, dtype=bool) if lower else \
                ~np.tri(rows, cols, k - 1, dtype=bool)
        return _make(np.where(keep, b, b.dtype.type(0)))   # (np.triu's values, dtype)
    kept: dict = {}                 # (rows, cols), k -> the triangle's bool mask
    return lane


def _norm2_params(b, key) -> dict:
    return {"axes": key, "keepdims": False}


def cdist(x1, a: tuple, kw: dict) -> Tensor | None:
    """``torch.cdist(x1, x2)`` (p = 2) of CPU float32/float64 tensors of one dtype and equal
    batch dimensions: ``linalg_extra.cdist``'s expand, subtract and norm2 through the lanes
    (a GP's 20x1 inputs: 50 -> ~20 us, PyTorch 9-13)."""
    p = a[1] if len(a) > 1 else kw.get("p", 2.0)
    if not a or len(a) > 2 or (kw and set(kw) != {"p"}) or p != 2 or type(x1) is not Tensor \
            or type(a[0]) is not Tensor or _RECORDERS or _D._AUTOCAST:
        return None
    x2 = a[0]
    b1, b2 = x1._buf, x2._buf
    if type(b1) is not _ndarray or type(b2) is not _ndarray or b1.dtype is not b2.dtype or \
            (b1.dtype is not _F32 and b1.dtype is not _F64) or b1.ndim < 2 or \
            b1.shape[:-2] != b2.shape[:-2] or b1.shape[-1] != b2.shape[-1] or \
            b1.ndim != b2.ndim:
        return None
    nd = b1.ndim
    e1 = _D._small_unary(_expand_dims_p, x1, (nd - 1,), _axes_of)
    e2 = _D._small_unary(_expand_dims_p, x2, (nd - 2,), _axes_of)
    if e1 is None or e2 is None:
        return None
    return _D._small_unary(_norm2_p, e1 - e2, (nd,), _norm2_params)


def nonzero(x, a: tuple, kw: dict):
    """``torch.nonzero(x)`` / ``argwhere`` / ``nonzero(x, as_tuple=True)`` of a CPU tensor of
    NumPy's own dtypes and rank >= 1: the ``nonzero`` primitive's kernel (NumPy's argwhere,
    int64) or, as a tuple, NumPy's per-dimension indices, without the op's getitem per
    dimension (MoE's ``nonzero(mask, as_tuple=True)[0]``: 43 -> ~10 us, PyTorch 9-15)."""
    if a or (kw and set(kw) != {"as_tuple"}) or type(x) is not Tensor or _RECORDERS:
        return None
    b = x._buf
    if type(b) is not _ndarray or not b.ndim or b.dtype.kind not in "biufc":
        return None
    if kw.get("as_tuple"):
        return tuple(_make(i.astype(np.int64)) for i in np.nonzero(b))
    return _make(np.argwhere(b).astype(np.int64))


_TOPK_WORDS = ("k", "dim", "largest", "sorted")


def topk(x, a: tuple, kw: dict):
    """``x.topk(k, dim=-1, largest=True, sorted=True)`` of a CPU float/int tensor of rank >= 1:
    the kernels of the general path's two primitives (``topk_order``, ``take_along_axis``)
    without their binds (``(4, 6).topk(3)``: 35-43 -> 13-22 us, PyTorch 3-5); with a gradient
    the values are the gather's node through ``small_many``'s plan, as ``gather``'s lane
    (32x10 ``topk(3, 1)`` 16.4 -> 11.5 us; its labelling, TopkBackward0, is the caller's); the
    indices are the kernel's, so ties and NaNs are ordered as there."""
    if type(x) is not Tensor or _RECORDERS or _D._AUTOCAST or len(a) > 4 or \
            not set(kw) <= set(_TOPK_WORDS[len(a):]):
        return None
    b = x._buf
    if type(b) is not _ndarray or not b.ndim or b.dtype.kind not in "iuf":
        return None
    p = dict(zip(_TOPK_WORDS, a), **kw)
    k, d = p.get("k"), p.get("dim", -1)
    largest, srt = p.get("largest", True), p.get("sorted", True)
    if type(k) is not int or type(d) is not int or type(largest) is not bool or \
            type(srt) is not bool or not -b.ndim <= d < b.ndim:
        return None
    d %= b.ndim
    if not 0 <= k <= b.shape[d]:
        return None
    return _taken(x, b, _topk_order_cpu(b, axis=d, k=k, largest=largest, sorted=srt), d)


def _taken(x, b, order, d):
    """``(values, indices)`` of ``x`` (buffer ``b``) at the int64 ``order`` along ``d``: with a
    gradient the gather's node through ``small_many``'s plan, else the general path's kernel;
    None where the plan does not apply."""
    if x._rg and STATE.enabled:
        idx = _make(order)
        got = small_many(_take_along_axis_p, (x, idx), (b, order), d, _take_params)
        return None if got is None else (got, idx)
    values = _take_along_axis_p.kernels["cpu"](b, order, axis=d)    # (the general path's)
    return _make(values), _make(order)


_SORT_WORDS = ("dim", "descending")


def sort(x, a: tuple, kw: dict):
    """``x.sort(dim=-1, descending=False, stable=False)`` of a CPU float/int tensor of rank
    >= 1: the general path's ``argsort`` kernel (every sort here is stable, as the general
    path's) and the values as ``topk``'s lane takes them (``_taken``; the node's name,
    SortBackward0 or the stable overload's SortBackward1, the caller's):
    ``(8, 16).sort(1)`` with grad 24-31 -> ~10-15 us, PyTorch 5-6."""
    if type(x) is not Tensor or _RECORDERS or _D._AUTOCAST or len(a) > 2 or \
            not set(kw) <= {"stable", *_SORT_WORDS[len(a):]} or ("stable" in kw and a):
        return None                     # (stable= beside a positional dim: PyTorch refuses)
    b = x._buf
    if type(b) is not _ndarray or not b.ndim or b.dtype.kind not in "iuf" or b.dtype in _D._HALF:
        return None
    p = dict(zip(_SORT_WORDS, a), **kw)
    d, descending, stable = p.get("dim", -1), p.get("descending", False), p.get("stable")
    if type(d) is not int or type(descending) is not bool or \
            (stable is not None and type(stable) is not bool) or not -b.ndim <= d < b.ndim:
        return None
    d %= b.ndim
    return _taken(x, b, _argsort_p.kernels["cpu"](b, axis=d, descending=descending), d)


def gather(x, a: tuple, kw: dict):
    """``x.gather(dim, index)`` of CPU tensors whose int64 index has ``x``'s shape off ``dim``
    (no crop) and is in range: the ``take_along_axis`` node the general path makes, through
    ``small_many``'s plan (its labelling, GatherBackward0, is the caller's): ``q.gather(1, a)``
    of a (32, 4) that requires grad 19-43 -> 13-15 us, PyTorch 4-5.  Anything else (a crop, a
    negative or out-of-range index: PyTorch's errors) takes the general path."""
    if type(x) is not Tensor or _RECORDERS or _D._AUTOCAST:
        return None
    if len(a) == 2 and not kw:
        dim, index = a
    elif len(a) + len(kw) == 2 and set(kw) <= {"dim", "index"}:
        dim, index = (*a, *(kw[k] for k in ("dim", "index") if k in kw))
    else:
        return None
    if type(dim) is not int or type(index) is not Tensor:
        return None
    b, ib = x._buf, index._buf
    if type(b) is not _ndarray or type(ib) is not _ndarray or ib.dtype is not _I64 or \
            not b.ndim or ib.ndim != b.ndim or not -b.ndim <= dim < b.ndim or \
            b.dtype.kind not in "biuf" or b.dtype in _D._HALF:
        return None                 # (16-bit floats: apply's half path decides)
    d = dim % b.ndim
    for i in range(b.ndim):
        if i != d and ib.shape[i] != b.shape[i]:
            return None
    if not _in_range(ib, b.shape[d]):
        return None
    return small_many(_take_along_axis_p, (x, index), (b, ib), d, _take_params)


#: ``_api.args``'s names with a lane here: each ``(x, a, kw) -> Tensor | None``
def diag(x, a: tuple, kw: dict) -> Tensor | None:
    """``torch.diag(x[, diagonal])`` of a CPU vector or matrix that records no gradient:
    NumPy's ``diag`` (a new matrix with the vector on that diagonal; the matrix's diagonal
    copied), the composite's values without its dozen kernel calls (a vector of 20: 78 ->
    ~2 us, PyTorch 3.6)."""
    if type(x) is not Tensor or _RECORDERS or _D._AUTOCAST or len(a) + len(kw) > 1 or \
            (kw and "diagonal" not in kw):
        return None
    k = a[0] if a else kw.get("diagonal", 0)
    b = x._buf
    if type(b) is not _ndarray or b.ndim not in (1, 2) or type(k) is not int or \
            (x._rg and STATE.enabled) or b.dtype.kind not in "biufc":
        return None
    return _make(np.diag(b, k) if b.ndim == 1 else np.diagonal(b, k).copy())


_UNIQUE_ARGS = ("sorted", "return_inverse", "return_counts", "dim")


def unique(x, a: tuple, kw: dict):
    """``torch.unique(x[, sorted, return_inverse, return_counts])`` of a CPU integer or bool
    tensor without ``dim``: NumPy's ``unique`` (sorted distinct values, the inverse in ``x``'s
    shape, the counts; int64 as PyTorch's), where the composite made a dozen kernel calls
    (20 int64 values: 95 -> ~8 us, PyTorch 15).  Floats (NaN and signed zeros, whose order
    and grouping the composite keeps as PyTorch's) and every other call: the general path."""
    if type(x) is not Tensor or _RECORDERS or _D._AUTOCAST or len(a) > 4:
        return None
    b = x._buf
    if type(b) is not _ndarray or b.dtype.kind not in "biu":
        return None
    args = dict(zip(_UNIQUE_ARGS, a))
    for k in kw:
        if k not in _UNIQUE_ARGS or k in args:
            return None
    args.update(kw)
    inverse, counts = args.get("return_inverse", False), args.get("return_counts", False)
    if args.get("dim") is not None or type(args.get("sorted", True)) is not bool or \
            type(inverse) is not bool or type(counts) is not bool:
        return None
    if not (inverse or counts):
        return _make(np.unique(b))
    if inverse and counts:
        values, inv, cnt = np.unique(b, return_inverse=True, return_counts=True)
    elif inverse:
        values, inv = np.unique(b, return_inverse=True)
    else:
        values, cnt = np.unique(b, return_counts=True)
    out = [_make(values)]
    if inverse:
        out.append(_make(inv.reshape(b.shape).astype(_I64, copy=False)))
    if counts:
        out.append(_make(cnt.astype(_I64, copy=False)))
    return tuple(out)


def repeat_interleave(x, a: tuple, kw: dict) -> Tensor | None:
    """``x.repeat_interleave(r[, dim])`` (``torch.repeat_interleave(x, r[, dim])``) of a CPU
    tensor that records nothing, an int ``r``: NumPy's ``repeat`` (flattened without a dim),
    the composite's values (a 20-vector twice: 16 -> ~2 us, PyTorch 6); tensor repeats,
    ``output_size=``, a gradient: the general path."""
    if type(x) is not Tensor or _RECORDERS or _D._AUTOCAST or len(a) > 2 or \
            (x._rg and STATE.enabled):
        return None
    b = x._buf
    args = dict(zip(("repeats", "dim"), a))
    for k in kw:
        if k not in ("repeats", "dim") or k in args:
            return None
    args.update(kw)
    r, d = args.get("repeats"), args.get("dim")
    if type(b) is not _ndarray or type(r) is not int or r < 0:
        return None
    if d is None:
        return _make(np.repeat(b.reshape(-1), r))
    if type(d) is not int or not -b.ndim <= d < b.ndim:
        return None
    return _make(np.repeat(b, r, axis=d))


def narrow(x, a: tuple, kw: dict) -> Tensor | None:
    """``x.narrow(dim, start, length)`` of a tensor, three ints in range: the basic slice it
    is, through ``Tensor.__getitem__``'s fast path (a view, ``SliceBackward0``: 9.3 -> 3.8
    us, PyTorch 1.8); anything else (keywords, a tensor ``start``, a mistake) the general
    path, with PyTorch's errors."""
    if kw or len(a) != 3 or not isinstance(x, Tensor):
        return None
    dim, start, length = a
    if type(dim) is not int or type(start) is not int or type(length) is not int:
        return None
    shape = x._buf.shape
    nd = len(shape)
    if not -nd <= dim < nd or length < 0:     # (a 0-d tensor: nd is 0)
        return None
    dim %= nd
    n = shape[dim]
    if start < 0:
        start += n
    if start < 0 or start + length > n:
        return None
    return x[(slice(None),) * dim + (slice(start, start + length),) if dim else
             slice(start, start + length)]


def masked_select(x, a: tuple, kw: dict) -> Tensor | None:
    """``x.masked_select(mask)`` of a CPU tensor that records nothing and a bool mask of its
    shape: NumPy's boolean index (23.8 -> 4.3 us, PyTorch 3.9); broadcasting, a gradient or
    another dtype: the general path."""
    if len(a) != 1 or kw:
        return None
    m = a[0]
    if not isinstance(m, Tensor):           # (PyTorch's TypeError; a number was taken as a mask)
        raise TypeError(f"masked_select(): argument 'mask' (position 1) must be Tensor, not "
                        f"{type(m).__name__}")
    if type(m) is not Tensor or type(x) is not Tensor or _RECORDERS or (x._rg and STATE.enabled):
        return None
    b, mb = x._buf, m._buf
    if type(b) is not _ndarray or type(mb) is not _ndarray or mb.dtype != _BOOL or \
            mb.shape != b.shape:
        return None
    return _make(b[mb])


LANES = {"narrow": narrow, "masked_select": masked_select, "diagonal": diagonal, "diag": diag,
         "unique": unique, "repeat_interleave": repeat_interleave, "tril": _triangle(True),
         "triu": _triangle(False), "cdist": cdist, "nonzero": nonzero, "argwhere": nonzero,
         "topk": topk, "gather": gather, "sort": sort}


def _front(general, lane, name: str, label):
    """``general`` (``Tensor.topk``/``torch.sort``, ...) with its lane called first, from the
    call's own arguments: the layers in between (the 0-d dim rule, the bool refusal, the
    labelling, the adapter) decide nothing for a call the lane takes (a CPU float or int
    tensor of rank >= 1, the lane's own arguments), so the lane's result is labelled here as
    the labelling would (``label``: the name, or ``_grad_fn_labels``' function of the call;
    the input its edge) and returned as PyTorch's ``(values, indices)`` (8x16 ``topk(3)``
    with grad 18 -> ~9-13 us)."""
    def front_entry(*args, **kw):
        if args and type(args[0]) is Tensor:
            got = lane(args[0], args[1:], kw)
            if got is not None:
                values, indices = got
                x = args[0]
                if values._node is not None:
                    labelled(values, label(args, kw) if callable(label) else label, x,
                             edges=(x,))
                return values_indices(name, values, indices)
        return general(*args, **kw)
    return dressed(front_entry, general)


def _mv_front(general):
    """``general`` (``torch.mv``/``Tensor.mv``) with ``a @ v``'s lane in front for a CPU
    float32/float64 matrix and vector of one dtype: ``vector_product``, the composite's steps
    and node (MvBackward0) without the general entry's layers (8x8: 26 -> ~7 us, PyTorch
    1.2); anything else (other ranks or dtypes, sizes that disagree: mv's own errors) to
    ``general``."""
    def mv(*args, **kw):
        if len(args) == 2 and not kw and not _RECORDERS and not _D._AUTOCAST:
            x, v = args
            if type(x) is Tensor and type(v) is Tensor:
                bx, bv = x._buf, v._buf
                if type(bx) is _ndarray and type(bv) is _ndarray and bx.ndim == 2 and \
                        bv.ndim == 1 and bx.dtype is bv.dtype and \
                        (bx.dtype is _F32 or bx.dtype is _F64):
                    out = vector_product(x, v, bx.shape, bv.shape)
                    if out is not None:
                        return out
        return general(*args, **kw)
    return dressed(mv, general, name="mv")


def install(module) -> None:
    """The front entries of ``topk``, ``sort`` and ``mv`` (``Tensor``'s and ``module``'s:
    torch's)."""
    for name in ("topk", "sort"):
        label = _LABELS[name]           # (the labelling's: SortBackward1 with stable=)
        for owner in (Tensor, module):
            f = getattr(owner, name)
            if not getattr(f, "__front__", False):
                setattr(owner, name, _front(f, LANES[name], name, label))
    for owner in (Tensor, module):
        f = getattr(owner, "mv")
        if not getattr(f, "__front__", False):
            setattr(owner, "mv", _mv_front(f))


def lane_call(name: str, general):
    """``_api.args``'s ``call(x, a, kw)`` for ``name``: its lane first, then ``general``."""
    lane = LANES[name]

    def call(x, a, kw):
        out = lane(x, a, kw)
        return general(x, a, kw) if out is None else out
    return call
