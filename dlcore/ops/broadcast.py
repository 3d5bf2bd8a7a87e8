"""Broadcasting and its transpose: ``broadcast_to``/``broadcast_like`` and ``sum_to``.

    broadcast_to(x, shape)   y = x repeated along new and size-1 axes;  dx = sum_to(g, x)
    sum_to(x, ref)           y = x summed over its broadcast axes down to ref's shape;
                             dx = broadcast_like(g, x)

Each is the other's vjp, so they live together, below every other op family: every
elementwise vjp ends with ``sum_to`` (a gradient of a broadcast operand has the operand's
shape by construction), and the reductions and shape ops build on these two.  On the CPU both
broadcasts are zero-copy views (a bias add never materialises an N x H copy of the bias); the
``*_like``/``sum_to`` forms take the target shape from a reference value, so they also work in a
static graph whose dimensions are known only at run time.
"""

from __future__ import annotations

import numpy as np

from ..errors import ShapeError
from ..kernels.cpu import reduce as _cpu_reduce
from ..kernels.cpu import shape as _cpu
from ..kernels.cuda import reduce as _cuda_reduce
from ..kernels.cuda import shape as _cuda
from ..registry import AVAL_ATTR_TYPES, CONCRETE, AVal, Primitive, aval_of, bind
from . import _rules

_ndarray = np.ndarray


def bind_like(prim: Primitive, x, ref):
    """``prim`` applied to ``x`` and the reference ``ref`` whose shape it takes, or ``x`` itself
    when the static shapes already agree (the ``*_like`` ops and ``sum_to``)."""
    if type(x) is _ndarray and type(ref) is _ndarray and x.shape == ref.shape:
        return x                 # eager backward's common case: no AVal built
    t = type(x)
    if t in AVAL_ATTR_TYPES and type(ref) is t:  # two graph tensors: their own AVals
        xs = x.aval[0]           # (tf.gradients' common case: a gradient node's shape
        if xs == ref.aval[0] and None not in xs and \
                (xs or not getattr(x, "_dlcore_unknown_rank", False)):  # (equals its input's)
            return x             # (a 0-d stand-in of unknown rank, dlcore_static: not equal)
    xa, ra = aval_of(x), aval_of(ref)
    if xa.shape == ra.shape and xa.fully_defined and \
            (xa.shape or not getattr(x, "_dlcore_unknown_rank", False)):
        return x
    fe = getattr(type(ref), "__dlcore_frontend__", None)
    if fe is not None:
        # only ref's shape is read: a front end that tracks gradients (``shape_only``, see
        # registry) gives a value the result does not depend on
        shape_only = getattr(fe, "shape_only", None)
        if shape_only is not None:
            ref = shape_only(ref)
    return bind(prim, x, ref)


# ----------------------------------------------------------------------------- broadcasting
def _check_broadcast(op: str, shape: tuple, target: tuple, message: str) -> None:
    """``shape`` must broadcast to ``target`` itself (not to a larger common shape)."""
    out = _rules.broadcast_shapes(op, shape, target)
    if len(shape) > len(target) or any(
            a is not None and b is not None and a != b for a, b in zip(out, target)):
        raise ShapeError(op, message, [shape, target])


def _broadcast_to_rule(x: AVal, *, shape) -> AVal:
    _check_broadcast("broadcast_to", x.shape, shape, f"cannot broadcast to shape {list(shape)}")
    return AVal(tuple(shape), x.dtype)


broadcast_to_p = Primitive(
    "broadcast_to", _broadcast_to_rule,
    lambda g, y, x, *, shape: (sum_to(g, x),), kind="shape", view=True,
    doc="y = x broadcast to shape (a zero-copy view on the CPU);  dx = g summed back to x",
    kernels={"cpu": _cpu.broadcast_to, "cuda": _cuda.broadcast_to})


def broadcast_to(x, shape):
    shape = tuple(int(d) for d in shape)
    if aval_of(x).shape == shape:
        return x
    return bind(broadcast_to_p, x, shape=shape)


def _broadcast_like_rule(x: AVal, ref: AVal) -> AVal:
    _check_broadcast("broadcast_like", x.shape, ref.shape,
                     "cannot broadcast the first shape to the second")
    return AVal(ref.shape, x.dtype)


broadcast_like_p = Primitive(
    "broadcast_like", _broadcast_like_rule,
    lambda g, y, x, ref: (sum_to(g, x), None), kind="shape", view=True,
    doc="y = x broadcast to ref's shape (a zero-copy view on the CPU);  dx = g summed back",
    kernels={"cpu": _cpu.broadcast_like, "cuda": _cuda.broadcast_like})


def broadcast_like(x, ref):
    return bind_like(broadcast_like_p, x, ref)


# ----------------------------------------------------------------------------- sum_to
def _sum_to_rule(x: AVal, ref: AVal) -> AVal:
    # ref's shape must broadcast to x's shape.
    _rules.broadcast_shapes("sum_to", x.shape, ref.shape)
    if len(ref.shape) > len(x.shape):
        raise ShapeError("sum_to", "cannot sum to a shape of higher rank", [x.shape, ref.shape])
    return AVal(ref.shape, x.dtype)


sum_to_p = Primitive(
    "sum_to", _sum_to_rule,
    lambda g, y, x, ref: (broadcast_like(g, x), None), kind="reduce",
    doc="y = x summed over its broadcast dimensions down to ref's shape;  dx = broadcast(g)",
    kernels={"cpu": _cpu_reduce.sum_to, "cuda": _cuda_reduce.sum_to})


_SUM_TO_KERNELS = sum_to_p.kernels
_SUM_TO_CACHE = sum_to_p._rule_cache
_cpu_sum_to = _cpu_reduce.sum_to


def sum_to(x, ref):
    """Sum ``x`` down to the shape of ``ref`` (a no-op when the static shapes already agree)."""
    if type(x) is _ndarray and type(ref) is _ndarray:
        sx, sr = x.shape, ref.shape
        if sx == sr:
            return x
        if (sx, sr, x.dtype, ref.dtype) in _SUM_TO_CACHE and _SUM_TO_KERNELS["cpu"] is _cpu_sum_to:
            # what bind does for two NumPy buffers whose rule passed (its cache key, rule_key's
            # four-part one), without its call layers: a bias's gradient in eager backward
            return _cpu_sum_to(x, ref)
    elif type(x) in CONCRETE and type(ref) is type(x):
        # two concrete front-end values (create_graph's): bind_like's outcome without AVals,
        # by the front end's lane (registry.CONCRETE)
        if x._buf.shape == ref._buf.shape:
            return x
        return CONCRETE[type(x)].apply(sum_to_p, (x, type(ref).__dlcore_frontend__.shape_only(
            ref)), {})
    return bind_like(sum_to_p, x, ref)
