"""Softmax and log-softmax as primitives (fused: one kernel for the forward pass, a handful of
ops for the vjp), instead of the seven-op composite ``exp(x - max) / sum(exp(x - max))``.

Measured before the change, CPU time per call on (32, 10) float32 logits, at load 10 on the
2-core benchmark machine: ``log_softmax`` forward 220 us against PyTorch's 9.4 us, and
``cross_entropy`` forward and backward 1,041 us against 158 us.  Nearly all of it was the
Python cost of the composite's primitives (seven forward, about ten backward).

Primitives (kernels in dlcore/kernels/{cpu,cuda}/softmax.py)::

    softmax(x, axis)        y = exp(x - m) / sum(exp(x - m)),  m = max(x) along axis
                            dx = y (g - sum(g y))
    log_softmax(x, axis)    y = x - m - log(sum(exp(x - m)))
                            dx = g - exp(y) sum(g)
    sparse_xent(x, k)       y = logsumexp(x) - x[k] over the last axis (x: (..., C), k: (...)
                            integer class ids; one outside [0, C) raises, where the composite
                            -sum(one_hot(k) log_softmax(x)) silently gave 0 for it)
                            dx = (softmax(x) - one_hot(k)) g;  no gradient for k
    sparse_xent_grad(g, x, k)
                            that dx in one kernel (one exp per logit);  its own vjp in ops:
                            dg = sum(c (p - one_hot(k))),  dx = p (c g - sum(c g p))

The vjps are written with dlcore ops, so second derivatives work.  NaN anywhere in a line, or
an infinite maximum, makes the whole line NaN, as in PyTorch.
"""

from __future__ import annotations

import numpy as np

from ..dtypes import is_floating
from ..errors import DTypeNotImplemented
from ..kernels.cpu import softmax as _cpu
from ..kernels.cpu._fp_quiet import _FP
from ..kernels.cpu.runtime import PARALLEL_THRESHOLD as _PARALLEL_THRESHOLD
from ..kernels.cuda import softmax as _cuda
from ..registry import AVal, Primitive, aval_of, bind
from . import _rules
from ._fastpath import LEAN_VJPS, lean2
from .elementwise import _ufunc_now, exp, exp_p, mul, mul_p, sub, sub_p
from .indexing import one_hot
from .reduce import sum as _sum
from .reduce import sum_p

_ndarray = np.ndarray
_err_get, _err_set, _IGNORE = _FP     # (set inside a try, the old state written back)
_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)
from .shape import expand_dims


#: (sum's CPU kernel, shape, dtype, axis) -> that kernel's reduction over (axis,), keepdims
_ROW_SUMS: dict = {}


def _row_sum(m, axis: int):
    """``sum_p.kernels["cpu"](m, axes=(axis,), keepdims=True)`` by the kernel's small plan
    (``kernel.small``: its own row loop, the output shape and row view worked out once per
    shape, what the eager lane runs for ``x.sum(1, keepdim=True)``), else the kernel: the
    same values, without the kernel entry's tests per call (softmax's and log_softmax's vjps
    on eager buffers and softmax_backward_data's CPU kernel: 4x8 1.62 -> 1.29 us)."""
    kernel = sum_p.kernels["cpu"]
    key = (kernel, m.shape, m.dtype, axis)
    run = _ROW_SUMS.get(key)
    if run is None:
        small = getattr(kernel, "small", None)
        run = small(m.shape, m.dtype, axes=(axis,), keepdims=True) if small else None
        if run is None:
            def run(b, kernel=kernel, axes=(axis,)):
                return kernel(b, axes=axes, keepdims=True)
        if len(_ROW_SUMS) > 256:
            _ROW_SUMS.clear()
        _ROW_SUMS[key] = run
    return run(m)


def _rule(name):
    def rule(x: AVal, *, axis) -> AVal:
        if not is_floating(x.dtype):
            raise DTypeNotImplemented(name, f"{name}: expected a floating-point input, got "
                                      f"{x.dtype.name}", [x.dtype])
        if not 0 <= axis < max(x.ndim, 1):
            from ..errors import ShapeError
            raise ShapeError(name, f"axis {axis} is out of range for rank {x.ndim}", [x.shape])
        return AVal(x.shape, x.dtype)
    return rule


def _softmax_vjp(g, y, x, *, axis):
    if type(g) is _ndarray and type(y) is _ndarray and g.shape == y.shape and \
            g.dtype is y.dtype and (g.dtype is _F32 or g.dtype is _F64):
        # eager backward's NumPy buffers: the CPU kernels bind would call (as log_softmax's
        # below; every rule holds), without the op wrappers and bind's layers (issue 19:
        # softmax of 4x8 in a 10-op chain's backward, ~2 us a call)
        # (mul and sub: NumPy's ufuncs themselves where _ufunc_now allows; the sum's kernel)
        out = _cpu.softmax_grad_last(g, y, axis, log=False)   # (one Numba pass: the rows')
        if out is not None:
            return (out,)
        if _ufunc_now(g):
            mul_k, sub_k = np.multiply, np.subtract
        else:
            mul_k, sub_k = mul_p.kernels["cpu"], sub_p.kernels["cpu"]
        s = _row_sum(mul_k(g, y), axis)
        return (mul_k(y, sub_k(g, s)),)
    fe = lean2(g, y)
    if fe is not None:
        res = _softmax_lean(fe, g, y, x, axis=axis)
        if res is not None:
            return res
    return (mul(y, sub(g, _sum(mul(g, y), axis, keepdims=True))),)


def _softmax_lean(fe, g, y, x, *, axis):
    """_softmax_vjp's concrete values (eager's create_graph): that vjp as one node,
    softmax_backward_data (PyTorch's SoftmaxBackwardDataBackward0), whose kernel runs the ops
    above in their order (the same values; its own vjp sums in another order, within ~1e-17
    in float64); a static graph keeps the four ops, which its fusion pass compiles."""
    if g._buf.shape != y._buf.shape:
        return None
    return (fe.pair(softmax_backward_data_p, g, y, {"axis": axis}),)


def _log_softmax_vjp(g, y, x, *, axis):
    if type(g) is _ndarray and type(y) is _ndarray and g.shape == y.shape and \
            g.dtype is y.dtype and (g.dtype is _F32 or g.dtype is _F64):
        # eager backward's NumPy buffers: the four CPU kernels that bind would call (every
        # rule holds: g and y share a float shape and dtype, the sum keeps the axis), without
        # bind's layers (issue 19: ~64 -> ~25 us for a 1x59 line)
        out = _cpu.softmax_grad_last(g, y, axis, log=True)    # (float32: one Numba pass)
        if out is not None:
            return (out,)
        s = _row_sum(g, axis)
        e = exp_p.kernels["cpu"](y)
        if _ufunc_now(g):
            return (np.subtract(g, np.multiply(e, s)),)
        return (sub_p.kernels["cpu"](g, mul_p.kernels["cpu"](e, s)),)
    fe = lean2(g, y)
    if fe is not None:
        res = _log_softmax_lean(fe, g, y, x, axis=axis)
        if res is not None:
            return res
    return (sub(g, mul(exp(y), _sum(g, axis, keepdims=True))),)


def _log_softmax_lean(fe, g, y, x, *, axis):
    """_log_softmax_vjp's concrete values: its ops by the front end's lanes."""
    if g._buf.shape != y._buf.shape:
        return None
    s = fe.apply(sum_p, (g,), {"axes": (axis,), "keepdims": True})
    return (fe.binary(sub_p, g, fe.binary(mul_p, fe.apply(exp_p, (y,), {}), s)),)


softmax_p = Primitive(
    "softmax", _rule("softmax"), _softmax_vjp,
    doc="y = exp(x - max) / sum(exp(x - max)) along axis;  dx = y (g - sum(g y))",
    kernels={"cpu": _cpu.softmax, "cuda": _cuda.softmax})
log_softmax_p = Primitive(
    "log_softmax", _rule("log_softmax"), _log_softmax_vjp,
    doc="y = x - max - log(sum(exp(x - max))) along axis;  dx = g - exp(y) sum(g)",
    kernels={"cpu": _cpu.log_softmax, "cuda": _cuda.log_softmax})


# ----------------------------------------------------------------------------- softmax's vjp
def _sm_grad_rule(g: AVal, y: AVal, *, axis) -> AVal:
    from ..errors import ShapeError
    _rule("softmax_backward_data")(y, axis=axis)
    if g.dtype != y.dtype or g.ndim != y.ndim or any(
            a is not None and b is not None and a != b for a, b in zip(g.shape, y.shape)):
        raise ShapeError("softmax_backward_data", f"g must have y's shape {list(y.shape)} and "
                         f"dtype {y.dtype.name}, got {list(g.shape)} {g.dtype.name}",
                         [g.shape, y.shape])
    return AVal(y.shape, y.dtype)


def _sm_grad_kernel(device: str):
    """softmax's vjp in one call: ``y (g - sum(g y))``, by the mul, sum and sub kernels of
    ``device`` in the order the composite rule (``_softmax_vjp``) binds them, so the same
    values; on the CPU, below the parallel threshold, NumPy's multiply and subtract under one
    silencing of its warnings, which the kernels' entries run there (each silencing per
    call)."""
    def kernel(g, y, *, axis):
        if device == "cpu" and type(g) is _ndarray and type(y) is _ndarray and \
                g.dtype is y.dtype and g.shape == y.shape and g.ndim and \
                g.size < _PARALLEL_THRESHOLD:
            before = _err_get()
            try:
                _err_set(_IGNORE)
                s = _row_sum(np.multiply(g, y), axis)
                return np.multiply(y, np.subtract(g, s))
            finally:
                _err_set(before)
        mul_k, sub_k = mul_p.kernels[device], sub_p.kernels[device]
        return mul_k(y, sub_k(g, sum_p.kernels[device](mul_k(g, y), axes=(axis,),
                                                         keepdims=True)))
    return kernel


def _sm_grad_vjp(c, z, g, y, *, axis):
    """``z = y (g - s)``, ``s = sum(g y)``: ``dg = y (c - sum(c y))`` (softmax's vjp of c
    again), ``dy = c (g - s) - g sum(c y)``."""
    return (lambda: softmax_backward_data(c, y, axis),
            lambda: sub(mul(c, sub(g, _sum(mul(g, y), axis, keepdims=True))),
                        mul(g, _sum(mul(c, y), axis, keepdims=True))))


#: softmax's vjp as one primitive, PyTorch's ``_softmax_backward_data``
#: (``SoftmaxBackwardDataBackward0``): a create_graph gradient through a softmax records one
#: node where the composite rule records four (its rule's branch for concrete values binds it).
softmax_backward_data_p = Primitive(
    "softmax_backward_data", _sm_grad_rule, _sm_grad_vjp,
    doc="z = y (g - sum(g y)) along axis (softmax's vjp, y its output);  dg = y (c - sum(c y)), "
        "dy = c (g - sum(g y)) - g sum(c y)",
    kernels={"cpu": _sm_grad_kernel("cpu"), "cuda": _sm_grad_kernel("cuda")})


LEAN_VJPS.update({softmax_p: _softmax_lean, log_softmax_p: _log_softmax_lean})


def softmax_backward_data(g, y, axis):
    """softmax's vjp ``y (g - sum(g y))`` of the cotangent ``g`` and softmax's output ``y``
    (``axis`` normalised) as one node."""
    return bind(softmax_backward_data_p, g, y, axis=axis)


def _xent_rule(x: AVal, k: AVal) -> AVal:
    from ..errors import ShapeError
    if not is_floating(x.dtype):
        raise DTypeNotImplemented(
            "sparse_softmax_cross_entropy", f"logits must be floating point, got "
            f"{x.dtype.name}", [x.dtype])
    if k.dtype.kind not in "iu":
        raise DTypeNotImplemented("sparse_softmax_cross_entropy", f"labels must be integers, got "
                                  f"{k.dtype.name}", [k.dtype])
    lead = x.shape[:-1]
    if x.ndim < 1 or len(lead) != k.ndim or any(
            a is not None and b is not None and a != b for a, b in zip(lead, k.shape)):
        raise ShapeError("sparse_softmax_cross_entropy",
                         f"logits and labels must have the same first dimension, got logits "
                         f"shape {list(x.shape)} and labels shape {list(k.shape)}",
                         [x.shape, k.shape])
    return AVal(tuple(a if a is not None else b for a, b in zip(lead, k.shape)), x.dtype)


def _xent_vjp(g, y, x, k):
    if type(g) is _ndarray and type(x) is _ndarray and type(k) is _ndarray and \
            g.dtype is x.dtype and g.shape == x.shape[:-1] and k.shape == g.shape:
        # eager backward's NumPy buffers: the rule holds (the loss's shape and dtype), so the
        # CPU kernel bind would call, without bind's layers (~1.2 us of a (16, 10) step)
        return (_cpu.sparse_xent_grad(g, x, k), None)
    return (bind(sparse_xent_grad_p, g, x, k), None)


sparse_xent_p = Primitive(
    "sparse_softmax_xent", _xent_rule, _xent_vjp,
    doc="y = logsumexp(x) - x[k] over the last axis;  dx = (softmax(x) - one_hot(k)) g",
    kernels={"cpu": _cpu.sparse_xent, "cuda": _cuda.sparse_xent})


def _xent_grad_rule(g: AVal, x: AVal, k: AVal) -> AVal:
    lead = _xent_rule(x, k)
    if g.ndim != len(lead.shape) or any(a is not None and b is not None and a != b
                                        for a, b in zip(g.shape, lead.shape)) \
            or g.dtype != x.dtype:
        from ..errors import ShapeError
        raise ShapeError("sparse_softmax_xent_grad", f"g must have the loss's shape "
                         f"{list(lead.shape)} and dtype {x.dtype.name}, got {list(g.shape)} "
                         f"{g.dtype.name}", [g.shape, x.shape, k.shape])
    return AVal(x.shape, x.dtype)


def _xent_grad_vjp(c, dx, g, x, k):
    """The derivatives of ``dx = q g`` with ``q = softmax(x) - one_hot(k)``:
    ``dg = sum(c q)`` and, through the softmax, ``dx' = p (c g - sum(c g p))``."""
    p = softmax_prim(x, -1)
    q = sub(p, one_hot(k, aval_of(x).shape[-1], aval_of(x).dtype))
    cg = mul(c, expand_dims(g, -1))
    return (_sum(mul(c, q), -1),
            mul(p, sub(cg, _sum(mul(cg, p), -1, keepdims=True))), None)


#: The cross-entropy's gradient in one kernel (one exponential per logit), where the composite
#: ``(softmax(x) - one_hot(k)) g`` made four passes and two (rows, C) temporaries: at the LSTM
#: language model's (200, 2000) logits, float32, one thread, the gradient was 3x PyTorch's.
sparse_xent_grad_p = Primitive(
    "sparse_softmax_xent_grad", _xent_grad_rule, _xent_grad_vjp,
    doc="y = (softmax(x) - one_hot(k)) g[..., None] over the last axis (the vjp of "
        "sparse_softmax_xent);  dg = sum(c (softmax(x) - one_hot(k))), "
        "dx = p (c g - sum(c g p)) with p = softmax(x);  no gradient for k",
    kernels={"cpu": _cpu.sparse_xent_grad, "cuda": _cuda.sparse_xent_grad})


def sparse_xent(logits, labels):
    """Per-example cross-entropy of integer ``labels`` against ``softmax(logits)``."""
    return bind(sparse_xent_p, logits, labels)


def _bind(prim, x, axis):
    av = aval_of(x)
    a = _rules.normalize_axis(prim.name, int(axis), av.ndim, av.shape)
    if av.ndim == 0:                     # a 0-d operand is one line of one element
        from .shape import reshape
        return reshape(bind(prim, reshape(x, (1,)), axis=0), ())
    return bind(prim, x, axis=a)


def softmax_prim(x, axis=-1):
    return _bind(softmax_p, x, axis)


def log_softmax_prim(x, axis=-1):
    return _bind(log_softmax_p, x, axis)
