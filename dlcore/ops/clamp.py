"""``clamp`` with number bounds, and its gradient, as two primitives (issue 19)::

    clamp(x; lo, hi)         = min(max(x, lo), hi)       (either bound may be None: absent)
    clamp_grad(g, x; lo, hi) = g  if lo <= x <= hi  else 0

The bounds are parameters (Python numbers, converted to ``x``'s dtype by the kernels as a
number beside a tensor is: ``registry.scalar_buffer``), not operands: clamp is one node on a
tape or in a graph, where ``maximum`` then ``minimum`` with 0-d operands made two, each with
its own mask in backward.  The forward value is that composite's bit for bit (NaN in ``x`` stays
NaN, a NaN bound gives NaN, ``x`` itself at a tie such as -0.0 against a 0.0 bound, ``hi``
where ``lo > hi``: PyTorch's ``clamp`` too).

The gradient is PyTorch's ``clamp_backward``: ``g`` where ``lo <= x <= hi`` (the bounds
themselves included), 0 elsewhere, at a NaN ``x`` and everywhere when a bound is NaN or
``lo > hi``; ``maximum``'s then ``minimum``'s core rules gave the same values (a tie goes to
the first operand, ``x``).  One kernel, ``clamp_grad``, whose own vjp is itself in ``g`` (the
same mask) and zeros in ``x`` (piecewise constant: zeros, not None, so ``x`` still counts as
used by a second derivative, as leaky_relu_grad's), so double backward and forward-mode AD
(the double-vjp trick) stay one node per clamp too.

Tensor bounds keep the composite (``maximum``/``minimum`` with PyTorch's tie rules: the eager
front end's ``clamp``); TensorFlow's ``clip_by_value`` (whose order differs where ``lo > hi``)
and dlcore's ``ops.clip`` composite are unchanged.
"""

from __future__ import annotations

import numpy as np

from ..kernels.cpu import clamp as _cpu
from ..kernels.cuda import clamp as _cuda
from ..registry import AVal, Primitive, bind
from . import _rules
from ._fastpath import LEAN_VJPS, _plain, lean2
from .broadcast import sum_to as _sum_to
from .elementwise_cast import zeros_like


def _pair(name: str, grad_kernels: dict, doc: str, grad_doc: str, tf_types=(None, None)):
    """The primitives ``name`` (``y = min(max(x, lo), hi)``: clamp's kernels) and
    ``name + "_grad"`` (the cotangent through the mask of ``grad_kernels``), their rules and
    vjps, and the lean vjp (the front end's lane, ``LEAN_VJPS``)."""
    gname = name + "_grad"
    grad_cpu = grad_kernels["cpu"]

    def rule(x: AVal, *_bounds: AVal, lo=None, hi=None) -> AVal:
        # (``_bounds``: the CUDA kernel's bounds, host scalar operands of x's dtype)
        _rules.require_float(name, x)
        return AVal(x.shape, x.dtype)

    def grad_rule(g: AVal, x: AVal, *_bounds: AVal, lo=None, hi=None) -> AVal:
        _rules.require_float(gname, g, x)
        _rules.same_dtype(gname, g, x)
        return AVal(_rules.broadcast_shapes(gname, g.shape, x.shape), g.dtype)

    def vjp(g, y, x, *, lo=None, hi=None):
        if _plain(g, x) and g.shape == x.shape:          # (eager backward's buffers)
            return (grad_cpu(g, x, lo=lo, hi=hi),)
        fe = lean2(g, x)
        if fe is not None:
            res = lean(fe, g, y, x, lo=lo, hi=hi)
            if res is not None:
                return res
        return (lambda: _sum_to(bind(grad_p, g, x, lo=lo, hi=hi), x),)

    def lean(fe, g, y, x, *, lo=None, hi=None):
        """vjp for concrete values of one shape (the front end's lane, create_graph's)."""
        if x._buf.shape != g._buf.shape:
            return None
        return (fe.apply(grad_p, (g, x), {"lo": lo, "hi": hi}),)

    def grad_vjp(c, out, g, x, *, lo=None, hi=None):
        # linear in g (the same mask), piecewise constant in x: dx = 0 as zeros (see the
        # module docstring)
        if _plain(c, g, x) and c.shape == g.shape == x.shape:
            return (lambda: grad_cpu(c, x, lo=lo, hi=hi), lambda: np.zeros_like(x))
        return (lambda: _sum_to(bind(grad_p, c, x, lo=lo, hi=hi), g), lambda: zeros_like(x))

    p = Primitive(name, rule, vjp, kind="other", doc=doc, tf_type=tf_types[0],
                  kernels={"cpu": _cpu.clamp, "cuda": _cuda.clamp})
    grad_p = Primitive(gname, grad_rule, grad_vjp, kind="other", doc=grad_doc,
                       tf_type=tf_types[1], kernels=dict(grad_kernels))
    LEAN_VJPS[p] = lean
    return p, grad_p


clamp_p, clamp_grad_p = _pair(
    "clamp", {"cpu": _cpu.clamp_grad, "cuda": _cuda.clamp_grad},
    "y = min(max(x, lo), hi) (a bound None: absent; NaN kept);  "
    "dx = clamp_grad(g, x) = g where lo <= x <= hi, else 0",
    "y = g where lo <= x <= hi, else 0 (NaN x: 0);  dg = clamp_grad(c, x), dx = 0 "
    "(piecewise constant)")
# (the static front end binds it for tf.nn.relu6 only: TensorFlow's Relu6 and Relu6Grad)
hardtanh_p, hardtanh_grad_p = _pair(
    "hardtanh", {"cpu": _cpu.hardtanh_grad, "cuda": _cuda.hardtanh_grad},
    "y = min(max(x, lo), hi) (lo <= hi; NaN kept);  "
    "dx = hardtanh_grad(g, x) = g where lo < x < hi, else 0",
    "y = g where lo < x < hi, else 0 (NaN x: 0);  dg = hardtanh_grad(c, x), dx = 0 "
    "(piecewise constant)", ("Relu6", "Relu6Grad"))


def clamp(x, lo=None, hi=None):
    """``min(max(x, lo), hi)`` for a floating-point ``x`` and number bounds (None: absent)."""
    if lo is None and hi is None:
        raise ValueError("dlcore: clamp needs at least one of 'lo' and 'hi'")
    return bind(clamp_p, x, lo=lo, hi=hi)


def clamp_grad(g, x, lo=None, hi=None):
    """clamp's vjp: ``g`` where ``lo <= x <= hi``, else 0."""
    return bind(clamp_grad_p, g, x, lo=lo, hi=hi)


def hardtanh(x, lo: float, hi: float):
    """``min(max(x, lo), hi)`` for a floating-point ``x`` and number bounds ``lo <= hi``, its
    gradient passing strictly inside ``(lo, hi)`` only."""
    return bind(hardtanh_p, x, lo=lo, hi=hi)


def hardtanh_grad(g, x, lo: float, hi: float):
    """hardtanh's vjp: ``g`` where ``lo < x < hi``, else 0."""
    return bind(hardtanh_grad_p, g, x, lo=lo, hi=hi)
