"""Layer normalisation as primitives (fused: one kernel for the forward pass, one for each
input's gradient), instead of the eleven-op composite ``(x - mean) / sqrt(var + eps) * w + b``
whose vjps expanded into about twenty more kernel calls.

Measured on the Transformer encoder step of benchmarks/eager_micro.py (2 layers, 4 layer norms,
forward and backward, one thread, CPU time, load 8-10): 103 -> 63 forward primitive calls and
312 -> 196 kernel calls per step; 46-48 -> 43-45 ms against PyTorch's 21-23 ms (2.07-2.24x ->
2.02-2.04x).  The rest of that step is attention's transposes and matmuls.

Over the ``k`` trailing axes (``n`` elements per row), ``mu`` and ``rstd = 1 / sqrt(var + eps)``
(biased variance) per row, ``xhat = (x - mu) rstd``::

    layer_norm(x[, w][, b])     y = xhat [* w] [+ b]           (w, b: the k trailing axes' shape)
                                dx = layer_norm_grad(g, x[, w]);  dw = layer_norm_wgrad(g, x);
                                db = sum of g over the leading axes
    layer_norm_grad(a, x[, w])  y = rstd (a' - mean(a') - xhat mean(a' xhat)),  a' = a [* w]
                                (self-adjoint in a'):  da = layer_norm_grad(c, x) [* w],
                                dw = sum_lead(a layer_norm_grad(c, x)),
                                dx = -(rstd/n) (rstd xhat (S - u v / n) + v layer_norm_grad(c, x)
                                     + u y),  u = sum(c xhat), v = sum(a' xhat),
                                S = sum(c a') - sum(c) sum(a') / n  (row sums)
    layer_norm_wgrad(g, x)      y = sum_lead(g xhat);  dg = xhat c,  dx = layer_norm_grad(g, x, c)

Each kernel recomputes a row's ``mu`` and ``rstd`` (one pass over the row): a primitive has one
output, so the forward's statistics cannot be handed to the backward kernels, and at the widths
that matter this costs less than one more primitive call.  The vjps are written with dlcore ops
and these primitives, so second (and higher) derivatives work.
"""

from __future__ import annotations

import numpy as np

from ..errors import DTypeNotImplemented, ShapeError
from ..kernels.cpu import layer_norm as _cpu
from ..kernels.cuda import layer_norm as _cuda
from ..registry import AVal, Primitive, aval_of, bind
from ._rules import same_shape
from .elementwise import add, mul, sub
from .math_unary import rsqrt
from .reduce import sum as _sum


def _check(name, x: AVal, k, others=(), labels=()) -> None:
    if x.dtype.kind != "f":
        raise DTypeNotImplemented(
            name, f"{name}: expected a floating-point input, got {x.dtype.name}",
            [x.dtype])
    if not 1 <= k <= x.ndim:
        raise ShapeError(name, f"{name}: {k} normalised axes for an input of rank {x.ndim}",
                         [x.shape])
    tail = x.shape[x.ndim - k:]
    for o, label in zip(others, labels):
        if o.dtype != x.dtype:
            raise DTypeNotImplemented(name, f"{name}: {label} has dtype {o.dtype.name}, the input "
                                      f"{x.dtype.name}", [x.dtype, o.dtype])
        if not same_shape(o.shape, tail):
            raise ShapeError(name, f"{name}: {label} must have the normalised shape "
                             f"{list(tail)}, got {list(o.shape)}", [x.shape, o.shape])


def check_cotangent(name: str, a: AVal, x: AVal) -> None:
    """A norm gradient primitive's cotangent ``a`` has its input ``x``'s shape and dtype."""
    if not same_shape(a.shape, x.shape) or a.dtype != x.dtype:
        raise ShapeError(name, "the cotangent must have the input's shape and dtype",
                         [a.shape, x.shape])


def affine_args(first: list, weight, bias) -> tuple[list, str]:
    """A fused norm's operands, ``first`` then the weight and bias that are not None, and its
    ``affine`` parameter naming them (``""``, ``"w"``, ``"b"`` or ``"wb"``)."""
    args, affine = list(first), ""
    if weight is not None:
        args.append(weight)
        affine += "w"
    if bias is not None:
        args.append(bias)
        affine += "b"
    return args, affine


def _ln_rule(x: AVal, *wb: AVal, k, eps, affine) -> AVal:
    _check("layer_norm", x, k, wb, [{"w": "weight", "b": "bias"}[c] for c in affine])
    return AVal(x.shape, x.dtype)


def _grad_rule(a: AVal, x: AVal, *w: AVal, k, eps, affine) -> AVal:
    _check("layer_norm_grad", x, k, w, ["weight"] * len(w))
    check_cotangent("layer_norm_grad", a, x)
    return AVal(x.shape, x.dtype)


def _wgrad_rule(g: AVal, x: AVal, *, k, eps) -> AVal:
    _check("layer_norm_wgrad", x, k)
    check_cotangent("layer_norm_wgrad", g, x)
    return AVal(x.shape[x.ndim - k:], x.dtype)


def _lead(x, k) -> tuple:
    return tuple(range(aval_of(x).ndim - k))


def _sum_lead(v, x, k):
    return _sum(v, _lead(x, k))


_ndarray = np.ndarray
_F32_64 = (np.dtype(np.float32), np.dtype(np.float64))


def _plain_ln(g, x, wb) -> bool:
    """Eager backward's buffers: NumPy arrays of one float32/float64 dtype, g of x's shape,
    while the CPU kernels are the ones bind would call."""
    d = x.dtype if type(x) is _ndarray else None
    if type(g) is not _ndarray or d not in _F32_64 or g.dtype is not d or g.shape != x.shape:
        return False
    for v in wb:
        if type(v) is not _ndarray or v.dtype is not d:
            return False
    return layer_norm_grad_p.kernels["cpu"] is _cpu.layer_norm_grad and \
        layer_norm_wgrad_p.kernels["cpu"] is _cpu.layer_norm_wgrad


def _ln_vjp(g, y, x, *wb, k, eps, affine):
    w = wb[0] if "w" in affine else None
    if _plain_ln(g, x, wb):
        # eager backward's buffers: the kernels bind would call, called (issue 19:
        # nn.LayerNorm(128) of 64 rows with backward 82 -> 79.5 us, PyTorch 64)
        ws = () if w is None else (w,)
        out = [lambda: _cpu.layer_norm_grad(g, x, *ws, k=k, eps=eps, affine="w" if ws else "")]
        wgrad = (lambda: _cpu.layer_norm_wgrad(g, x, k=k, eps=eps))
    else:
        out = [lambda: layer_norm_grad(g, x, w, k, eps)]
        wgrad = (lambda: bind(layer_norm_wgrad_p, g, x, k=k, eps=eps))
    if w is not None:
        out.append(wgrad)
    if "b" in affine:
        out.append(lambda: _sum_lead(g, x, k))
    return tuple(out)


def _row_sum(v, k):
    nd = aval_of(v).ndim
    return _sum(v, tuple(range(nd - k, nd)), True)


def _grad_vjp(c, y, a, x, *w, k, eps, affine):
    wv = w[0] if affine else None
    q = layer_norm_grad(c, x, None, k, eps)                    # rstd P(c)
    n = 1
    for d in aval_of(x).shape[aval_of(x).ndim - k:]:
        n *= d

    def d_a():
        return mul(q, wv) if wv is not None else q

    def d_x():
        aw = mul(a, wv) if wv is not None else a
        xhat = layer_norm(x, None, None, k, eps)
        d = sub(x, mul(_row_sum(x, k), 1.0 / n))
        rstd = rsqrt(add(mul(_row_sum(mul(d, d), k), 1.0 / n), eps))
        u, v = _row_sum(mul(c, xhat), k), _row_sum(mul(aw, xhat), k)
        s = sub(_row_sum(mul(c, aw), k), mul(mul(_row_sum(c, k), _row_sum(aw, k)), 1.0 / n))
        inner = add(add(mul(mul(rstd, xhat), sub(s, mul(mul(u, v), 1.0 / n))), mul(v, q)),
                    mul(u, y))
        return mul(mul(rstd, inner), -1.0 / n)

    out = [d_a, d_x]
    if wv is not None:
        out.append(lambda: _sum_lead(mul(a, q), x, k))
    return tuple(out)


def _wgrad_vjp(c, y, g, x, *, k, eps):
    return (lambda: mul(layer_norm(x, None, None, k, eps), c),
            lambda: layer_norm_grad(g, x, c, k, eps))


layer_norm_p = Primitive(
    "layer_norm", _ln_rule, _ln_vjp, kind="other",
    doc="y = (x - mu) rstd [* w] [+ b] over the k trailing axes, rstd = 1/sqrt(var + eps);  "
        "dx = layer_norm_grad(g, x, w), dw = layer_norm_wgrad(g, x), db = sum_lead(g)",
    kernels={"cpu": _cpu.layer_norm, "cuda": _cuda.layer_norm})
layer_norm_grad_p = Primitive(
    "layer_norm_grad", _grad_rule, _grad_vjp, kind="other",
    doc="y = rstd (a' - mean(a') - xhat mean(a' xhat)), a' = a [* w];  da = "
        "layer_norm_grad(c, x) [* w], dw = sum_lead(a layer_norm_grad(c, x)), dx: see the "
        "module docstring",
    kernels={"cpu": _cpu.layer_norm_grad, "cuda": _cuda.layer_norm_grad})
layer_norm_wgrad_p = Primitive(
    "layer_norm_wgrad", _wgrad_rule, _wgrad_vjp, kind="other",
    doc="y = sum over the leading axes of g xhat;  dg = xhat c, dx = layer_norm_grad(g, x, c)",
    kernels={"cpu": _cpu.layer_norm_wgrad, "cuda": _cuda.layer_norm_wgrad})


def layer_norm(x, weight, bias, k: int, eps: float):
    """The fused layer norm over the ``k`` trailing axes; ``weight``/``bias`` (either may be
    None) shaped like those axes, of ``x``'s dtype."""
    args, affine = affine_args([x], weight, bias)
    return bind(layer_norm_p, *args, k=int(k), eps=float(eps), affine=affine)


def layer_norm_grad(a, x, weight, k: int, eps: float):
    if weight is None:
        return bind(layer_norm_grad_p, a, x, k=int(k), eps=float(eps), affine="")
    return bind(layer_norm_grad_p, a, x, weight, k=int(k), eps=float(eps), affine="w")


def layer_norm_wgrad(g, x, k: int, eps: float):
    return bind(layer_norm_wgrad_p, g, x, k=int(k), eps=float(eps))
