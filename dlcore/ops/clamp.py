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


def _clamp_rule(x: AVal, *_bounds: AVal, lo=None, hi=None) -> AVal:
    # (``_bounds``: the CUDA kernel's bounds, host scalar operands of x's dtype)
    _rules.require_float("clamp", x)
    return AVal(x.shape, x.dtype)


def _clamp_grad_rule(g: AVal, x: AVal, *_bounds: AVal, lo=None, hi=None) -> AVal:
    _rules.require_float("clamp_grad", g, x)
    _rules.same_dtype("clamp_grad", g, x)
    return AVal(_rules.broadcast_shapes("clamp_grad", g.shape, x.shape), g.dtype)


def _clamp_vjp(g, y, x, *, lo=None, hi=None):
    if _plain(g, x) and g.shape == x.shape:          # (eager backward's buffers)
        return (_cpu.clamp_grad(g, x, lo=lo, hi=hi),)
    fe = lean2(g, x)
    if fe is not None:
        res = _clamp_lean(fe, g, y, x, lo=lo, hi=hi)
        if res is not None:
            return res
    return (lambda: _sum_to(clamp_grad(g, x, lo, hi), x),)


def _clamp_lean(fe, g, y, x, *, lo=None, hi=None):
    """_clamp_vjp for concrete values of one shape (the front end's lane, create_graph's)."""
    if x._buf.shape != g._buf.shape:
        return None
    return (fe.apply(clamp_grad_p, (g, x), {"lo": lo, "hi": hi}),)


def _clamp_grad_vjp(c, out, g, x, *, lo=None, hi=None):
    # linear in g (the same mask), piecewise constant in x: dx = 0 as zeros (see the docstring)
    if _plain(c, g, x) and c.shape == g.shape == x.shape:
        return (lambda: _cpu.clamp_grad(c, x, lo=lo, hi=hi), lambda: np.zeros_like(x))
    return (lambda: _sum_to(clamp_grad(c, x, lo, hi), g), lambda: zeros_like(x))


clamp_p = Primitive(
    "clamp", _clamp_rule, _clamp_vjp, kind="other",
    doc="y = min(max(x, lo), hi) (a bound None: absent; NaN kept);  "
        "dx = clamp_grad(g, x) = g where lo <= x <= hi, else 0",
    kernels={"cpu": _cpu.clamp, "cuda": _cuda.clamp})
clamp_grad_p = Primitive(
    "clamp_grad", _clamp_grad_rule, _clamp_grad_vjp, kind="other",
    doc="y = g where lo <= x <= hi, else 0 (NaN x: 0);  dg = clamp_grad(c, x), dx = 0 "
        "(piecewise constant)",
    kernels={"cpu": _cpu.clamp_grad, "cuda": _cuda.clamp_grad})

LEAN_VJPS[clamp_p] = _clamp_lean


def clamp(x, lo=None, hi=None):
    """``min(max(x, lo), hi)`` for a floating-point ``x`` and number bounds (None: absent)."""
    if lo is None and hi is None:
        raise ValueError("dlcore: clamp needs at least one of 'lo' and 'hi'")
    return bind(clamp_p, x, lo=lo, hi=hi)


def clamp_grad(g, x, lo=None, hi=None):
    """clamp's vjp: ``g`` where ``lo <= x <= hi``, else 0."""
    return bind(clamp_grad_p, g, x, lo=lo, hi=hi)
