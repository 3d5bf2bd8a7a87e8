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
from ..kernels.cpu import known_shapes as _cpu_known_shapes
from ..kernels.cpu import shape as _cpu
from ..kernels.cpu.indexing import getitem as _cpu_getitem
from ..kernels.cuda import indexing as _cuda_indexing
from ..kernels.cuda import shape as _cuda
from ..registry import AVAL_ATTR_TYPES, AVal, Primitive, aval_of, bind
from . import _rules
from ._fastpath import LEAN_VJPS, lean
from .broadcast import bind_like, broadcast_like, broadcast_to  # noqa: F401 - re-exported
from .elementwise import cast
from .indexing import getitem_p


# ----------------------------------------------------------------------------- transpose
def _transpose_rule(x: AVal, *, perm) -> AVal:
    if sorted(perm) != list(range(x.ndim)):
        raise ShapeError("transpose", f"perm {list(perm)} is not a permutation of the "
                         f"{x.ndim} axes", [x.shape])
    return AVal(tuple(x.shape[p] for p in perm), x.dtype)


def _inverse_perm(perm) -> tuple:
    """The permutation that undoes ``perm`` (np.argsort of it, in Python: on a tuple NumPy's
    argsort first converts it to an array, ~10 us of a small transpose's vjp)."""
    inv = [0] * len(perm)
    for i, p in enumerate(perm):
        inv[int(p)] = i
    return tuple(inv)


def _transpose_back(g, perm):
    """transpose's vjp: ``g`` with the inverse permutation.  For a NumPy ``g`` (eager backward)
    and the CPU kernel, what bind would return: the rule passes (``g`` has the output's rank,
    and the inverse of a permutation is one), so the kernel's view is taken directly."""
    if perm == _SWAP and type(g) is np.ndarray and g.ndim == 2 and \
            _TRANSPOSE_KERNELS["cpu"] is _cpu_transpose:
        return g.transpose(_SWAP)        # (a matrix's .t(), every linear layer's: its own inverse)
    fe = lean(g) if type(g) is not np.ndarray else None
    if fe is not None and g._buf.ndim == len(perm):           # (create_graph's Tensors)
        return _transpose_lean(fe, g, None, None, perm=perm)[0]
    inv = _inverse_perm(perm)
    if type(g) is np.ndarray and g.ndim == len(inv) and _TRANSPOSE_KERNELS["cpu"] is _cpu_transpose:
        return g if inv == tuple(range(len(inv))) else g.transpose(inv)
    return transpose(g, inv)


def _transpose_lean(fe, g, y, x, *, perm):
    """transpose's vjp for a concrete g (the front end's lane), a matrix's (1, 0) itself."""
    if g._buf.ndim != len(perm):
        return None
    if perm == _SWAP:
        return (fe.swap(g),)                # (the lane's entry for a matrix's transpose)
    return (fe.apply(transpose_p, (g,), {"perm": _inverse_perm(perm)}),)


transpose_p = Primitive(
    "transpose", _transpose_rule,
    lambda g, y, x, *, perm: (_transpose_back(g, perm),),
    kind="shape", view=True,
    doc="y = x with axes permuted;  dx = g with the inverse permutation",
    kernels={"cpu": _cpu.transpose, "cuda": _cuda.transpose})


LEAN_VJPS[transpose_p] = _transpose_lean


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
    if type(x) is np.ndarray:
        nd = x.ndim
        if nd == 2 and _TRANSPOSE_KERNELS["cpu"] is _cpu_transpose:
            # what bind does with a NumPy matrix, its call layers left out (the matmul vjp's
            # two transposes in eager backward): the rule passes for any 2-D operand and perm
            # (1, 0), and the CPU kernel is this view
            return x.transpose(_SWAP)
    else:
        nd = aval_of(x).ndim
    if nd == 2:                  # (1, 0) needs none of transpose's normalisation
        return bind(transpose_p, x, perm=_SWAP)
    return transpose(x, tuple(range(nd - 2)) + (nd - 1, nd - 2))


_SWAP = (1, 0)
_SWAP_PARAMS = {"perm": _SWAP}   # (a matrix transpose's params: _transpose_back)
_TRANSPOSE_KERNELS = transpose_p.kernels
_cpu_transpose = _cpu.transpose


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
    "reshape", _reshape_rule, lambda g, y, x, *, shape: (_reshape_back(g, x),), kind="shape",
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
    "reshape_like", _reshape_like_rule, lambda g, y, x, ref: (_reshape_back(g, x), None),
    kind="shape", view=True, doc="y = x reshaped to ref's shape;  dx = g reshaped back",
    kernels={"cpu": _cpu.reshape_like, "cuda": _cuda.reshape_like})


def reshape_like(x, ref):
    return bind_like(reshape_like_p, x, ref)


def _reshape_back(g, x):
    """reshape's and reshape_like's vjp: ``g`` with ``x``'s shape.  For NumPy buffers (eager
    backward) and the CPU kernel, what bind would return (the element counts agree: ``g`` has
    the output's shape), without the bind (a neural ODE's 143 reshapes a backward pass: 7.2 ->
    0.6 us each)."""
    if type(g) is np.ndarray and type(x) is np.ndarray and \
            _RESHAPE_KERNELS["cpu"] is _cpu.reshape_like:
        return g.reshape(x.shape)
    return reshape_like(g, x)


_RESHAPE_KERNELS = reshape_like_p.kernels


# ----------------------------------------------------------------------------- run-time shapes
def _reshape_dynamic_rule(x: AVal, shape: AVal, *, known) -> AVal:
    if shape.dtype.kind not in "iu" or shape.ndim != 1:
        raise ShapeError("reshape_dynamic", "the target shape must be a 1-D integer tensor",
                         [x.shape, shape.shape])
    if shape.shape[0] is not None and shape.shape[0] != len(known):
        raise ShapeError("reshape_dynamic", f"the target shape has {shape.shape[0]} entries "
                         f"but {len(known)} dimensions were declared", [x.shape, shape.shape])
    if x.fully_defined and None not in known and \
            int(np.prod(x.shape, dtype=np.int64)) != int(np.prod(known, dtype=np.int64)):
        raise ShapeError("reshape_dynamic", f"cannot reshape a tensor with "
                         f"{int(np.prod(x.shape, dtype=np.int64))} elements to shape "
                         f"{list(known)}", [x.shape, shape.shape])
    return AVal(tuple(known), x.dtype)


reshape_dynamic_p = Primitive(
    "reshape_dynamic", _reshape_dynamic_rule,
    lambda g, y, x, shape, *, known: (reshape_like(g, x), None), kind="shape", view=True,
    doc="y = x reshaped to the int vector `shape`, read at run time (one entry may be -1; "
        "`known` holds the dims known when the graph is built);  dx = g reshaped back",
    kernels={"cpu": _cpu.reshape_dynamic, "cuda": _cuda.reshape_dynamic})


def reshape_dynamic(x, dims):
    """``x`` reshaped to ``dims``: a list of ints (-1 for at most one) and 0-d integer values
    computed at run time (``dim_size``: ``shape_of(y)[i]``, products of them).  All ints: a plain
    :func:`reshape`; otherwise the target is stacked into an int64 vector and read by the
    kernel (a static graph's dimensions unknown until run time)."""
    dims = list(dims)
    if all(isinstance(d, (int, np.integer)) for d in dims):
        return reshape(x, tuple(int(d) for d in dims))
    runtime = [i for i, d in enumerate(dims) if not isinstance(d, (int, np.integer))]
    if len(runtime) == 1 and not any(isinstance(d, (int, np.integer)) and d == -1
                                     for d in dims):    # one unknown: a reshape with -1
        return reshape(x, tuple(-1 if i == runtime[0] else int(d) for i, d in enumerate(dims)))
    known = tuple(int(d) if isinstance(d, (int, np.integer)) and d >= 0 else None for d in dims)
    ref = next(d for d in dims if not isinstance(d, (int, np.integer)))
    parts = []
    for d in dims:
        if isinstance(d, (int, np.integer)):
            from .elementwise import full_like
            d = full_like(ref, int(d), _dt.int64)
        parts.append(expand_dims(cast(d, _dt.int64), 0))
    return bind(reshape_dynamic_p, x, concatenate(parts, 0), known=known)


# ----------------------------------------------------------------------------- expand / squeeze
def _expand_dims_rule(x: AVal, *, axes) -> AVal:
    shape = list(x.shape)
    for a in axes:
        shape.insert(a, 1)
    return AVal(tuple(shape), x.dtype)


expand_dims_p = Primitive(
    "expand_dims", _expand_dims_rule, lambda g, y, x, *, axes: (_reshape_back(g, x),),
    kind="shape", view=True, doc="y = x with new axes of size 1;  dx = g reshaped back",
    kernels={"cpu": _cpu.expand_dims, "cuda": _cuda.expand_dims})


def expand_dims(x, axis):
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    av = aval_of(x)
    nd = av.ndim + len(axes)
    axes = tuple(sorted(_rules.normalize_axis("expand_dims", int(a), nd, av.shape)
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
    "squeeze", _squeeze_rule, lambda g, y, x, *, axes: (_reshape_back(g, x),), kind="shape",
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
    if type(g) is np.ndarray and _GETITEM_KERNELS["cpu"] is _cpu_getitem:
        # NumPy buffers (eager backward): what bind(getitem_p, g, idx=...) below does, its
        # call layers left out: the rule passes (g has y's shape, which the pieces' sizes
        # add up to along ``axis``) and the CPU kernel is NumPy's view g[..., start:stop, ...]
        lead = (slice(None),) * axis
        out, start = [], 0
        for x in xs:
            stop = start + x.shape[axis]
            out.append(g[lead + (slice(start, stop), Ellipsis)])
            start = stop
        return tuple(out)
    if len(xs) == 2 and type(xs[0]) in AVAL_ATTR_TYPES and type(xs[1]) in AVAL_ATTR_TYPES:
        # two graph tensors (a tree network's backward: one concatenate per inner node, issue
        # 19): the loop below for them, their avals read directly
        n0, n1 = xs[0].aval.shape[axis], xs[1].aval.shape[axis]
        if n0 is not None and n1 is not None:
            lead = (_FULL,) * axis
            n0 = int(n0)
            return (bind(getitem_p, g, idx=lead + (("slice", 0, n0, None),)),
                    bind(getitem_p, g, idx=lead + (("slice", n0, n0 + int(n1), None),)))
    sizes = [aval_of(x).shape[axis] for x in xs]
    if None in sizes:            # a size known only at run time: slice by run-time sizes
        return tuple(bind(concat_part_p, g, *xs, axis=axis, index=i) for i in range(len(xs)))
    # getitem's canonical index written out (what canonical_index makes of
    # ``(slice(None),) * axis + (slice(start, start + n),)``), bound directly: the normalisation
    # cost more than the slice (a tree network's backward has one concatenate per inner node)
    grads, start = [], 0
    lead = (_FULL,) * axis
    for n in sizes:
        stop = start + int(n)
        grads.append(bind(getitem_p, g, idx=lead + (("slice", start, stop, None),)))
        start = stop
    return tuple(grads)


_FULL = ("slice", None, None, None)
_GETITEM_KERNELS = getitem_p.kernels


concatenate_p = Primitive(
    "concatenate", _concat_rule, _concat_vjp, kind="shape", tf_type="ConcatV2",
    doc="y = [x0, x1, ...] joined along axis;  dxi = the slice of g that xi occupies",
    kernels={"cpu": _cpu.concatenate, "cuda": _cuda.concatenate},
    static_cpu=_cpu_known_shapes.joined_along)     # (a plan's: the axis bound)


def _concat_part_rule(g: AVal, *xs: AVal, axis, index) -> AVal:
    shape = list(g.shape)
    shape[axis] = xs[index].shape[axis]
    return AVal(tuple(shape), g.dtype)


def _concat_part_vjp(gg, y, g, *xs, axis, index):
    parts = [gg if j == index else _zeros_like_as(x, gg) for j, x in enumerate(xs)]
    return (concatenate(parts, axis),) + (None,) * len(xs)


def _zeros_like_as(x, ref):
    """Zeros with x's (run-time) shape and ref's dtype."""
    from .elementwise import zeros_like
    return zeros_like(x, aval_of(ref).dtype)


concat_part_p = Primitive(
    "concat_part", _concat_part_rule, _concat_part_vjp, kind="shape", view=True,
    tf_type="Slice",
    doc="y = the part of g = concatenate(xs, axis) that xs[index] occupies, its offset and "
        "length read from the xs' run-time shapes (the vjp of concatenate when a size along "
        "axis is unknown when the graph is built);  dg = gy placed there, zeros elsewhere "
        "(a concatenate of zeros like the other xs);  no gradient for the xs (only their "
        "shapes are read)",
    kernels={"cpu": _cpu.concat_part, "cuda": _cuda_indexing.concat_part})


def concat_part(g, *xs, axis: int, index: int):
    """The slice of ``g`` (a concatenation of ``xs`` along ``axis``) that ``xs[index]`` fills."""
    return bind(concat_part_p, g, *xs, axis=int(axis), index=int(index))


def concatenate(xs, axis=0):
    xs = list(xs)
    nd = aval_of(xs[0]).ndim
    axis = _rules.normalize_axis("concatenate", int(axis), nd, aval_of(xs[0]).shape)
    if len(xs) == 1:                    # a new value, as tf.concat's identity and torch.cat's
        from .elementwise_cast import identity      # copy (it returned the input itself)
        return identity(xs[0])
    dts = {aval_of(x).dtype for x in xs}
    if len(dts) > 1:
        t = _dt.result_type(*dts)
        xs = [cast(x, t) for x in xs]
    return bind(concatenate_p, *xs, axis=axis)


# stack: its own primitive (one node, one kernel, one vjp), in .stacking
from .stacking import stack, stack_p  # noqa: E402,F401 - re-exported


def axis_to_front(nd: int, d: int) -> tuple[tuple, tuple]:
    """``(perm, inverse)``: the transpose that moves axis ``d`` of a rank-``nd`` array to the
    front, the others in order, and the one that moves it back (written out: NumPy's argsort
    of the permutation cost ~5 us a call in the gathers and scatters that move an axis)."""
    perm = (d,) + tuple(range(d)) + tuple(range(d + 1, nd))
    return perm, tuple(range(1, d + 1)) + (0,) + tuple(range(d + 1, nd))
