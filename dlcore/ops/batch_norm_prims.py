"""Batch normalisation in training mode as primitives (fused: one kernel per pass), instead of
the composite ``mean / x - mean / mean of squares / rsqrt / mul / add`` whose vjps expanded into
about forty kernel calls for one ``BatchNorm2d`` forward and backward.

Layout: channel axis 1 (NCHW, and ``(N, C)`` / ``(N, C, L)`` for 1-D batch norm), the layout of
PyTorch's API and of the eager front end, or with ``last=True`` the last axis (NHWC: TensorFlow's
``tf.layers.batch_normalization``, whose fused kernel the static front end maps to these, issue
19: its composite of moments and arithmetic took ~15 of a 33 ms ResNet step in memory-bound
fused loops).  Every primitive takes ``last`` (default False) and hands it to its kernels.

Over the axes other than 1 (``n`` elements per channel): ``mu``, ``var`` (biased), ``rstd =
1 / sqrt(var + eps)``, ``xhat = (x - mu) rstd``; ``S(v)`` is the per-channel sum::

    batch_norm_stats(x)               st = [mu, var]   (2, C); not differentiable
    batch_norm_train(x, st[, w][, b])  y = xhat [* w] [+ b]
                       gs = batch_norm_grad_stats(g, x, st);  dx = batch_norm_grad_x(g, x, st,
                       gs[, w]);  dw = gs[1];  db = gs[0];  dst = None
    batch_norm_grad_stats(g, x, st)   [A, B] = [S(g), S(g xhat)]
                       dg = c0 + c1 xhat;  dx = c1 batch_norm_grad_x(g, x, st, y)
    batch_norm_grad_x(g, x, st, gs[, w])   y = w rstd (g - A/n - xhat B/n),  [A, B] = gs
                       q = c w:  dg = rstd q;  dgs = -rstd/n [S(q), S(q xhat)];
                       dw = sum(c batch_norm_grad_x(g, x, st, gs));
                       dx = -(rstd^2/n) (xhat (S(q g) - A S(q)/n) + B (q - S(q)/n
                             - 2 xhat S(q xhat)/n))

``st`` must be ``batch_norm_stats(x)`` (with the same ``x``): it is the forward's saved
statistics, handed on so that no kernel recomputes them, and its cotangent is None because
every ``dx`` above is the *total* derivative (through ``mu`` and ``var`` too).  PyTorch's
``native_batch_norm_backward`` takes its ``save_mean``/``save_invstd`` the same way.  Inside the
vjps ``xhat`` is computed by ``batch_norm_train`` and ``rstd`` by ops from ``x``, so every
derivative order stays correct.

The running statistics (unbiased variance ``var n / (n - 1)``) are the front end's business
(``dlcore_eager.nn.functional.batch_norm``), read from ``st``.
"""

from __future__ import annotations

import math

from ..errors import DTypeNotImplemented, ShapeError
from ..kernels.cpu import batch_norm as _cpu
from ..kernels.cuda import batch_norm as _cuda
from ..registry import AVal, Primitive, aval_of, bind
from . import composites as _c
from ._rules import same_shape
from .elementwise import add, mul, sub
from .indexing import getitem
from .math_unary import rsqrt
from .norm_prims import affine_args
from .reduce import sum as _sum
from .shape import reshape, stack


def _check_x(name, x: AVal) -> None:
    if x.dtype.kind != "f":
        raise DTypeNotImplemented(
            name, f"{name}: expected a floating-point input, got {x.dtype.name}",
            [x.dtype])
    if x.ndim < 2:
        raise ShapeError(name, f"{name}: expected an input of rank >= 2 (N, C, ...), got shape "
                         f"{list(x.shape)}", [x.shape])


def _check_like(name, x: AVal, o: AVal, shape, label) -> None:
    if o.dtype != x.dtype:
        raise DTypeNotImplemented(name, f"{name}: {label} has dtype {o.dtype.name}, the input "
                                  f"{x.dtype.name}", [x.dtype, o.dtype])
    if not same_shape(o.shape, shape):
        raise ShapeError(name, f"{name}: {label} must have shape {list(shape)}, got "
                         f"{list(o.shape)}", [x.shape, o.shape])


def _channels(x: AVal, last: bool):
    return x.shape[-1] if last else x.shape[1]


def _stats_rule(x: AVal, *, last=False) -> AVal:
    _check_x("batch_norm_stats", x)
    return AVal((2, _channels(x, last)), x.dtype)


def _train_rule(x: AVal, st: AVal, *wb: AVal, eps, affine, last=False) -> AVal:
    _check_x("batch_norm_train", x)
    nc = _channels(x, last)
    _check_like("batch_norm_train", x, st, (2, nc), "the statistics")
    for o, c in zip(wb, affine):
        _check_like("batch_norm_train", x, o, (nc,), {"w": "weight", "b": "bias"}[c])
    return AVal(x.shape, x.dtype)


def _grad_stats_rule(g: AVal, x: AVal, st: AVal, *, eps, last=False) -> AVal:
    _check_x("batch_norm_grad_stats", x)
    nc = _channels(x, last)
    _check_like("batch_norm_grad_stats", x, g, x.shape, "the cotangent")
    _check_like("batch_norm_grad_stats", x, st, (2, nc), "the statistics")
    return AVal((2, nc), x.dtype)


def _grad_x_rule(g: AVal, x: AVal, st: AVal, gs: AVal, *w: AVal, eps, affine,
                 last=False) -> AVal:
    _check_x("batch_norm_grad_x", x)
    nc = _channels(x, last)
    _check_like("batch_norm_grad_x", x, g, x.shape, "the cotangent")
    for o, label in ((st, "the statistics"), (gs, "the gradient sums")):
        _check_like("batch_norm_grad_x", x, o, (2, nc), label)
    for o in w:
        _check_like("batch_norm_grad_x", x, o, (nc,), "weight")
    return AVal(x.shape, x.dtype)


# ----------------------------------------------------------------------------- helpers
def _axes(x, last=False) -> tuple:
    nd = aval_of(x).ndim
    return tuple(range(nd - 1)) if last else (0,) + tuple(range(2, nd))


def _count(x, last=False) -> int:
    s = aval_of(x).shape
    return math.prod(s[:-1]) if last else s[0] * math.prod(s[2:])


def _bc(v, x, last=False):
    """A (C,) vector as (1, C, 1, ...), or (1, ..., 1, C) with ``last``."""
    nd = aval_of(x).ndim
    return reshape(v, (1,) * (nd - 1) + (-1,) if last else (1, -1) + (1,) * (nd - 2))


def _csum(v, x, last=False):
    return _sum(v, _axes(x, last), True)


def _rstd(x, eps, last=False):
    """1 / sqrt(var + eps) per channel, shaped to broadcast, by differentiable ops of x."""
    ax = _axes(x, last)
    d = sub(x, _c.mean(x, ax, keepdims=True))
    return rsqrt(add(_c.mean(mul(d, d), ax, keepdims=True), eps))


def _once(f):
    memo: list = []

    def get():
        if not memo:
            memo.append(f())
        return memo[0]
    return get


# ----------------------------------------------------------------------------- vjps
def _train_vjp(g, y, x, st, *wb, eps, affine, last=False):
    gs = _once(lambda: batch_norm_grad_stats(g, x, st, eps, last))
    w = wb[0] if "w" in affine else None
    out = [lambda: batch_norm_grad_x(g, x, st, gs(), w, eps, last), None]
    if "w" in affine:
        out.append(lambda: getitem(gs(), 1))
    if "b" in affine:
        out.append(lambda: getitem(gs(), 0))
    return tuple(out)


def _grad_stats_vjp(c, y, g, x, st, *, eps, last=False):
    c0 = _once(lambda: _bc(getitem(c, 0), x, last))
    c1 = _once(lambda: _bc(getitem(c, 1), x, last))
    return (lambda: add(mul(batch_norm_train(x, st, None, None, eps, last), c1()), c0()),
            lambda: mul(batch_norm_grad_x(g, x, st, y, None, eps, last), c1()),
            None)


def _grad_x_vjp(c, y, g, x, st, gs, *w, eps, affine, last=False):
    wv = w[0] if affine else None
    n = float(_count(x, last))
    q = _once(lambda: mul(c, _bc(wv, x, last)) if wv is not None else c)
    r = _once(lambda: _rstd(x, eps, last))
    xhat = _once(lambda: batch_norm_train(x, st, None, None, eps, last))

    def d_gs():
        k = mul(r(), -1.0 / n)
        return stack([reshape(mul(_csum(q(), x, last), k), (-1,)),
                      reshape(mul(_csum(mul(q(), xhat()), x, last), k), (-1,))], 0)

    def d_x():
        qq, xh = q(), xhat()
        a, b = _bc(getitem(gs, 0), x, last), _bc(getitem(gs, 1), x, last)
        sq = _csum(qq, x, last)
        t1 = mul(xh, sub(_csum(mul(qq, g), x, last), mul(mul(a, sq), 1.0 / n)))
        inner = sub(sub(qq, mul(sq, 1.0 / n)),
                    mul(mul(xh, _csum(mul(qq, xh), x, last)), 2.0 / n))
        t2 = mul(b, inner)
        rr = r()
        return mul(mul(mul(rr, rr), -1.0 / n), add(t1, t2))

    out = [lambda: mul(q(), r()), d_x, None, d_gs]
    if wv is not None:
        out.append(lambda: _sum(mul(c, batch_norm_grad_x(g, x, st, gs, None, eps, last)),
                                _axes(x, last)))
    return tuple(out)


batch_norm_stats_p = Primitive(
    "batch_norm_stats", _stats_rule, None, differentiable=False, kind="other",
    doc="st = [mean, biased variance] per channel (axis 1), shape (2, C); not differentiable",
    kernels={"cpu": _cpu.batch_norm_stats, "cuda": _cuda.batch_norm_stats})
batch_norm_train_p = Primitive(
    "batch_norm_train", _train_rule, _train_vjp, kind="other",
    doc="y = (x - mu) rstd [* w] [+ b] per channel (axis 1), st = [mu, var] = "
        "batch_norm_stats(x);  dx = batch_norm_grad_x(g, x, st, gs, w), dw = gs[1], db = gs[0], "
        "gs = batch_norm_grad_stats(g, x, st)",
    kernels={"cpu": _cpu.batch_norm_train, "cuda": _cuda.batch_norm_train})
batch_norm_grad_stats_p = Primitive(
    "batch_norm_grad_stats", _grad_stats_rule, _grad_stats_vjp, kind="other",
    doc="y = [S(g), S(g xhat)] per channel;  dg = c0 + c1 xhat, "
        "dx = c1 batch_norm_grad_x(g, x, st, y)",
    kernels={"cpu": _cpu.batch_norm_grad_stats, "cuda": _cuda.batch_norm_grad_stats})
batch_norm_grad_x_p = Primitive(
    "batch_norm_grad_x", _grad_x_rule, _grad_x_vjp, kind="other",
    doc="y = w rstd (g - gs[0]/n - xhat gs[1]/n);  see the module docstring for the vjp",
    kernels={"cpu": _cpu.batch_norm_grad_x, "cuda": _cuda.batch_norm_grad_x})


def _last(last: bool) -> dict:
    """The ``last`` parameter as bound: only when set (the channel-axis-1 nodes keep the
    parameters they always had)."""
    return {"last": True} if last else {}


def batch_norm_stats(x, last: bool = False):
    """[mean, biased variance] of ``x`` per channel (axis 1, or the last axis with
    ``last``), shape (2, C)."""
    return bind(batch_norm_stats_p, x, **_last(last))


def batch_norm_train(x, st, weight, bias, eps: float, last: bool = False):
    """The fused normalisation of ``x`` with its own statistics ``st = batch_norm_stats(x)``;
    ``weight``/``bias`` (either may be None) of shape (C,)."""
    args, affine = affine_args([x, st], weight, bias)
    return bind(batch_norm_train_p, *args, eps=float(eps), affine=affine, **_last(last))


def batch_norm_grad_stats(g, x, st, eps: float, last: bool = False):
    return bind(batch_norm_grad_stats_p, g, x, st, eps=float(eps), **_last(last))


def batch_norm_grad_x(g, x, st, gs, weight, eps: float, last: bool = False):
    if weight is None:
        return bind(batch_norm_grad_x_p, g, x, st, gs, eps=float(eps), affine="",
                    **_last(last))
    return bind(batch_norm_grad_x_p, g, x, st, gs, weight, eps=float(eps), affine="w",
                **_last(last))
