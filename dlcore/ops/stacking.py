"""``stack``: tensors of one shape joined along a new axis, as one primitive.

    y = stack([x0, x1, ...], axis)      y[..., i, ...] = xi  (the new axis at ``axis``)
    dxi = g[..., i, ...]                (a view of the cotangent, no copy)

It was the composite ``concatenate([expand_dims(xi, axis) ...], axis)``: in eager mode one
expand_dims node per tensor and a concatenate node (the eager lane made that two nodes, a
concatenate and a reshape), and on the way back their vjps; PyTorch records one node
(StackBackward0) whose backward slices the cotangent.  As a primitive it is one kernel, one node
and one vjp in both front ends (TensorFlow's op type ``Pack``).  Shapes must be equal; inputs
of mixed dtypes are cast to their result type first (by :func:`stack`, as the composite's
concatenate did).
"""

from __future__ import annotations

import numpy as np

from .. import dtypes as _dt
from ..errors import ShapeError
from ..kernels.cpu import shape as _cpu
from ..kernels.cpu.indexing import getitem as _cpu_getitem
from ..kernels.cuda import shape as _cuda
from ..registry import AVal, Primitive, aval_of, bind
from . import _rules
from .elementwise import cast
from .indexing import getitem_p

_GETITEM_KERNELS = getitem_p.kernels


def _stack_rule(*xs: AVal, axis) -> AVal:
    if not xs:
        raise ShapeError("stack", "needs at least one input", [])
    nd = xs[0].ndim
    shapes = [x.shape for x in xs]
    for x in xs:                # (TensorFlow's words for Pack's shapes)
        if x.ndim != nd:
            raise ShapeError("stack", f"Shapes must be equal rank, but are {nd} and {x.ndim}",
                             shapes)
    if not 0 <= axis <= nd:
        raise ShapeError("stack", f"axis {axis} is out of range for inputs of rank {nd}", shapes)
    dtype = _rules.same_dtype("stack", *xs)
    dims = []
    for i in range(nd):
        known = sorted({x.shape[i] for x in xs if x.shape[i] is not None})
        if len(known) > 1:
            raise ShapeError("stack", f"Dimension {i} in both shapes must be equal, but are "
                             f"{known[0]} and {known[1]}", shapes)
        dims.append(known[0] if known else None)
    return AVal(tuple(dims[:axis]) + (len(xs),) + tuple(dims[axis:]), dtype)


def _stack_vjp(g, y, *xs, axis):
    if type(g) is np.ndarray and _GETITEM_KERNELS["cpu"] is _cpu_getitem:
        # NumPy buffers (eager backward): what bind(getitem_p, g, idx=...) below gives, the
        # CPU kernel's view g[..., i, ...] taken directly (the rule holds: g has y's shape)
        lead = (slice(None),) * axis
        return tuple(g[lead + (i, Ellipsis)] for i in range(len(xs)))
    lead_c = (_FULL,) * axis
    return tuple(bind(getitem_p, g, idx=lead_c + (i,)) for i in range(len(xs)))


_FULL = ("slice", None, None, None)

stack_p = Primitive(
    "stack", _stack_rule, _stack_vjp, kind="shape", tf_type="Pack",
    doc="y = [x0, x1, ...] joined along a new axis: y[..., i, ...] = xi;  "
        "dxi = g[..., i, ...]",
    kernels={"cpu": _cpu.stack, "cuda": _cuda.stack})


def stack(xs, axis=0):
    """``xs`` (one shape) joined along a new axis ``axis`` (negative: from the end of the
    result's axes); mixed dtypes are cast to their result type."""
    xs = list(xs)
    a0 = aval_of(xs[0])
    nd = a0.ndim + 1
    axis = _rules.normalize_axis("stack", int(axis), nd, a0.shape)
    dts = {aval_of(x).dtype for x in xs}
    if len(dts) > 1:
        t = _dt.result_type(*dts)
        xs = [cast(x, t) for x in xs]
    return bind(stack_p, *xs, axis=axis)
