"""CPU kernels of the softmax and log-softmax primitives.

The operand is viewed as ``(outer, n, inner)`` around the normalised axis (a C-contiguous copy
where it is not contiguous) and a Numba loop (:mod:`._jit_softmax`, imported on first use) makes
two passes over each line: the maximum, then ``sum(exp(x - max))`` accumulated in float64, and
writes ``exp(x - max) / sum`` or ``x - max - log(sum)`` in the input's dtype (float32 lines
along the last axis: a vectorised float32 ``exp``, see ``_jit_softmax``).  A line whose
maximum is infinite gives NaN, as ``exp(x - max)`` does in PyTorch.
"""

from __future__ import annotations

import math

import numpy as np

from . import compiled_form, jit_module

_F32, _F64, _I64 = np.dtype(np.float32), np.dtype(np.float64), np.dtype(np.int64)
_jit = jit_module("_jit_softmax")
_xjit = jit_module("_jit_xent")


#: (shape, axis) -> the (outer, n, inner) view shape (the eager loops call with a few shapes)
_SHAPE3: dict = {}


def _run(x, axis, log):
    s = x.shape
    out = np.empty(s, x.dtype)
    if x.size:
        shape3 = _SHAPE3.get((s, axis))
        if shape3 is None:
            shape3 = (math.prod(s[:axis]), s[axis], math.prod(s[axis + 1:]))
            if len(_SHAPE3) > 1024:
                _SHAPE3.clear()
            _SHAPE3[s, axis] = shape3
        if not x.flags.c_contiguous:
            x = np.ascontiguousarray(x)
        if shape3[2] == 1 and x.dtype == _F32:      # float32 along the last axis (== : a
            # compiled plan's arrays may carry an equal copy of the dtype object)
            rows = _jit().log_softmax_rows32 if log else _jit().softmax_rows32
            rows(x.reshape(shape3[:2]), out.reshape(shape3[:2]))
        else:
            _jit().softmax3(x.reshape(shape3), out.reshape(shape3), log)
    return out


def softmax(x, *, axis):
    return _run(x, axis, False)


def log_softmax(x, *, axis):
    return _run(x, axis, True)


def softmax_grad_last(g, y, axis: int, *, log: bool):
    """Eager backward's softmax (``log``: log-softmax) gradient of C-contiguous float ``g``
    and ``y`` of one shape and dtype along their last axis, from 1024 elements, in one Numba
    pass per row (``_jit_softmax.softmax_grad_rows``, ``log_softmax_grad_rows32``: float32
    only, its exponential ``exp32``'s): NLL of log-softmax, 64x128 float32, the log-softmax
    gradient 13.2 -> see the closing note of the fifty-eighth session.  None for anything else
    (the caller's separate kernels)."""
    if y.ndim == 0 or axis not in (-1, y.ndim - 1) or y.size < 1024 or \
            not (g.flags.c_contiguous and y.flags.c_contiguous) or (log and y.dtype != _F32):
        return None
    n = y.shape[-1]
    out = np.empty(y.shape, y.dtype)
    rows = (y.size // n, n)
    fn = _jit().log_softmax_grad_rows32 if log else _jit().softmax_grad_rows
    fn(g.reshape(rows), y.reshape(rows), out.reshape(rows))
    return out


def _small(log: bool):
    """``kernel.small(shape, dtype, axis)`` (the eager lane's plan, see
    ``dlcore_eager._lane.small_unary``): ``_run`` with the (outer, n, inner) view shape
    worked out once and the two views taken inside the loop's own call (``softmax_nd``:
    softmax of 4x8 float32 3.7 -> ~2.7 us a call); a buffer that is not C-contiguous, or an
    empty one, goes to ``_run``."""
    def small(shape, dtype, *, axis):
        if not math.prod(shape):
            return None
        o, n, inner = (math.prod(shape[:axis]), shape[axis], math.prod(shape[axis + 1:]))
        loop = _jit().softmax_nd
        empty = np.empty
        if axis == len(shape) - 1:          # the last axis: the loop of two arguments
            name = ("log_softmax_last" if log else "softmax_last") + (
                "32" if dtype == _F32 else "")
            last = getattr(_jit(), name)
            fast = None                     # (its compiled form: ``compiled_form``)

            def run_last(x):
                nonlocal fast
                if fast and x.flags.carray:
                    # C-contiguous, aligned and writeable: the array type the compiled form
                    # was made for (the output, made here, the same); no typing of the two
                    # arguments (log_softmax 1x32 with grad ~1.98 -> ~1.84 us)
                    out = empty(shape, dtype)
                    fast(x, out)
                    return out
                if not x.flags.c_contiguous:
                    return _run(x, axis, log)
                out = empty(shape, dtype)
                last(x, out)
                if fast is None and x.flags.carray:
                    fast = compiled_form(last, x, out) or False
                return out
            return run_last

        def run(x):
            if not x.flags.c_contiguous:
                return _run(x, axis, log)
            out = empty(shape, dtype)
            loop(x, out, o, n, inner, log)
            return out
        return run
    return small


softmax.small = _small(False)  # type: ignore[attr-defined]
log_softmax.small = _small(True)  # type: ignore[attr-defined]


def _xent_args(x, labels):
    """The (rows, C) logits and flat int64 labels the row loops take; float32 rows use the
    vectorised exponential (``_jit_xent``), float64 rows ``math.exp``, other floats are
    computed in float32."""
    c = x.shape[-1]
    x2 = np.ascontiguousarray(x).reshape(-1, c)
    if x2.dtype != np.float32 and x2.dtype != np.float64:
        x2 = x2.astype(np.float32)
    k = np.ascontiguousarray(labels).reshape(-1).astype(np.int64, copy=False)
    return x2, k


def sparse_xent(x, labels):
    """Per-row ``logsumexp(x) - x[label]`` over the last axis; a label outside [0, C) raises
    (TensorFlow's message: its CPU kernel checks too)."""
    c = x.shape[-1]
    if x.shape[:-1] != labels.shape:    # (sizes fed to a graph: its rule saw None)
        raise ValueError("logits and labels must have the same first dimension, got logits "
                         f"shape {list(x.shape)} and labels shape {list(labels.shape)}")
    out = np.empty(labels.shape, x.dtype)
    if out.size:
        x2, k = _xent_args(x, labels)
        res = out.reshape(-1) if x2.dtype == x.dtype else np.empty(k.shape, x2.dtype)
        if _xjit().xent_rows(x2, k, res) >= 0:
            _raise_label(labels, c)
        if x2.dtype != x.dtype:
            out.reshape(-1)[...] = res
    return out


def _xent_small(shapes, dtypes):
    """``kernel.small(shapes, dtypes)`` of :func:`sparse_xent` (the eager lane's plan, see
    ``dlcore_eager._lane.small_many``): for (N, C) float32/float64 logits and N int64 labels
    (N, C > 0), ``run(x, labels)`` calls the row loop directly, without ``_xent_args``'s
    conversions (each operand C-contiguous, else the kernel itself); the same loop, result
    and label error as :func:`sparse_xent`.  None for any other case (the kernel runs)."""
    (xs, ks), (xd, kd) = shapes, dtypes
    if len(xs) != 2 or len(ks) != 1 or xs[0] != ks[0] or not xs[0] or not xs[1] or \
            (xd is not _F32 and xd is not _F64) or kd is not _I64:
        return None
    n, c = xs
    empty = np.empty
    loop = None

    def run(x, labels):
        nonlocal loop
        if not (x.flags.c_contiguous and labels.flags.c_contiguous):
            return sparse_xent(x, labels)
        if loop is None:
            loop = _xjit().xent_rows
        out = empty(n, xd)
        if loop(x, labels, out) >= 0:
            _raise_label(labels, c)
        return out
    return run


sparse_xent.small = _xent_small  # type: ignore[attr-defined]


def sparse_xent_grad(g, x, labels):
    """``(softmax(x) - one_hot(labels)) g[..., None]`` over the last axis, one pass of
    exponentials per row (the vjp of :func:`sparse_xent`).

    The usual operands (C-contiguous (rows, C) float32/float64 logits, int64 labels and a
    per-row cotangent of the logits' dtype) go to the row loop as they are: 13.4 -> ~7 us a
    call at (32, 10) (a classifier's step, CPU time), the rest of the time being the
    conversions of ``_xent_args``."""
    dt = x.dtype
    if type(x) is np.ndarray and x.ndim == 2 and (dt is _F32 or dt is _F64) and x.size and \
            x.flags.c_contiguous and type(labels) is np.ndarray and labels.dtype is _I64 and \
            labels.ndim == 1 and type(g) is np.ndarray and g.dtype is dt and g.ndim == 1 and \
            labels.flags.c_contiguous and labels.shape[0] == x.shape[0] == g.shape[0]:
        # (the row loop reads unchecked; g is often a mean's or sum's cotangent, a stride-0
        # broadcast of the loss's gradient: 3.3 us through _xent_args at (16, 10), 1.9 so)
        if not g.flags.c_contiguous:
            g = np.ascontiguousarray(g)
        out = np.empty(x.shape, dt)
        if _xjit().xent_grad_rows(g, x, labels, out) >= 0:
            _raise_label(labels, x.shape[1])
        return out
    c = x.shape[-1]
    out = np.empty(x.shape, x.dtype)
    if out.size:
        x2, k = _xent_args(x, labels)
        g2 = np.ascontiguousarray(g).reshape(-1).astype(x2.dtype, copy=False)
        res = out.reshape(-1, c) if x2.dtype == x.dtype else np.empty(x2.shape, x2.dtype)
        if _xjit().xent_grad_rows(g2, x2, k, res) >= 0:
            _raise_label(labels, c)
        if x2.dtype != x.dtype:
            out.reshape(-1, c)[...] = res
    return out


def _raise_label(labels, c) -> None:
    flat = np.asarray(labels).reshape(-1)
    v = flat[(flat < 0) | (flat >= c)][0]
    shown = " ".join(str(int(t)) for t in flat[:16]) + (" ..." if flat.size > 16 else "")
    raise IndexError(f"Received a label value of {int(v)} which is outside the valid range of "
                     f"[0, {c}).  Label values: {shown}")
