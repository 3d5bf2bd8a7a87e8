"""Shape primitives: ``transpose``, ``reshape``, ``expand_dims``, ``squeeze`` and
``concatenate`` (``broadcast_to``/``broadcast_like`` are in :mod:`.broadcast`, with ``sum_to``,
their transpose; they are re-exported here).

On the CPU most of these are zero-copy views (``broadcast_like`` of a bias never materialises an
N x H copy).  Their vjps only move the cotangent back into the input's layout; the ``*_like``
variants take the target shape from a reference value, so they also work in a static graph where
some dimensions are unknown (None) until run time.
"""

from __future__ import annotations

import numpy as np

from .. import dtypes as _dt
from ..errors import AxisError, ShapeError
from ..kernels.cpu import shape as _cpu
from ..kernels.cuda import shape as _cuda
from ..registry import AVal, Primitive, aval_of, bind
from . import _rules
from .broadcast import bind_like, broadcast_like, broadcast_to  # noqa: F401 - re-exported
from .elementwise import cast
from .indexing import getitem


# ----------------------------------------------------------------------------- transpose
def _transpose_rule(x: AVal, *, perm) -> AVal:
    if sorted(perm) != list(range(x.ndim)):
        raise ShapeError("transpose", f"perm {list(perm)} is not a permutation of the "
                         f"{x.ndim} axes", [x.shape])
    return AVal(tuple(x.shape[p] for p in perm), x.dtype)


transpose_p = Primitive(
    "transpose", _transpose_rule,
    lambda g, y, x, *, perm: (transpose(g, tuple(int(i) for i in np.argsort(perm))),),
    kind="shape", view=True,
    doc="y = x with axes permuted;  dx = g with the inverse permutation",
    kernels={"cpu": _cpu.transpose, "cuda": _cuda.transpose})


def transpose(x, perm=None):
    av = aval_of(x)
    nd = av.ndim
    if perm is None:
        perm = tuple(range(nd))[::-1]
    else:       # checked before negative axes wrap, so (0, 5) on rank 2 is no identity
        perm = tuple(int(p) for p in perm)
        if len(perm) != nd:
            raise ShapeError("transpose", f"perm {list(perm)} has {len(perm)} entries but the "
                             f"tensor has rank {nd}", [av.shape])
        if perm and (min(perm) < -nd or max(perm) >= nd):
            bad = [p for p in perm if not -nd <= p < nd]
            raise AxisError("transpose", f"perm {list(perm)}: axis {bad[0]} is out of range "
                            f"for a tensor of rank {nd}", [av.shape])
        perm = tuple(p % nd for p in perm)
    if perm == tuple(range(nd)):
        return x
    return bind(transpose_p, x, perm=perm)


def matrix_transpose(x):
    """Swap the last two axes."""
    nd = aval_of(x).ndim
    return transpose(x, tuple(range(nd - 2)) + (nd - 1, nd - 2))


# ----------------------------------------------------------------------------- reshape
def _reshape_rule(x: AVal, *, shape) -> AVal:
    shape = tuple(shape)
    if sum(1 for d in shape if d == -1) > 1:
        raise ShapeError("reshape", f"only one dimension of the new shape {list(shape)} can "
                         "be -1", [x.shape])
    if x.fully_defined:
        size = int(np.prod(x.shape, dtype=np.int64))
        known = int(np.prod([d for d in shape if d != -1], dtype=np.int64))
        if -1 in shape:
            if known == 0 or size % known:
                raise ShapeError("reshape", f"cannot reshape a tensor with {size} elements to "
                                 f"shape {list(shape)}", [x.shape])
            shape = tuple(size // known if d == -1 else d for d in shape)
        elif known != size:
            raise ShapeError("reshape", f"cannot reshape a tensor with {size} elements to "
                             f"shape {list(shape)}", [x.shape])
        return AVal(shape, x.dtype)
    return AVal(tuple(None if d == -1 else d for d in shape), x.dtype)


reshape_p = Primitive(
    "reshape", _reshape_rule, lambda g, y, x, *, shape: (reshape_like(g, x),), kind="shape",
    view=True,
    doc="y = x with a new shape (one dimension may be -1);  dx = g reshaped back",
    kernels={"cpu": _cpu.reshape, "cuda": _cuda.reshape})


def reshape(x, shape):
    shape = (int(shape),) if isinstance(shape, (int, np.integer)) else \
        tuple(-1 if d is None else int(d) for d in shape)
    if aval_of(x).shape == shape:
        return x
    return bind(reshape_p, x, shape=shape)


def _reshape_like_rule(x: AVal, ref: AVal) -> AVal:
    if x.fully_defined and ref.fully_defined and np.prod(x.shape) != np.prod(ref.shape):
        raise ShapeError("reshape_like", "element counts differ", [x.shape, ref.shape])
    return AVal(ref.shape, x.dtype)


reshape_like_p = Primitive(
    "reshape_like", _reshape_like_rule, lambda g, y, x, ref: (reshape_like(g, x), None),
    kind="shape", view=True, doc="y = x reshaped to ref's shape;  dx = g reshaped back",
    kernels={"cpu": _cpu.reshape_like, "cuda": _cuda.reshape_like})


def reshape_like(x, ref):
    return bind_like(reshape_like_p, x, ref)


# ----------------------------------------------------------------------------- expand / squeeze
def _expand_dims_rule(x: AVal, *, axes) -> AVal:
    shape = list(x.shape)
    for a in axes:
        shape.insert(a, 1)
    return AVal(tuple(shape), x.dtype)


expand_dims_p = Primitive(
    "expand_dims", _expand_dims_rule, lambda g, y, x, *, axes: (reshape_like(g, x),),
    kind="shape", view=True, doc="y = x with new axes of size 1;  dx = g reshaped back",
    kernels={"cpu": _cpu.expand_dims, "cuda": _cuda.expand_dims})


def expand_dims(x, axis):
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    nd = aval_of(x).ndim + len(axes)
    axes = tuple(sorted(_rules.normalize_axis("expand_dims", int(a), nd, aval_of(x).shape)
                        for a in axes))
    if not axes:
        return x
    return bind(expand_dims_p, x, axes=axes)


def _squeeze_rule(x: AVal, *, axes) -> AVal:
    for a in axes:
        if x.shape[a] not in (1, None):
            raise ShapeError("squeeze", f"cannot squeeze axis {a}: its size is {x.shape[a]}, "
                             "not 1", [x.shape])
    return AVal(tuple(d for i, d in enumerate(x.shape) if i not in axes), x.dtype)


squeeze_p = Primitive(
    "squeeze", _squeeze_rule, lambda g, y, x, *, axes: (reshape_like(g, x),), kind="shape",
    view=True,
    doc="y = x without the given size-1 axes;  dx = g reshaped back",
    kernels={"cpu": _cpu.squeeze, "cuda": _cuda.squeeze})


def squeeze(x, axis=None):
    av = aval_of(x)
    if axis is None:
        axes = tuple(i for i, d in enumerate(av.shape) if d == 1)
    else:
        axes = _rules.normalize_axes("squeeze", axis, av.ndim, av.shape)
    if not axes:
        return x
    return bind(squeeze_p, x, axes=axes)


# ----------------------------------------------------------------------------- concatenate
def _concat_rule(*xs: AVal, axis) -> AVal:
    if not xs:
        raise ShapeError("concatenate", "needs at least one input", [])
    nd = xs[0].ndim
    shapes = [x.shape for x in xs]
    if any(x.ndim != nd for x in xs):
        raise ShapeError("concatenate", "all inputs must have the same rank", shapes)
    dtype = _rules.same_dtype("concatenate", *xs)
    out = []
    for i in range(nd):
        dims = [x.shape[i] for x in xs]
        if i == axis:
            out.append(None if None in dims else int(np.sum(dims)))
        else:
            known = {d for d in dims if d is not None}
            if len(known) > 1:
                raise ShapeError("concatenate", f"Dimension {i} in both shapes must be equal, "
                                 f"but are {sorted(known)[0]} and {sorted(known)[1]}", shapes)
            out.append(known.pop() if known else None)
    return AVal(tuple(out), dtype)


def _concat_vjp(g, y, *xs, axis):
    sizes = [aval_of(x).shape[axis] for x in xs]
    if None in sizes:
        raise NotImplementedError("dlcore: the gradient of concatenate needs the sizes along "
                                  "the concatenation axis to be known when the graph is built")
    grads, start = [], 0
    for n in sizes:
        idx = (slice(None),) * axis + (slice(start, start + n),)
        grads.append(getitem(g, idx))
        start += n
    return tuple(grads)


concatenate_p = Primitive(
    "concatenate", _concat_rule, _concat_vjp, kind="shape", tf_type="ConcatV2",
    doc="y = [x0, x1, ...] joined along axis;  dxi = the slice of g that xi occupies",
    kernels={"cpu": _cpu.concatenate, "cuda": _cuda.concatenate})


def concatenate(xs, axis=0):
    xs = list(xs)
    nd = aval_of(xs[0]).ndim
    axis = _rules.normalize_axis("concatenate", int(axis), nd, aval_of(xs[0]).shape)
    if len(xs) == 1:
        return xs[0]
    dts = {aval_of(x).dtype for x in xs}
    if len(dts) > 1:
        t = _dt.result_type(*dts)
        xs = [cast(x, t) for x in xs]
    return bind(concatenate_p, *xs, axis=axis)


def stack(xs, axis=0):
    xs = list(xs)
    nd = aval_of(xs[0]).ndim + 1
    axis = _rules.normalize_axis("stack", int(axis), nd)
    return concatenate([expand_dims(x, axis) for x in xs], axis=axis)
