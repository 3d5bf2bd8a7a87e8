"""Cosine similarity of two same-shaped operands along one axis as primitives (fused: one
kernel each way), where the composite made eleven nodes forward (two squared norms, their
clamps and square roots, two divisions, a product and a sum) and about twenty kernel calls
backward::

    cosine_similarity(x1, x2; axis, eps)   cos = x1.x2 / (n1 n2),  n = sqrt(max(|x|^2, eps^2))
                                           dx1 = cosine_similarity_grad(g, x1, x2),
                                           dx2 = cosine_similarity_grad(g, x2, x1)
    cosine_similarity_grad(g, x1, x2)      g (x2 / n2 - cos x1 / n1) / n1  (the x1 term absent
                                           where |x1| <= eps: a constant norm there)

The gradient primitive's own vjp (second derivatives) is that of the same maths written with
dlcore ops (``dlcore.recompute.composite_vjp``).  Operands that broadcast against each other
(a (N, 1, D) by (1, M, D) similarity matrix) or differ in dtype keep the composite
(dlcore/ops/nn_functional.py).  The kernels: dlcore/kernels/cpu/cosine.py (the operands viewed
as ``(A, n, B)`` around the axis) and dlcore/kernels/cuda/cosine.py.
"""

from __future__ import annotations

from ..errors import ShapeError
from ..kernels.cpu import cosine as _cpu
from ..kernels.cuda import cosine as _cuda
from ..recompute import composite_vjp
from ..registry import AVal, Primitive, bind
from . import _rules
from .elementwise import div, greater, maximum, mul, sqrt, sub, where
from .reduce import sum as _sum
from .shape import expand_dims


def _check(name, x1: AVal, x2: AVal, axis) -> None:
    _rules.require_float(name, x1, x2)
    _rules.same_dtype(name, x1, x2)
    if not _rules.same_shape(x1.shape, x2.shape):
        raise ShapeError(name, f"{name}: the operands must have one shape, got "
                         f"{list(x1.shape)} and {list(x2.shape)}", [x1.shape, x2.shape])
    if not 0 <= axis < x1.ndim:
        raise ShapeError(name, f"{name}: axis {axis} out of range for rank {x1.ndim}",
                         [x1.shape])


def _cos_rule(x1: AVal, x2: AVal, *, axis, eps) -> AVal:
    _check("cosine_similarity", x1, x2, axis)
    return AVal(x1.shape[:axis] + x1.shape[axis + 1:], x1.dtype)


def _grad_rule(g: AVal, x1: AVal, x2: AVal, *, axis, eps) -> AVal:
    _check("cosine_similarity_grad", x1, x2, axis)
    want = x1.shape[:axis] + x1.shape[axis + 1:]
    if not _rules.same_shape(g.shape, want) or g.dtype != x1.dtype:
        raise ShapeError("cosine_similarity_grad", f"cosine_similarity_grad: the cotangent must "
                         f"have shape {list(want)} and dtype {x1.dtype.name}, got "
                         f"{list(g.shape)} {g.dtype.name}", [g.shape, x1.shape])
    return AVal(x1.shape, x1.dtype)


def _cos_vjp(g, y, x1, x2, *, axis, eps):
    return (lambda: cosine_similarity_grad(g, x1, x2, axis, eps),
            lambda: cosine_similarity_grad(g, x2, x1, axis, eps))


def _grad_composite(g, x1, x2, axis, eps):
    """``cosine_similarity_grad`` written with dlcore ops (for its own vjp)."""
    e2 = eps * eps
    s11 = _sum(mul(x1, x1), axis, True)
    n1 = sqrt(maximum(s11, e2))
    n2 = sqrt(maximum(_sum(mul(x2, x2), axis, True), e2))
    v = div(x2, n2)
    cos = div(_sum(mul(x1, x2), axis, True), mul(n1, n2))
    inner = where(greater(s11, e2), sub(v, mul(cos, div(x1, n1))), v)
    return div(mul(expand_dims(g, axis), inner), n1)


def _grad_vjp(c, y, g, x1, x2, *, axis, eps):
    return composite_vjp(lambda g_, a, b: (_grad_composite(g_, a, b, axis, eps),),
                         (g, x1, x2), (c,))


cosine_similarity_p = Primitive(
    "cosine_similarity", _cos_rule, _cos_vjp, kind="other",
    doc="cos = x1.x2 / (n1 n2) along axis, n = sqrt(max(|x|^2, eps^2));  dx1 = "
        "cosine_similarity_grad(g, x1, x2), dx2 = cosine_similarity_grad(g, x2, x1)",
    kernels={"cpu": _cpu.cosine_similarity, "cuda": _cuda.cosine_similarity})
cosine_similarity_grad_p = Primitive(
    "cosine_similarity_grad", _grad_rule, _grad_vjp, kind="other",
    doc="g (x2 / n2 - cos x1 / n1) / n1 (no x1 term where |x1| <= eps);  its vjp: the same "
        "maths' as dlcore ops",
    kernels={"cpu": _cpu.cosine_similarity_grad, "cuda": _cuda.cosine_similarity_grad})


def cosine_similarity(x1, x2, axis: int, eps: float):
    """The fused cosine similarity of same-shaped, same-dtype float operands along ``axis``
    (normalised, non-negative)."""
    return bind(cosine_similarity_p, x1, x2, axis=int(axis), eps=float(eps))


def cosine_similarity_grad(g, x1, x2, axis: int, eps: float):
    return bind(cosine_similarity_grad_p, g, x1, x2, axis=int(axis), eps=float(eps))
