"""Gather along the first axis (``take``) and its transpose (``scatter_add``): integer-array
indexing such as PyTorch's ``x[idx]`` and ``x[rows, cols]``, and batched row lookup.

    take(x, i)              y[j, ...] = x[i[j], ...]              (i: int64, any shape)
                            dx = scatter_add(g, i, x)
    scatter_add(v, i, ref)  y = zeros like ref;  y[i[j], ...] += v[j, ...]   (repeated i add up)
                            dv = take(g, i)

Indices are checked against the size of axis 0 (negative indices count from the end) when the
kernel runs, since their values are data.
"""

from __future__ import annotations

from ..errors import DTypeNotImplemented, ShapeError
from ..kernels.cpu import gather as _cpu
from ..kernels.cuda import gather as _cuda
from ..registry import AVal, Primitive, bind


def _check_indices(op: str, i: AVal) -> None:
    if i.dtype.kind not in "iu":
        raise DTypeNotImplemented(op, "indices must be integers", [i.dtype])


def _take_rule(x: AVal, i: AVal) -> AVal:
    _check_indices("take", i)
    if x.ndim < 1:
        raise ShapeError("take", "cannot index a scalar", [x.shape, i.shape])
    return AVal(tuple(i.shape) + tuple(x.shape[1:]), x.dtype)


take_p = Primitive(
    "take", _take_rule, lambda g, y, x, i: (lambda: scatter_add(g, i, x), None), kind="index",
    doc="y[j, ...] = x[i[j], ...];  dx = scatter_add(g, i, x)",
    kernels={"cpu": _cpu.take, "cuda": _cuda.take})


def _scatter_add_rule(v: AVal, i: AVal, ref: AVal) -> AVal:
    _check_indices("scatter_add", i)
    want = tuple(i.shape) + tuple(ref.shape[1:])
    if len(v.shape) != len(want) or any(a is not None and b is not None and a != b
                                        for a, b in zip(v.shape, want)):
        raise ShapeError("scatter_add", "the values must have shape indices.shape + "
                         "ref.shape[1:]", [v.shape, i.shape, ref.shape])
    return AVal(tuple(ref.shape), v.dtype)


scatter_add_p = Primitive(
    "scatter_add", _scatter_add_rule,
    lambda g, y, v, i, ref: (lambda: take(g, i), None, None), kind="index",
    doc="y = zeros(shape(ref)); y[i[j]] += v[j];  dv = take(g, i)",
    kernels={"cpu": _cpu.scatter_add, "cuda": _cuda.scatter_add})


def take(x, indices):
    """Rows of ``x`` picked by the integer array ``indices`` (along axis 0)."""
    return bind(take_p, x, indices)


def scatter_add(v, indices, ref):
    """Zeros shaped like ``ref`` with the rows of ``v`` added at ``indices``."""
    return bind(scatter_add_p, v, indices, ref)
