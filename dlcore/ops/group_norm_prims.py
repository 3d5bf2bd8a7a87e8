"""Group normalisation as primitives (fused: one kernel for the forward pass, one for each
input's gradient), where the composite was a reshape, the fused layer norm over each group, a
reshape back and the per-channel affine (a broadcast mul and add), whose vjps added two
broadcast muls and three reductions.

Over each group of ``C // groups`` consecutive channels of one sample (all its positions:
``m`` elements), ``mu`` and ``rstd = 1 / sqrt(var + eps)`` (biased variance),
``xhat = (x - mu) rstd``; ``w``/``b`` are per channel, shaped ``(C,)``::

    group_norm(x[, w][, b])     y = xhat [* w_c] [+ b_c]
                                dx = group_norm_grad(g, x[, w]);  dw = group_norm_wgrad(g, x);
                                db = sum of g over every axis but the channels'
    group_norm_grad(a, x[, w])  y = rstd (a' - mean(a') - xhat mean(a' xhat)),  a' = a [* w_c]:
                                layer_norm_grad (dlcore/ops/norm_prims.py) of the ``(N, groups,
                                m)`` view, whose vjp gives this one's (second derivatives)
    group_norm_wgrad(g, x)      y_c = sum of g xhat over the samples and positions;
                                dg = xhat c_c,  dx = group_norm_grad(g, x, c)

Measured (8x16x16x16 float32, 4 groups, one thread, forward and backward of ``GroupNorm(4,
16)(x).sum()``): see the closing note of the fifty-eighth session in benchmarks/HISTORY.md.
"""

from __future__ import annotations

import math

from ..errors import DTypeNotImplemented, ShapeError
from ..kernels.cpu import group_norm as _cpu
from ..kernels.cuda import group_norm as _cuda
from ..registry import AVal, Primitive, aval_of, bind
from . import norm_prims as _ln
from ._rules import same_shape
from .elementwise import mul
from .reduce import sum as _sum
from .shape import reshape


def _check(name, x: AVal, groups, others=(), labels=()) -> None:
    if x.dtype.kind != "f":
        raise DTypeNotImplemented(name, f"{name}: expected a floating-point input, got "
                                  f"{x.dtype.name}", [x.dtype])
    if x.ndim < 2:
        raise ShapeError(name, f"{name}: expected an input of rank 2 or more (N, C, *), got "
                         f"rank {x.ndim}", [x.shape])
    c = x.shape[1]
    if groups < 1 or (c is not None and c % groups):
        raise ShapeError(name, f"{name}: {c} channels cannot be split into {groups} groups",
                         [x.shape])
    for o, label in zip(others, labels):
        if o.dtype != x.dtype:
            raise DTypeNotImplemented(name, f"{name}: {label} has dtype {o.dtype.name}, the input "
                                      f"{x.dtype.name}", [x.dtype, o.dtype])
        if not same_shape(o.shape, (c,)):
            raise ShapeError(name, f"{name}: {label} must have one value per channel ({c},), "
                             f"got {list(o.shape)}", [x.shape, o.shape])


def _gn_rule(x: AVal, *wb: AVal, groups, eps, affine) -> AVal:
    _check("group_norm", x, groups, wb, [{"w": "weight", "b": "bias"}[c] for c in affine])
    return AVal(x.shape, x.dtype)


def _grad_rule(a: AVal, x: AVal, *w: AVal, groups, eps, affine) -> AVal:
    _check("group_norm_grad", x, groups, w, ["weight"] * len(w))
    _ln.check_cotangent("group_norm_grad", a, x)
    return AVal(x.shape, x.dtype)


def _wgrad_rule(g: AVal, x: AVal, *, groups, eps) -> AVal:
    _check("group_norm_wgrad", x, groups)
    _ln.check_cotangent("group_norm_wgrad", g, x)
    return AVal((x.shape[1],), x.dtype)


def _others(x) -> tuple:
    """Every axis but the channels' (1)."""
    return (0,) + tuple(range(2, aval_of(x).ndim))


def _per_channel(v, x):
    """A ``(C,)`` vector shaped to broadcast against ``x`` ``(N, C, *)``."""
    return reshape(v, (1, -1) + (1,) * (aval_of(x).ndim - 2))


def _gn_vjp(g, y, x, *wb, groups, eps, affine):
    out = [lambda: group_norm_grad(g, x, wb[0] if "w" in affine else None, groups, eps)]
    if "w" in affine:
        out.append(lambda: group_norm_wgrad(g, x, groups, eps))
    if "b" in affine:
        out.append(lambda: _sum(g, _others(x)))
    return tuple(out)


def _grouped(x, groups):
    """``x`` ``(N, C, *)`` viewed as ``(N, groups, m)`` (the layer-norm primitives' rows) and
    the shape that takes it back."""
    s = aval_of(x).shape
    m = None if None in s[1:] else (s[1] // groups) * math.prod(s[2:])
    if m is not None:
        return (-1, groups, m), (-1,) + tuple(s[1:])
    if s[0] is not None and None not in s[1:2]:
        return (s[0], groups, -1), (s[0],) + tuple(-1 if d is None else d for d in s[1:])
    raise ShapeError("group_norm_grad", "the derivative of group_norm's gradient needs the "
                     "input's channels and spatial sizes (or its batch size) known when the "
                     "graph is built", [s])


def _grad_vjp(c, y, a, x, *w, groups, eps, affine):
    wv = w[0] if affine else None
    wb = _per_channel(wv, x) if wv is not None else None
    aw = mul(a, wb) if wb is not None else a
    rows, back = _grouped(x, groups)
    d_aw, d_xr = _ln._grad_vjp(reshape(c, rows), reshape(y, rows), reshape(aw, rows),
                               reshape(x, rows), k=1, eps=eps, affine="")
    out = [lambda: mul(reshape(d_aw(), back), wb) if wb is not None else reshape(d_aw(), back),
           lambda: reshape(d_xr(), back)]
    if wv is not None:
        out.append(lambda: _sum(mul(reshape(d_aw(), back), a), _others(x)))
    return tuple(out)


def _wgrad_vjp(c, y, g, x, *, groups, eps):
    return (lambda: mul(group_norm(x, None, None, groups, eps), _per_channel(c, x)),
            lambda: group_norm_grad(g, x, c, groups, eps))


group_norm_p = Primitive(
    "group_norm", _gn_rule, _gn_vjp, kind="other",
    doc="y = (x - mu) rstd [* w_c] [+ b_c] per group of channels, rstd = 1/sqrt(var + eps);  "
        "dx = group_norm_grad(g, x, w), dw = group_norm_wgrad(g, x), db = sum of g but axis 1",
    kernels={"cpu": _cpu.group_norm, "cuda": _cuda.group_norm})
group_norm_grad_p = Primitive(
    "group_norm_grad", _grad_rule, _grad_vjp, kind="other",
    doc="y = rstd (a' - mean(a') - xhat mean(a' xhat)) per group, a' = a [* w_c];  its vjp: "
        "layer_norm_grad's of the (N, groups, m) view",
    kernels={"cpu": _cpu.group_norm_grad, "cuda": _cuda.group_norm_grad})
group_norm_wgrad_p = Primitive(
    "group_norm_wgrad", _wgrad_rule, _wgrad_vjp, kind="other",
    doc="y_c = sum over samples and positions of g xhat;  dg = xhat c_c, "
        "dx = group_norm_grad(g, x, c)",
    kernels={"cpu": _cpu.group_norm_wgrad, "cuda": _cuda.group_norm_wgrad})


def group_norm(x, weight, bias, groups: int, eps: float):
    """The fused group norm of ``x`` ``(N, C, *)`` over ``groups`` groups of channels;
    ``weight``/``bias`` (either may be None) shaped ``(C,)``, of ``x``'s dtype."""
    args, affine = _ln.affine_args([x], weight, bias)
    return bind(group_norm_p, *args, groups=int(groups), eps=float(eps), affine=affine)


def group_norm_grad(a, x, weight, groups: int, eps: float):
    if weight is None:
        return bind(group_norm_grad_p, a, x, groups=int(groups), eps=float(eps), affine="")
    return bind(group_norm_grad_p, a, x, weight, groups=int(groups), eps=float(eps),
                affine="w")


def group_norm_wgrad(g, x, groups: int, eps: float):
    return bind(group_norm_wgrad_p, g, x, groups=int(groups), eps=float(eps))
