"""CPU kernels for ops whose operands' shapes and dtypes are known before they run.

A static graph's plan (``dlcore_static.plan``) runs each op's kernel with values of the shapes
and dtypes its shape rule promised.  Where a kernel's run-time tests all hold for those, the
plan may run the one branch they lead to instead: a primitive's ``static_cpu`` option (in its
definition block) is ``choose(kernel, avals, params, out)``, which returns that branch as a
function of the op's inputs (no parameters), or None to keep ``kernel``.  The static front end
asks once per shape rule's outcome (``frontend._static_kernel``); the plan takes the answer
only while the primitive's CPU kernel is still ``kernel``.  A graph built per batch runs each
kernel once, its tests every time (issue 19).  ``linalg.for_static_shapes`` is MatMul's;
``same_shape_binary`` (add, sub, mul, div), ``basic_slice`` (a slice), ``joined_along`` (a
concatenation), ``small_tanh32`` and ``tanh_grad32`` are here.
"""

from __future__ import annotations

import contextvars
import math
import threading

import numpy as np

from . import indexing as _indexing
from . import shape as _shape
from . import transcendental as _tr
from .elementwise import _QUIET
from .runtime import PARALLEL_THRESHOLD

_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)

#: ufunc -> its call with floating-point warnings off (same_shape_binary)
_QUIET_CALLS: dict = {}


def same_shape_binary(kernel, avals, params, out):
    """Two float32/float64 arrays of one known shape (at least one axis, fewer than
    ``PARALLEL_THRESHOLD`` elements) and one dtype, for a two-input elementwise kernel that
    runs NumPy's ufunc there (``elementwise._binary_entry``: add, sub, mul, div, the
    comparisons): the ufunc, its floating-point warnings off as in the kernel."""
    ufunc = getattr(getattr(kernel, "kernel", None), "ufunc", None)
    if ufunc is None or params or len(avals) != 2:
        return None
    a, b = avals
    d, shape = a.dtype, a.shape
    if d is not b.dtype or (d is not _F32 and d is not _F64) or shape != b.shape or \
            not shape or None in shape or math.prod(shape) >= PARALLEL_THRESHOLD:
        return None
    run = _QUIET_CALLS.get(ufunc)
    if run is None:
        run = _QUIET_CALLS[ufunc] = _quiet_call(ufunc)
    return run


class _QuietRun(threading.local):
    """``run(f, *args)``: ``f(*args)`` in this thread's own context, where NumPy's error state
    (a context variable, ``elementwise._QUIET``) ignores floating-point errors: nothing to set
    and reset around the call, so nothing a Ctrl-C between the two could leave set (review22
    PB1; ``dlcore_eager._dispatch._QuietRun`` does the same).  One context per thread (entered
    by one thread at a time), entered here around a ufunc call only (never re-entered)."""

    def __init__(self):
        ctx = contextvars.Context()
        ctx.run(_QUIET[0], _QUIET[2])
        self.run = ctx.run


def _quiet_call(ufunc):
    if _QUIET[2] is None:                   # pragma: no cover - NumPy 1.x: np.errstate
        def run(a, b):
            with np.errstate(all="ignore"):
                return ufunc(a, b)
    else:
        local = _QuietRun()

        def run(a, b):
            return local.run(ufunc, a, b)
    run.__name__ = run.__qualname__ = f"quiet_{ufunc.__name__}"
    return run


#: canonical index -> its slicing function (basic_slice)
_SLICES: dict = {}


def basic_slice(kernel, avals, params, out):
    """``indexing.getitem``'s view ``x[idx]`` with its NumPy index made once (the kernel
    converts the canonical index on every call): any operand."""
    if kernel is not _indexing.getitem or len(params) != 1 or "idx" not in params:
        return None
    idx = params["idx"]
    run = _SLICES.get(idx)
    if run is None:
        key = _indexing.numpy_index(idx) + (Ellipsis,)

        def run(x):
            return x[key]
        run.__name__ = run.__qualname__ = "basic_slice"
        if len(_SLICES) > 4096:
            _SLICES.clear()
        _SLICES[idx] = run
    return run


#: axis -> its concatenation function (joined_along)
_JOINS: dict = {}


def joined_along(kernel, avals, params, out):
    """``shape.concatenate`` with its axis bound: the step passes no keyword arguments (a
    dict per call in the plan's loop)."""
    axis = params.get("axis")
    if kernel is not _shape.concatenate or len(params) != 1 or type(axis) is not int:
        return None
    run = _JOINS.get(axis)
    if run is None:
        concat = np.concatenate

        def run(*xs):
            return concat(xs, axis=axis)
        run.__name__ = run.__qualname__ = "joined_along"
        if len(_JOINS) > 256:
            _JOINS.clear()
        _JOINS[axis] = run
    return run


def small_tanh32(kernel, avals, params, out):
    """tanh's float32 kernel (``transcendental.float32_entry`` of ``transcendental.tanh``) for a
    float32 array of a known shape under ``TANH32_MIN`` elements: ``np.tanh`` itself, the call
    that kernel ends in there, without its three Python frames (issue 19: a tree net's 20 tanh
    nodes of 32 elements per graph built per batch)."""
    a = avals[0] if len(avals) == 1 else None
    if a is None or params or getattr(kernel, "float32_fn", None) is not _tr.tanh or \
            a.dtype is not _F32 or not a.shape or None in a.shape or \
            math.prod(a.shape) >= _tr.TANH32_MIN:
        return None
    return np.tanh


def tanh_grad32(kernel, avals, params, out):
    """TanhGrad's CPU kernel (``transcendental.tanh_grad``) for two float32 arrays of one known
    shape (at least ``TANH_GRAD32_MIN`` elements): the float32 loop it calls for them, after
    the tests the avals cannot promise: both operands C-contiguous float32 NumPy arrays (a
    slice of a wider array is not) of that very shape (``Tensor.set_shape`` refines a static
    shape that no run checks, as in TensorFlow; the loop writes ``g.size`` elements into an
    output of the promised shape: review23 PG1); any other operands go to the kernel (issue
    19: a tree net's 20 TanhGrad nodes of 32 elements per graph built per batch)."""
    if kernel is not _tr.tanh_grad or params or len(avals) != 2:
        return None
    a, b = avals
    shape = a.shape
    if a.dtype is not _F32 or b.dtype is not _F32 or shape != b.shape or not shape or \
            None in shape or math.prod(shape) < _tr.TANH_GRAD32_MIN:
        return None
    ndarray, empty, f32 = np.ndarray, np.empty, _F32
    loop = None

    def run(g, t):
        nonlocal loop
        if type(g) is ndarray and type(t) is ndarray and g.shape == shape and \
                t.shape == shape and g.flags.c_contiguous and t.flags.c_contiguous and \
                g.dtype is f32 and t.dtype is f32:
            if loop is None:
                loop = _tr._loops().tanh_grad32_into
            y = empty(shape, f32)
            loop(g, t, y)
            return y
        return kernel(g, t)
    run.__name__ = run.__qualname__ = "tanh_grad32"
    return run
