"""The variance and its gradient as primitives (PyTorch's ``var``, and ``std`` through
``std_root``)::

    var(x; axes, correction, keepdims)        y = sum over axes of (x - mean)^2 / (n - correction)
                                              dx = var_grad(g, x)
    var_grad(g, x; axes, correction, keepdims)
                                              dx = g 2 (x - mean) / (n - correction)
                                              (PyTorch's var_backward; g broadcast back)

``n`` is the number of elements reduced; the divisor is ``max(n - correction, 0)``, as
PyTorch's (0: inf or NaN follow).  The eager front end's ``var`` was five ops (mean, sub, mul,
sum, div), each a node of the graph and a dispatch (``x.std(1)`` of 4x8: 19 us against 2.3; the
Annotated Transformer's LayerNorm calls it per sublayer): one node each way now, the mean and
the squared deviations accumulated in float64 (the composite rounded each to the dtype).  The
CPU kernels are dlcore/kernels/cpu/var.py's; the CUDA kernels the device's own sum, sub, mul
and div kernels in the composite's order.  ``var_grad``'s vjp is a composite of primitives,
so any order of derivatives follows."""

from __future__ import annotations

import math

from ..kernels.cpu import var as _cpu
from ..registry import AVal, Primitive, aval_of, bind, scalar_buffer
from . import _rules
from .composites import mean
from .elementwise import div_p, mul, mul_p, sub, sub_p
from .reduce import _reduced_shape, sum_p
from .reduce import sum as _sum
from .shape import reshape, reshape_p


def _var_rule(x: AVal, *, axes, correction, keepdims) -> AVal:
    _rules.require_float("var", x)
    return AVal(_reduced_shape(x.shape, axes, keepdims), x.dtype)


def _grad_rule(g: AVal, x: AVal, *, axes, correction, keepdims) -> AVal:
    _rules.require_float("var_grad", g, x)
    return AVal(x.shape, x.dtype)


def _n(shape, axes) -> int:
    return math.prod(shape[a] for a in axes)


def _cuda_deviations(x, axes: tuple):
    """``x - mean(x, axes)`` by the device's sum, div and sub kernels."""
    k = sum_p.kernels["cuda"](x, axes=axes, keepdims=True)
    m = div_p.kernels["cuda"](k, scalar_buffer(float(_n(x.shape, axes)), x.dtype))
    return sub_p.kernels["cuda"](x, m)


def _cuda_var(x, *, axes, correction, keepdims):
    n = _n(x.shape, axes)
    dev = _cuda_deviations(x, axes)
    s = sum_p.kernels["cuda"](mul_p.kernels["cuda"](dev, dev), axes=axes, keepdims=keepdims)
    # (nothing reduced: NaN, as PyTorch's and the CPU kernel's)
    return div_p.kernels["cuda"](
        s, scalar_buffer(float(max(n - correction, 0)) if n else math.nan, x.dtype))


def _cuda_var_grad(g, x, *, axes, correction, keepdims):
    mul_k = mul_p.kernels["cuda"]
    gk = reshape_p.kernels["cuda"](g, shape=_reduced_shape(x.shape, axes, True))
    scale = _cpu.grad_scale(_n(x.shape, axes), correction)
    return mul_k(mul_k(gk, scalar_buffer(scale, x.dtype)), _cuda_deviations(x, axes))


def _var_vjp(g, y, x, *, axes, correction, keepdims):
    return (var_grad(g, x, axes, correction, keepdims),)


def _var_grad_vjp(c, y, g, x, *, axes, correction, keepdims):
    """y = g_b s (x - mean x), s = 2 / dof: dg = sum(c s (x - mean x)) over axes (g's shape);
    dx = s (c g_b - mean(c g_b)) over axes (the mean's own share removed)."""
    xs = aval_of(x).shape
    s = _cpu.grad_scale(_n(xs, axes), correction)
    kept = _reduced_shape(xs, axes, True)
    gb = reshape(g, kept)
    dev = sub(x, mean(x, axes, keepdims=True))

    def dg():
        out = _sum(mul(mul(c, dev), s), axes, keepdims=True)
        return out if keepdims else reshape(out, _reduced_shape(kept, axes, False))

    def dx():
        cg = mul(c, gb)
        return mul(sub(cg, mean(cg, axes, keepdims=True)), s)
    return dg, dx


var_p = Primitive(
    "var", _var_rule, _var_vjp, kind="reduce",
    doc="y = sum over axes of (x - mean)^2 / (n - correction);  dx = var_grad(g, x)",
    kernels={"cpu": _cpu.var, "cuda": _cuda_var})
var_grad_p = Primitive(
    "var_grad", _grad_rule, _var_grad_vjp, kind="reduce",
    doc="y = g 2 (x - mean) / (n - correction) (g broadcast back over axes);  dg = the sum of "
        "c 2 (x - mean) / dof,  dx = 2 (c g - mean(c g)) / dof",
    kernels={"cpu": _cpu.var_grad, "cuda": _cuda_var_grad})


def var(x, axes: tuple, correction, keepdims: bool):
    """The variance of a float ``x`` over normalised, sorted ``axes``."""
    return bind(var_p, x, axes=tuple(axes), correction=correction, keepdims=bool(keepdims))


def var_grad(g, x, axes: tuple, correction, keepdims: bool):
    return bind(var_grad_p, g, x, axes=tuple(axes), correction=correction,
                keepdims=bool(keepdims))
