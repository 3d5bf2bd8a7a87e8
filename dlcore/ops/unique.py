"""``unique`` and ``unique_consecutive`` (PyTorch's), over all elements or over slices along a
dim: composites of argsort, take, comparisons, nonzero and cumsum.

    unique(x)                   the distinct values, ascending (x flattened)
    unique(x, dim=d)            the distinct slices along d, in lexicographic order
    unique_consecutive(x[, d])  each run of equal neighbours (values or slices) kept once
    return_inverse              where each element (slice) went: its run's index, shaped like x
                                (like x.shape[d] with a dim)
    return_counts               the length of each run

How: the values (or the slices, flattened to rows) are sorted, unless consecutive runs are
wanted; a run starts where a row differs from the previous one in any element; the starts are
kept (``nonzero``: a size known only at run time).  Slices are sorted lexicographically by
stable argsorts of their columns from the last to the first (one argsort per column).  NaN is
never equal to NaN, so NaN rows are all distinct, as in PyTorch.
"""

from __future__ import annotations

from .. import dtypes as _dt
from ..api import exports
from ..errors import AxisError, ShapeError
from ..registry import aval_of
from . import _rules
from .elementwise import cast, full_like, not_equal, sub
from .gather import take
from .indexing import getitem
from .reduce_extra import nonzero, reduce_any
from .scan import argsort, cumsum, scatter_add_along_axis
from .shape import concatenate, reshape, transpose


def _positions(n_like):
    """0, 1, ..., n - 1 (int64) along the first axis of ``n_like`` (a 1-D value)."""
    return sub(cumsum(full_like(n_like, 1, _dt.int64), 0), 1)


def _rows_of(x, axis: int):
    """x with ``axis`` first, as (n, m) rows; and the shape to restore them."""
    nd = aval_of(x).ndim
    perm = (axis,) + tuple(d for d in range(nd) if d != axis)
    xt = transpose(x, perm) if perm != tuple(range(nd)) else x
    rest = tuple(aval_of(xt).shape[1:])
    m = 1
    for d in rest:
        m *= d
    return reshape(xt, (-1, m)), rest, perm


def _restore(rows, rest, perm):
    out = reshape(rows, (-1,) + rest)
    inv = tuple(perm.index(d) for d in range(len(perm)))
    return transpose(out, inv) if inv != tuple(range(len(perm))) else out


def _lex_order(rows):
    """The stable lexicographic order of the rows of ``rows`` (n, m)."""
    m = aval_of(rows).shape[1]
    perm = None
    for c in reversed(range(m)):
        key = getitem(rows, (slice(None), c))
        if perm is not None:
            key = take(key, perm)
        o = argsort(key, 0)
        perm = o if perm is None else take(perm, o)
    return perm


def _runs(rows, order, n: int, outputs: tuple[bool, bool], keep_rows):
    """Values (the first row of each run of equal rows), inverse and counts.  ``order``: the
    original position of each row of ``rows`` (None: rows are in their original order)."""
    return_inverse, return_counts = outputs
    two_d = aval_of(rows).ndim == 2
    if n == 0:
        empty = reshape(cast(rows, _dt.int64), (-1,))
        empty = getitem(empty, (slice(0, 0),))
        return [keep_rows(rows)] + ([empty] if return_inverse else []) + \
            ([empty] if return_counts else [])
    head = getitem(rows, (slice(0, 1),))
    diff = not_equal(getitem(rows, (slice(1, None),)), getitem(rows, (slice(0, -1),)))
    if two_d:
        diff = reduce_any(diff, 1)
        head = getitem(head, (slice(None), 0))
    starts = concatenate([full_like(head, True, _dt.bool_), diff], 0)
    pos = reshape(nonzero(starts), (-1,))
    out = [keep_rows(take(rows, pos))]
    if return_inverse:
        group = sub(cumsum(cast(starts, _dt.int64), 0), 1)
        if order is not None:
            group = scatter_add_along_axis(group, order, full_like(order, 0), 0)
        out.append(group)
    if return_counts:
        ends = concatenate([getitem(pos, (slice(1, None),)),
                            reshape(full_like(getitem(pos, (slice(0, 1),)), n), (1,))], 0)
        out.append(sub(ends, pos))
    return out


def _axis(op: str, x, axis) -> int:
    av = aval_of(x)
    if av.ndim == 0:
        raise AxisError(op, f"Dimension specified as {axis} but tensor has no dimensions",
                        [av.shape])
    return _rules.normalize_axis(op, int(axis), av.ndim, av.shape)


def _unique(x, axis, return_inverse: bool, return_counts: bool, consecutive: bool):
    flags = (bool(return_inverse), bool(return_counts))
    if axis is None:
        shape = tuple(aval_of(x).shape)
        flat = reshape(x, (-1,))
        n = aval_of(flat).shape[0]
        order = None if consecutive else argsort(flat, 0)
        rows = flat if consecutive else take(flat, order)
        out = _runs(rows, order, n, flags, lambda v: v)
        if return_inverse:
            out[1] = reshape(out[1], shape)
    else:
        op = "unique_consecutive" if consecutive else "unique"
        a = _axis(op, x, axis)
        shape = aval_of(x).shape
        if any(d == 0 for i, d in enumerate(shape) if i != a):
            raise ShapeError(op, "There are 0 sized dimensions, and they aren't selected, so "
                                 "unique cannot be applied", [shape])
        rows, rest, perm = _rows_of(x, a)
        n = aval_of(rows).shape[0]
        order = None if consecutive or n == 0 else _lex_order(rows)
        if order is not None:
            rows = take(rows, order)
        out = _runs(rows, order, n, flags, lambda r: _restore(r, rest, perm))
    return out[0] if len(out) == 1 else tuple(out)


@exports({"torch": "unique", "Tensor": "unique"}, "args")
def unique(x, sorted: bool = True, return_inverse: bool = False,  # noqa: A002
           return_counts: bool = False, axis=None):
    """The distinct values of ``x`` (flattened), or its distinct slices along ``axis``, in
    ascending (lexicographic) order, as PyTorch's CPU ``unique`` (which sorts even with
    ``sorted=False``); optionally the inverse indices and the counts."""
    return _unique(x, axis, return_inverse, return_counts, False)


@exports({"torch": "unique_consecutive", "Tensor": "unique_consecutive"}, "args")
def unique_consecutive(x, return_inverse: bool = False, return_counts: bool = False,
                       axis=None):
    """Each run of equal consecutive values (slices along ``axis``) once; optionally the
    inverse indices and the run lengths."""
    return _unique(x, axis, return_inverse, return_counts, True)
