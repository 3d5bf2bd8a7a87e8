"""PyTorch's indexing and scatter long tail, as composites of ``take``, ``scatter_add``,
``scatter_set``/``scatter_combine`` (scatter_ops.py), ``index_update`` and the shape ops, so every
gradient comes from those primitives' vjps.

    index_put(x, (i0, i1..), v, accumulate)   flat rows r = ravel(i0, i1..) of the leading axes;
                                 accumulate: x + scatter_add(v, r),  else scatter_set(x, v, r)
    index_copy(x, d, i, s)       scatter_set of s's slices along d (the last repeat wins)
    index_fill(x, d, i, value)   index_copy of value broadcast
    masked_scatter(x, m, s)      scatter_set of s's first count(m) elements at nonzero(m)
    scatter(x, d, i, s, reduce)  scatter_set along d (the last write wins); add / multiply folds
    index_reduce(x, d, i, s, reduce, include_self)   scatter_reduce of whole slices
    scatter_reduce(x, d, i, s, reduce, include_self)
                                 sum/mean: scatter_add_along_axis (+ counts);
                                 prod/amax/amin: scatter_combine; include_self=False first sets
                                 the hit positions to the reduction's identity
    select_scatter / slice_scatter   index_update at an int / a slice along d
    diagonal_scatter(x, s, o, d1, d2), diagflat(x, o)   scatter_set at the diagonal's flat positions
    put(x, i, s, accumulate)     index_put on the flattened tensor
    cartesian_prod, combinations, vander, tensordot   gathers, broadcasts, cumprod, matmul

Indices are normalised and bounds-checked by a ``take`` from ``arange(n)``, which raises
PyTorch's IndexError on the device where they live; the messages are PyTorch's.
"""

from __future__ import annotations

import itertools
import math
import re

import numpy as np

from .. import dtypes as _dt
from ..api import exports
from ..device import const_like
from ..kernels.cpu.gather import in_range as _in_range
from ..dtypes import is_floating
from ..registry import aval_of
from . import _rules
from .elementwise import add, cast, div, full_like, greater, mul, where
from .gather import scatter_add, take
from .indexing import getitem, index_update
from .scatter_ops import row_indices, scatter_combine, scatter_set
from .shape import broadcast_to, concatenate, reshape, stack, transpose
from .shape_extra import _back, _to_front


def _shape(x) -> tuple:
    return tuple(aval_of(x).shape)


def _ax(op, x, d) -> int:
    shape = _shape(x)
    return _rules.normalize_axis(op, int(d), len(shape), shape)


def _dtype(x):
    return aval_of(x).dtype


def _index(i, like):
    """An index given as a list, array or tensor, as an integer operand on ``like``'s device."""
    if isinstance(i, (list, tuple, range, int, np.integer, np.ndarray)):
        return const_like(np.asarray(i, dtype=np.int64), like)
    return i


def _checked(i, n: int, dim: int, like, prefix: str = "", negative: bool = True,
             error: type = IndexError):
    """``i`` normalised into [0, n) (negatives from the end; with ``negative=False`` they are
    out of bounds, as in PyTorch's index_copy and scatter), or PyTorch's error."""
    from .elementwise import less, sub
    b = i if type(i) is np.ndarray else getattr(i, "_buf", None)
    if type(b) is np.ndarray and b.dtype == np.int64 and _in_range(b, n):
        # a concrete host index (eager) already in [0, n): the take below would give its own
        # values (five ops of a GNN's scatter_reduce, issue 19)
        return i
    if not negative:                 # i < 0 -> i - n < -n: out of range, and i = bad + n
        i = where(less(i, 0), sub(i, n), i)
    try:
        return take(const_like(np.arange(n, dtype=np.int64), like), i)
    except IndexError as e:
        m = re.search(r"index (-?\d+)", str(e))
        bad = int(m.group(1)) if m else 0
        if not negative and bad < -n:
            bad += n
        raise error(f"{prefix}index {bad} is out of bounds for dimension {dim} with size "
                    f"{n}") from None


def _zeros(shape, like, dtype=None):
    """Zeros of ``shape`` in ``like``'s dtype (or ``dtype``), on its device."""
    dtype = dtype or _dtype(like)
    if math.prod(_shape(like)) == 0 or type(like) is np.ndarray or \
            type(getattr(like, "_buf", None)) is np.ndarray:    # (a host value: host zeros)
        return const_like(np.zeros(shape, dtype), like)
    first = reshape(getitem(reshape(like, (-1,)), (slice(0, 1),)), (1,) * len(shape))
    return broadcast_to(full_like(first, 0, dtype), tuple(shape))


_TORCH_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
                "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
                "bool": "Bool", "complex64": "ComplexFloat", "complex128": "ComplexDouble"}


def _same_dtype(message, x, v):
    """``v`` when it has x's dtype (or is a Python number), else PyTorch's RuntimeError:
    ``message`` formatted with ``self``/``src`` (PyTorch's dtype names)."""
    if _dt.is_python_scalar(v) or _dtype(v) == _dtype(x):
        return v
    names = {k: _TORCH_NAMES.get(str(_dtype(t)), str(_dtype(t))) for k, t in
             (("self", x), ("src", v))}
    raise RuntimeError(message.format(**names))


def _rows_set(x, rows, pos, accumulate=False):
    """x (n, *rest) with rows (m, *rest) written (or added) at row positions pos (m,)."""
    if accumulate:
        return add(x, scatter_add(rows, pos, x))
    return scatter_set(x, rows, row_indices(pos, rows), 0)


# ----------------------------------------------------------------------------- index_put
@exports({"torch": "index_put", "Tensor": "index_put"}, "args")
def index_put(x, indices, values, accumulate: bool = False):
    """``x[indices] = values`` (or ``+=`` with ``accumulate``) for a tuple of integer or
    boolean index tensors on the leading axes; repeated positions: the last value wins."""
    xs = _shape(x)
    idx: list = []
    for i in indices:
        if i is None:
            raise NotImplementedError("index_put: None entries in indices are not supported")
        i = _index(i, x)
        if _dtype(i) == np.bool_:
            from .reduce_extra import nonzero
            k = len(_shape(i))
            if _shape(i) != xs[len(idx):len(idx) + k]:
                raise IndexError(f"The shape of the mask {list(_shape(i))} at index {len(idx)} "
                                 f"does not match the shape of the indexed tensor "
                                 f"{list(xs[len(idx):len(idx) + k])} at index {len(idx)}")
            nz = nonzero(i)
            idx += [getitem(nz, (slice(None), c)) for c in range(k)]
        elif _dtype(i).kind not in "iu":
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        else:
            idx.append(i)
    k = len(idx)
    if k > len(xs):
        raise IndexError(f"too many indices for tensor of dimension {len(xs)} (got {k})")
    bshape = _rules.broadcast_shapes("index_put", *[_shape(i) for i in idx])
    rest = xs[k:]
    strides = [math.prod(xs[d + 1:k]) for d in range(k)]
    pos = None
    for d, i in enumerate(idx):
        i = broadcast_to(i, bshape) if _shape(i) != bshape else i
        term = mul(_checked(cast(i, _dt.int64), xs[d], d, x), strides[d])
        pos = term if pos is None else add(pos, term)
    pos = reshape(pos, (-1,))
    m = _shape(pos)[0]
    values = _same_dtype("Index put requires the source and destination dtypes match, got "
                         "{self} for the destination and {src} for the source.", x, values)
    target = tuple(bshape) + tuple(rest)
    if _dt.is_python_scalar(values):
        values = full_like(_zeros(target, x), values)
    vs = _shape(values)
    _rules.broadcast_shapes("index_put", vs, target)
    if vs != target:
        values = broadcast_to(values, target)
    rows = reshape(values, (m,) + tuple(rest))
    flat = reshape(x, (math.prod(xs[:k]),) + tuple(rest))
    return reshape(_rows_set(flat, rows, pos, accumulate), xs)


# ----------------------------------------------------------------------------- scatter
@exports({"torch": "scatter", "Tensor": "scatter"}, "args")
def scatter(x, axis, index, src=None, value=None, reduce=None):
    """PyTorch's ``scatter``: positions named by ``index`` take ``src``'s values (or
    ``value``).  Repeated indices: the last write along the axis wins, as PyTorch's CPU loop
    (``scatter_set``); ``reduce='add'``/``'multiply'`` fold the values in instead.  (Here, not
    in scan.py beside gather and scatter_add: scan.py is below scatter_ops.)"""
    from .scan import _axis, _crop, _src_block, scatter_add_along_axis
    if reduce not in (None, "add", "multiply"):
        raise RuntimeError("reduce argument must be either add or multiply.")
    src = value if src is None else src
    if isinstance(src, np.generic):     # (a NumPy number is a number, as PyTorch's parser reads
        src = src.item()                # it: np.float64(-0.25) was taken for a src tensor)
    a = _axis("scatter", x, axis)
    ishape = aval_of(index).shape
    xs = aval_of(x).shape
    index = _checked(index, xs[a], a, x, negative=False, error=RuntimeError)
    if _dt.is_python_scalar(src):
        src = full_like(index, src, aval_of(x).dtype)
    _same_dtype("scatter(): Expected self.dtype to be equal to src.dtype", x, src)
    src = _src_block(src, ishape)
    region = _crop(x, tuple(ishape[d] if d != a else xs[a] for d in range(len(ishape))), a)
    if reduce == "add":
        y = add(region, scatter_add_along_axis(src, index, region, a))
    elif reduce == "multiply":
        y = scatter_combine(region, src, index, a, "prod")
    else:
        y = scatter_set(region, src, index, a)
    if tuple(aval_of(region).shape) == tuple(xs):
        return y
    return index_update(x, tuple(slice(None) if d == a else slice(0, ishape[d])
                                 for d in range(len(xs))), y)


# ----------------------------------------------------------------------------- index_copy/fill
@exports({"torch": "index_copy", "Tensor": "index_copy"}, "args")
def index_copy(x, axis, index, source):
    """``x`` with ``source``'s slices along ``axis`` copied to ``index`` (last repeat wins)."""
    d = _ax("index_copy", x, axis)
    index = _index(index, x)
    if len(_shape(index)) > 1:
        raise IndexError("index_copy_(): Index should have dimension 1 or 0 (got "
                         f"{len(_shape(index))})")
    source = _same_dtype("index_copy_(): self and source expected to have the same dtype, "
                         "but got (self) {self} and (source) {src}", x, source)
    ss = _shape(source)
    m = math.prod(_shape(index))
    sm = ss[d] if len(ss) == len(_shape(x)) else (1 if not ss else None)
    if sm != m:
        raise IndexError(f"index_copy_(): Number of indices ({m}) should be equal to "
                         f"source.size(dim) ({sm})")
    moved, inv = _to_front(x, d)
    src, _ = _to_front(source, d) if ss else (reshape(source, (1,)), None)
    pos = _checked(reshape(index, (-1,)), _shape(x)[d] if _shape(x) else 1, d, x,
                   "index_copy_(): ", negative=False)
    return _back(_rows_set(moved, src, pos), inv)


@exports({"torch": "index_fill", "Tensor": "index_fill"}, "args")
def index_fill(x, axis, index, value):
    """``x`` with every slice along ``axis`` named by ``index`` set to ``value``."""
    d = _ax("index_fill", x, axis)
    if not _dt.is_python_scalar(value) and len(_shape(value)) != 0:
        raise RuntimeError("index_fill_ only supports a 0-dimensional value tensor, but got "
                           f"tensor with {len(_shape(value))} dimension(s).")
    index = reshape(_index(index, x), (-1,))
    moved, inv = _to_front(x, d)
    ms = _shape(moved)
    m = _shape(index)[0]
    pos = _checked(index, ms[0], d, x)
    if _dt.is_python_scalar(value):
        dt = _dtype(x)          # (an int into an unsigned or bool dtype: converted as C does)
        if dt.kind in "biu" and not isinstance(value, complex):
            value = np.bool_(bool(value)) if dt.kind == "b" else np.array(
                int(value)).astype(dt)[()]
        rows = full_like(_zeros((m,) + ms[1:], x), value)
    else:
        rows = broadcast_to(reshape(cast(value, _dtype(x)), (1,) * len(ms)), (m,) + ms[1:])
    return _back(_rows_set(moved, rows, pos), inv)


# ----------------------------------------------------------------------------- masked_scatter
@exports({"torch": "masked_scatter", "Tensor": "masked_scatter"}, "args")
def masked_scatter(x, mask, source):
    """``x`` with the positions where ``mask`` is true (broadcast to x) taking ``source``'s
    elements in row-major order."""
    from .reduce_extra import nonzero
    xs = _shape(x)
    mask = _index(mask, x) if isinstance(mask, (list, np.ndarray)) else mask
    if _dtype(mask) != np.bool_:
        raise RuntimeError(f"masked_scatter_: expected BoolTensor for mask, got {_dtype(mask)}")
    _same_dtype("masked_scatter: expected self and source to have same dtypes but got{self} "
                "and {src}", x, source)
    shape = _rules.broadcast_shapes("masked_scatter", xs, _shape(mask))
    if tuple(shape) != xs:
        raise RuntimeError(f"masked_scatter: the mask of shape {list(_shape(mask))} must "
                           f"broadcast to the tensor's shape {list(xs)}")
    mb = broadcast_to(mask, xs) if _shape(mask) != xs else mask
    pos = reshape(nonzero(reshape(mb, (-1,))), (-1,))
    k = _shape(pos)[0]
    src = reshape(source, (-1,))
    if k is not None and k > _shape(src)[0]:
        raise RuntimeError("Number of elements of source < number of ones in mask")
    vals = getitem(src, (slice(0, k),))
    return reshape(_rows_set(reshape(x, (-1,)), vals, pos), xs)


# ----------------------------------------------------------------------------- scatter_reduce
_REDUCES = ("sum", "prod", "mean", "amax", "amin")


def _identity(reduce, dtype):
    if reduce == "prod":
        return 1
    big = np.inf if is_floating(dtype) else np.iinfo(dtype).max
    return -big if reduce == "amax" else big


def _host_hits(index, ishape, rshape, a, dt):
    """How many of ``index``'s entries land on each position of the region (``rshape``), as a
    host array (x's dtype when floating, else int64), when ``index`` is a concrete host array
    (eager on the CPU, already checked in range): the counts and the masks built from them are
    then constants, not five recorded ops of a GNN's scatter_reduce (issue 19); else None."""
    b = index if type(index) is np.ndarray else getattr(index, "_buf", None)
    if type(b) is not np.ndarray or b.dtype != np.int64:
        return None
    from ..kernels.cpu.scan import scatter_add_along_axis as _saa
    hdt = dt if is_floating(dt) else np.dtype(np.int64)
    return _saa(np.ones(ishape, hdt), b, np.zeros(rshape, hdt), axis=a)


@exports({"torch": "scatter_reduce", "Tensor": "scatter_reduce"}, "args")
def scatter_reduce(x, axis, index, src, reduce, *, include_self: bool = True):
    """PyTorch's ``scatter_reduce``: ``src`` folded into ``x`` at ``index`` along ``axis`` by
    sum, prod, mean, amax or amin (with or without x's own values)."""
    from .scan import _crop
    if reduce not in _REDUCES:
        raise RuntimeError("reduce argument must be either sum, prod, mean, amax or amin, got "
                           f"{reduce}")
    xs = _shape(x)                      # (each shape read once: ~1 us an AVal)
    a = _rules.normalize_axis("scatter_reduce", int(axis), len(xs), xs)
    _same_dtype("scatter(): Expected self.dtype to be equal to src.dtype", x, src)
    ishape = _shape(index)
    index = _checked(index, xs[a], a, x, negative=False, error=RuntimeError)
    if _shape(src) != ishape:                    # PyTorch reads src's leading index-shaped block
        src = getitem(src, tuple(slice(0, b) for b in ishape))
    rshape = tuple(ishape[d] if d != a else xs[a] for d in range(len(ishape)))
    if rshape == xs:
        region = x
    else:
        region = _crop(x, rshape, a)
        rshape = _shape(region)
    dt = _dtype(x)
    hits = None
    if not include_self or reduce == "mean":
        hits = _host_hits(index, ishape, rshape, a, dt)
        if hits is None:
            ones = full_like(src, 1, dt if is_floating(dt) else _dt.int64)
            from .scan import scatter_add_along_axis
            hits = scatter_add_along_axis(ones, index, _zeros(rshape, ones), a)
    base = region
    if not include_self:
        fill = 0 if reduce in ("sum", "mean") else _identity(reduce, dt)
        if type(hits) is np.ndarray:         # (the mask and the fill: host constants)
            base = where(hits > 0, np.full((), fill, dt), region)
        else:
            base = where(greater(hits, 0), full_like(region, fill), region)
    if reduce in ("sum", "mean"):
        from .scan import scatter_add_along_axis
        y = add(base, scatter_add_along_axis(src, index, region, a))
        if reduce == "mean":
            count = hits if not include_self else add(hits, 1)
            if type(count) is np.ndarray:
                count = np.where(count > 0, count, 1).astype(dt)
            else:
                count = where(greater(count, 0), cast(count, dt), full_like(region, 1))
            if is_floating(dt):
                y = div(y, count)
            else:
                from .math_binary import floor_divide
                y = floor_divide(y, count)
    else:
        y = scatter_combine(base, src, index, a,
                            {"prod": "prod", "amax": "max", "amin": "min"}[reduce])
    if rshape == xs:
        return y
    return index_update(x, tuple(slice(None) if d == a else slice(0, ishape[d])
                                 for d in range(len(xs))), y)


@exports({"torch": "index_reduce", "Tensor": "index_reduce"}, "args")
def index_reduce(x, axis, index, source, reduce, *, include_self: bool = True):
    """``source``'s slices along ``axis`` folded into ``x`` at ``index`` by prod, mean, amax
    or amin (``scatter_reduce`` of whole slices)."""
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise RuntimeError("index_reduce(): Expected reduce to be one of prod, mean, amax or "
                           f"amin but got {reduce}.")
    d = _ax("index_reduce", x, axis)
    index = reshape(_index(index, x), (-1,))
    _same_dtype("index_reduce_(): self ({self}) and source ({src}) must have the same scalar "
                "type", x, source)
    m, sm = _shape(index)[0], _shape(source)[d] if _shape(source) else 1
    if m != sm:
        raise RuntimeError(f"index_reduce_(): Number of indices ({m}) should be equal to "
                           f"source.size(dim): ({sm}), for dim: {d}")
    try:
        pos = _checked(index, _shape(x)[d], d, x, negative=False)
    except IndexError:
        raise IndexError("index out of range in self") from None
    moved, inv = _to_front(x, d)
    src, _ = _to_front(source, d)
    y = scatter_reduce(moved, 0, row_indices(pos, src), src, reduce, include_self=include_self)
    return _back(y, inv)


# ----------------------------------------------------------------------------- *_scatter
def _check_src(src, want):
    if _shape(src) != tuple(want):
        raise RuntimeError(f"expected src to have a size equal to the slice of self. src size = "
                           f"{list(_shape(src))}, slice size = {list(want)}")


@exports({"torch": "select_scatter", "Tensor": "select_scatter"}, "plain")
def select_scatter(input, src, dim, index):
    """``input`` with ``input.select(dim, index)`` replaced by ``src``."""
    d = _ax("select_scatter", input, dim)
    xs = _shape(input)
    n = xs[d]
    if not -n <= int(index) < n:
        raise IndexError(f"select(): index {index} out of range for tensor of size {list(xs)} "
                         f"at dimension {d}")
    _check_src(src, xs[:d] + xs[d + 1:])
    return index_update(input, (slice(None),) * d + (int(index),), src)


@exports({"torch": "slice_scatter", "Tensor": "slice_scatter"}, "plain")
def slice_scatter(input, src, dim=0, start=None, end=None, step=1):
    """``input`` with ``input[..., start:end:step, ...]`` (along ``dim``) replaced by ``src``."""
    d = _ax("slice_scatter", input, dim)
    xs = _shape(input)
    if step is None:
        step = 1
    if int(step) <= 0:
        raise RuntimeError("slice step must be positive")
    sl = slice(start, end, int(step))
    want = xs[:d] + (len(range(*sl.indices(xs[d]))),) + xs[d + 1:]
    _check_src(src, want)
    return index_update(input, (slice(None),) * d + (sl,), src)


def _diag_positions(shape, offset, d1, d2) -> np.ndarray:
    """Flat positions of ``diagonal(offset, d1, d2)`` in a C-ordered ``shape``, in the
    diagonal's own order (the other axes, then the diagonal)."""
    ids = np.arange(math.prod(shape), dtype=np.int64).reshape(shape)
    return np.ascontiguousarray(np.diagonal(ids, offset, d1, d2))


@exports({"torch": "diagonal_scatter", "Tensor": "diagonal_scatter"}, "plain")
def diagonal_scatter(input, src, offset=0, dim1=0, dim2=1):
    """``input`` with its ``diagonal(offset, dim1, dim2)`` replaced by ``src``."""
    xs = _shape(input)
    d1, d2 = _ax("diagonal_scatter", input, dim1), _ax("diagonal_scatter", input, dim2)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    pos = _diag_positions(xs, int(offset), d1, d2)
    _check_src(src, pos.shape)
    src = cast(src, _dtype(input))
    out = _rows_set(reshape(input, (-1,)), reshape(src, (-1,)),
                    const_like(pos.reshape(-1), input))
    return reshape(out, xs)


@exports({"torch": "diagflat", "Tensor": "diagflat"}, "plain")
def diagflat(input, offset=0):
    """A square matrix with ``input`` (flattened) on its ``offset`` diagonal."""
    flat = reshape(input, (-1,))
    n = _shape(flat)[0]
    o = int(offset)
    size = n + abs(o)
    pos = _diag_positions((size, size), o, 0, 1)
    out = _rows_set(_zeros((size * size,), flat), flat, const_like(pos, flat))
    return reshape(out, (size, size))


# ----------------------------------------------------------------------------- put
@exports({"torch": "put", "Tensor": "put"}, "args")
def put(x, index, source, accumulate: bool = False):
    """``x.flatten()[index] = source`` (``+=`` with ``accumulate``); negatives from the end."""
    index = reshape(_index(index, x), (-1,))
    src = reshape(_same_dtype("put_(): self and source expected to have the same dtype, but "
                              "got self.dtype = {self} and source.dtype = {src}", x, source),
                  (-1,))
    if _shape(index)[0] != _shape(src)[0]:
        raise RuntimeError(f"put_(): Expected source and index to have the same number of "
                           f"elements, but got source.numel() = {_shape(src)[0]}, "
                           f"index.numel() = {_shape(index)[0]}")
    n = math.prod(_shape(x))
    try:
        pos = take(const_like(np.arange(n, dtype=np.int64), x), index)
    except IndexError as e:
        m = re.search(r"index (-?\d+)", str(e))
        raise IndexError(f"out of range: tried to access index {m.group(1) if m else '?'} on a "
                         f"tensor of {n} elements.") from None
    return reshape(_rows_set(reshape(x, (-1,)), src, pos, accumulate), _shape(x))


# ----------------------------------------------------------------------------- products & co
@exports({"torch": "cartesian_prod"}, "plain")
def cartesian_prod(*tensors):
    """Rows of every combination of the 1-D tensors' elements (the first varies slowest)."""
    if len(tensors) == 1:
        return tensors[0]
    dts = {_dtype(t) for t in tensors}
    if len(dts) > 1:
        raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    sizes = []
    for t in tensors:
        if len(_shape(t)) != 1:
            raise RuntimeError(f"Expect a 1D vector, but got shape {list(_shape(t))}")
        sizes.append(_shape(t)[0])
    k = len(tensors)
    cols = []
    for d, t in enumerate(tensors):
        view = reshape(t, tuple(sizes[d] if e == d else 1 for e in range(k)))
        cols.append(reshape(broadcast_to(view, tuple(sizes)), (-1,)))
    return stack(cols, 1)


@exports({"torch": "combinations"}, "plain")
def combinations(input, r=2, with_replacement=False):
    """The length-``r`` combinations of a 1-D tensor's elements, in itertools' order."""
    if len(_shape(input)) != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(_shape(input))}")
    r = int(r)
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    n = _shape(input)[0]
    if r == 0:
        return getitem(input, (slice(0, 0),))
    gen = itertools.combinations_with_replacement if with_replacement else \
        itertools.combinations
    idx = np.asarray(list(gen(range(n), r)), dtype=np.int64).reshape(-1, r)
    return take(input, const_like(idx, input))


@exports({"torch": "vander"}, "plain")
def vander(x, N=None, increasing=False):
    """The Vandermonde matrix of a 1-D ``x``: columns ``x**(N-1) .. x**0`` (``increasing``
    flips them); built by a running product, so zeros have exact gradients."""
    from .scan import cumprod
    if len(_shape(x)) != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    n = _shape(x)[0]
    N = n if N is None else int(N)
    if N < 0:
        raise RuntimeError("N must be non-negative.")
    if _dtype(x).kind in "biu":
        x = cast(x, _dt.int64)
    ones = full_like(reshape(x, (n, 1)), 1)
    if N == 0:
        return getitem(ones, (slice(None), slice(0, 0)))
    cols = ones
    if N > 1:
        powers = cumprod(broadcast_to(reshape(x, (n, 1)), (n, N - 1)), 1)
        cols = concatenate([ones, powers], 1)
    return cols if increasing else getitem(cols, (slice(None), slice(None, None, -1)))


@exports({"torch": "tensordot"}, "plain")
def tensordot(a, b, dims=2):
    """Contract ``a``'s ``dims[0]`` axes with ``b``'s ``dims[1]`` axes (an int ``n``: a's last
    ``n`` with b's first ``n``) by one matmul."""
    from .linalg import matmul
    sa, sb = _shape(a), _shape(b)
    if _dtype(a) != _dtype(b):
        raise RuntimeError("both inputs should have same dtype")
    if isinstance(dims, (int, np.integer)) or (hasattr(dims, "ndim") and
                                               len(_shape(dims)) == 0):
        n, int_dims = int(dims), True
        if n < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={n}")
        da, db = list(range(len(sa) - n, len(sa))), list(range(n))
    else:
        int_dims = False
        da, db = ([int(v) for v in np.atleast_1d(np.asarray(d))] for d in dims)
        if len(da) != len(db):
            raise RuntimeError("both dimension lists should have same length")
    da = [_ax("tensordot", a, d) for d in da]
    db = [_ax("tensordot", b, d) for d in db]
    for i, j in zip(da, db):
        if sa[i] != sb[j]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size "
                               f"{sa[i]} in dim {i - len(sa) if int_dims else i} and second "
                               f"has size {sb[j]} in dim {j}")
    fa = [d for d in range(len(sa)) if d not in da]
    fb = [d for d in range(len(sb)) if d not in db]
    k = math.prod(sa[d] for d in da)
    am = reshape(transpose(a, tuple(fa + da)), (math.prod(sa[d] for d in fa), k))
    bm = reshape(transpose(b, tuple(db + fb)), (k, math.prod(sb[d] for d in fb)))
    return reshape(matmul(am, bm), tuple(sa[d] for d in fa) + tuple(sb[d] for d in fb))

