"""The gated linear unit as one primitive::

    glu(x; axis)   a, b = the two halves of x along axis:  y = a sigmoid(b)
                   dx = [g s, sigmoid_grad(g a, s)] joined along axis  (s = sigmoid(b))

The numbers are the composite's (``mul(a, sigmoid(b))`` of two slices) bit for bit, each way:
its kernels are sigmoid's and mul's on views of the two halves, and its gradient the one the
composite's vjps made (mul's ``g s`` and ``g a``, sigmoid's ``sigmoid_grad``, the slices'
scatters joined).  One node, where the composite made four forward and eight backward
(F.glu of 64x128 float32, one thread: 26 us against PyTorch's 7 forward, 87 against 48 with
backward; issue 19).  Eager backward (NumPy buffers) runs the kernels directly; otherwise the
vjp is the composite of primitives, so ``glu`` is differentiable to any order.  The kernels
of both devices are the same function over each device's sigmoid and mul kernels.
"""

from __future__ import annotations

import numpy as np

from ..registry import AVal, Primitive, aval_of, bind
from . import _rules
from .elementwise import mul, mul_p, sigmoid, sigmoid_grad, sigmoid_grad_p, sigmoid_p
from .indexing import getitem
from .shape import concatenate

_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)


def _glu_rule(x: AVal, *, axis) -> AVal:
    _rules.require_float("glu", x)
    shape = list(x.shape)
    n = shape[axis]
    shape[axis] = None if n is None else n // 2
    return AVal(tuple(shape), x.dtype)


def _halves(x, axis: int) -> tuple:
    h = x.shape[axis] // 2
    pre = (slice(None),) * axis
    return x[pre + (slice(0, h),)], x[pre + (slice(h, 2 * h),)]


def _kernel(dev: str):
    def glu(x, *, axis):
        a, b = _halves(x, axis)
        return mul_p.kernels[dev](a, sigmoid_p.kernels[dev](b))
    glu.__name__ = f"glu_{dev}"
    return glu


def _glu_vjp(g, y, x, *, axis):
    d = getattr(g, "dtype", None)
    if type(g) is np.ndarray and type(x) is np.ndarray and (d is _F32 or d is _F64) and \
            x.dtype is d:
        # eager backward's buffers: the vjp below with its kernels called directly
        a, b = _halves(x, axis)
        mul_k = mul_p.kernels["cpu"]
        s = sigmoid_p.kernels["cpu"](b)
        return (np.concatenate([mul_k(g, s), sigmoid_grad_p.kernels["cpu"](mul_k(g, a), s)],
                               axis),)
    h = aval_of(x).shape[axis] // 2            # (known: glu() binds glu_p only then)
    pre = (slice(None),) * axis
    a, b = getitem(x, pre + (slice(0, h),)), getitem(x, pre + (slice(h, 2 * h),))
    s = sigmoid(b)
    return (concatenate([mul(g, s), sigmoid_grad(mul(g, a), s)], axis),)


glu_p = Primitive(
    "glu", _glu_rule, _glu_vjp, kind="other",
    doc="y = a sigmoid(b) for the halves a, b of x along axis;  dx = [g s, "
        "sigmoid_grad(g a, s)] joined along axis",
    kernels={"cpu": _kernel("cpu"), "cuda": _kernel("cuda")})


def glu(x, axis: int):
    """``glu_p`` of a float ``x`` whose ``axis`` (normalised, even length) is known."""
    return bind(glu_p, x, axis=int(axis))
