"""``add_n``: the sum of several values of one shape and dtype, in their order (TensorFlow's
AddN)::

    y = ((x0 + x1) + x2) + ...;   dxi = g

``tf.gradients`` sums the cotangents of a value read by several ops with it: one node instead
of a chain of ``add`` nodes (a weight used at every node of a recursive net, issue 19).  Each
element is summed left to right exactly as the chain would sum it, on every path: the kernels
add in order, and the graph compiler's loops evaluate the same left-nested sum
(``dlcore_static.compiler.loops.loop_expr``).
"""

from __future__ import annotations

import numpy as np

from ..errors import ShapeError
from ..kernels.cpu.elementwise import _QUIET
from ..registry import AVal, Primitive, bind
from . import _rules
from .elementwise import add_p


def _add_n_rule(*xs: AVal) -> AVal:
    if len(xs) < 2:
        raise ShapeError("add_n", "needs at least two inputs", [x.shape for x in xs])
    first = xs[0]
    for x in xs[1:]:
        if x.shape != first.shape or x.dtype != first.dtype:
            raise ShapeError("add_n", "the inputs must have one shape and dtype",
                             [x.shape for x in xs])
    _rules.require_numeric("add_n", *xs)
    return AVal(first.shape, first.dtype)


def _cpu_add_n(*xs):
    # floating-point warnings off, as the add kernel's (inf - inf is NaN, silently), by
    # NumPy's error-state context variable (_QUIET) rather than an np.errstate block per
    # call; set inside the try and written back from what it was, so that a Ctrl-C as the
    # set returns cannot leave it set (review22 PB1: a reset token would be unbound there)
    before = _ERRSTATE_GET()
    try:
        _silence(_IGNORE)
        add = np.add
        out = add(xs[0], xs[1])
        if type(out) is not np.ndarray:      # (two 0-d arrays give a NumPy scalar)
            out = np.asarray(out)
        for x in xs[2:]:
            add(out, x, out=out)
    finally:
        _restore(before)
    return out


if _QUIET[2] is not None:
    _silence = _restore = _QUIET[0]         # (the variable's set; _restore its own name)
    _IGNORE = _QUIET[2]
    _ERRSTATE_GET = _QUIET[0].__self__.get
else:                                       # pragma: no cover - NumPy 1.x
    def _silence(_):
        np.seterr(all="ignore")

    def _restore(old):
        np.seterr(**old)
    _IGNORE = None
    _ERRSTATE_GET = np.geterr


def _cuda_add_n(*xs):
    add = add_p.kernels["cuda"]
    out = add(xs[0], xs[1])
    for x in xs[2:]:
        out = add(out, x)
    return out


add_n_p = Primitive("add_n", _add_n_rule, lambda g, y, *xs: tuple(g for _ in xs),
                    kind="accumulate", tf_type="AddN",
                    doc="y = ((x0 + x1) + x2) + ... (one shape and dtype);  dxi = g",
                    kernels={"cpu": _cpu_add_n, "cuda": _cuda_add_n})


def add_n(xs):
    """The sum of ``xs`` (two or more values of one shape and dtype), left to right."""
    return bind(add_n_p, *xs)
