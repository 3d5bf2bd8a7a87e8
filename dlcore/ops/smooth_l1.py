"""smooth_l1 and Huber losses, elementwise, as primitives (PyTorch's CPU kernels)::

    smooth_l1(x, t; b)          z = |x - t|:  z < b ? 0.5 z z / b : z - 0.5 b
    smooth_l1(x, t; b, huber)   z < b ? 0.5 z z : b (z - 0.5 b)               (b: Huber's delta)
    smooth_l1_grad(g, x, t; b)  d = x - t:  d <= -b ? -g : d >= b ? g : (d / b) g
    smooth_l1_grad(..., huber)  d <= -b ? -g b : d >= b ? g b : d g

``dx = smooth_l1_grad(g, x, t)``, ``dt = -dx`` (each summed back to its operand's shape when
they broadcast).  The numbers are the operands' dtype (``0.5`` and ``b`` too: scalar operands
of the kernels), so float32 rounds as PyTorch's float32 loops.  One node each way where the
composite of nine ops made nine (F.smooth_l1_loss of 64x128 float32, one thread: 59 us against
PyTorch's 16 forward, 172 against 63 with backward; issue 19); the reduction stays the mean
or sum it was.  ``b == 0`` (smooth L1 as L1) keeps the composite, and so do non-float operands.
The second derivative (``dx`` of ``smooth_l1_grad``: ``c g / b`` inside the band for smooth
L1, ``c g`` for Huber, 0 outside) is a composite.  Kernels: the elementwise kernel factories'
(``dlcore.kernels.cpu.elementwise``, ``dlcore.kernels.cuda.elementwise``) over the operands
and the two scalars.
"""

from __future__ import annotations

import numpy as np

from .. import dtypes as _dt
from ..kernels.cpu.elementwise import elementwise_kernel as _cpu_kernel
from ..kernels.cuda.elementwise import elementwise_kernel as _cuda_kernel
from ..registry import AVal, Primitive, aval_of, bind, scalar_buffer
from . import _rules
from .broadcast import sum_to
from .elementwise import abs as _abs
from .elementwise import div, less, mul, neg, sub, where


def _loss_rule(x: AVal, t: AVal, *scalars: AVal, beta=None, huber=False) -> AVal:
    _rules.require_float("smooth_l1", x, t)
    _rules.same_dtype("smooth_l1", x, t)
    return AVal(_rules.broadcast_shapes("smooth_l1", x.shape, t.shape), x.dtype)


def _grad_rule(g: AVal, x: AVal, t: AVal, *scalars: AVal, beta=None, huber=False) -> AVal:
    _rules.require_float("smooth_l1_grad", g, x, t)
    _rules.same_dtype("smooth_l1_grad", g, x)
    _rules.same_dtype("smooth_l1_grad", x, t)
    shape = _rules.broadcast_shapes("smooth_l1_grad", x.shape, t.shape)
    return AVal(_rules.broadcast_shapes("smooth_l1_grad", g.shape, shape), g.dtype)


# ({0} x, {1} t, {2} b, {3} 0.5) and ({0} g, {1} x, {2} t, {3} b) in the operands' dtype
_Z = "abs({0} - {1})"
_LOSS = {False: f"({{3}} * {_Z} * {_Z} / {{2}}) if {_Z} < {{2}} else ({_Z} - {{3}} * {{2}})",
         True: f"({{3}} * {_Z} * {_Z}) if {_Z} < {{2}} else ({{2}} * ({_Z} - {{3}} * {{2}}))"}
_D = "({1} - {2})"
_GRAD = {False: f"(-{{0}}) if {_D} <= -{{3}} else ({{0}} if {_D} >= {{3}} else "
                f"({_D} / {{3}}) * {{0}})",
         True: f"(-{{0}} * {{3}}) if {_D} <= -{{3}} else (({{0}} * {{3}}) if {_D} >= {{3}} "
               f"else {_D} * {{0}})"}


def _np_loss(huber):
    def f(x, t, b, half):
        z = np.abs(x - t)
        return np.where(z < b, half * z * z if huber else half * z * z / b,
                        b * (z - half * b) if huber else z - half * b)
    return f


def _np_grad(huber):
    def f(g, x, t, b):
        d = x - t
        return np.where(d <= -b, -g * b if huber else -g,
                        np.where(d >= b, g * b if huber else g, d * g if huber else (d / b) * g))
    return f


def _kernels(name, nin, exprs, np_forms, scalars):
    """The CPU and CUDA kernels ``f(*operands, beta, huber)``: the factories' kernels of
    ``exprs[huber]`` over the operands and ``scalars(beta)`` as 0-d buffers of their dtype
    (named after the primitive: the CUDA factory reads its rule, called without params)."""
    n = nin + len(scalars(1.0))
    made = {dev: {h: make(name, exprs[h], n, *((np_forms[h],) if dev == "cpu" else ()))
                  for h in (False, True)}
            for dev, make in (("cpu", _cpu_kernel), ("cuda", _cuda_kernel))}

    def kernel_on(dev):
        def kernel(*ops, beta, huber):
            d = ops[-1].dtype
            if dev == "cpu" and d in _dt.HALF:      # (in float32, rounded once)
                f32 = np.dtype(np.float32)
                ops = tuple(o.astype(f32) for o in ops)
                return kernel(*ops, beta=beta, huber=huber).astype(d)
            return made[dev][huber](*ops, *(scalar_buffer(v, d) for v in scalars(beta)))
        return kernel
    return {"cpu": kernel_on("cpu"), "cuda": kernel_on("cuda")}


def _grad_vjp(c, out, g, x, t, *, beta, huber):
    d = sub(x, t)
    inside = less(_abs(d), beta)
    dd = where(inside, mul(c, g) if huber else div(mul(c, g), beta), 0.0)
    return (sum_to(bind(smooth_l1_grad_p, c, x, t, beta=beta, huber=huber), g),
            sum_to(dd, x), sum_to(neg(dd), t))


smooth_l1_grad_p = Primitive(
    "smooth_l1_grad", _grad_rule, _grad_vjp, kind="other",
    doc="d = x - t: -g at and below -b, g at and above b, d g / b between (Huber: times b, "
        "d g between);  dg = smooth_l1_grad(c, x, t), dx = -dt = c g / b (Huber: c g) "
        "inside the band, 0 outside",
    kernels=_kernels("smooth_l1_grad", 3, _GRAD, {h: _np_grad(h) for h in (False, True)},
                     lambda b: (b,)))


def _loss_vjp(g, y, x, t, *, beta, huber):
    dx = bind(smooth_l1_grad_p, g, x, t, beta=beta, huber=huber)
    return (sum_to(dx, x), sum_to(neg(dx), t))


smooth_l1_p = Primitive(
    "smooth_l1", _loss_rule, _loss_vjp, kind="other",
    doc="z = |x - t|: 0.5 z^2 / b below b, z - 0.5 b above (Huber: 0.5 z^2, b (z - 0.5 b));  "
        "dx = -dt = smooth_l1_grad(g, x, t)",
    kernels=_kernels("smooth_l1", 2, _LOSS, {h: _np_loss(h) for h in (False, True)},
                     lambda b: (b, 0.5)))


def smooth_l1(x, t, beta: float, huber: bool = False):
    """The elementwise loss: ``smooth_l1_p`` for float operands of one dtype, else None (the
    caller's composite)."""
    xa, ta = aval_of(x), aval_of(t)
    if xa.dtype != ta.dtype or xa.dtype.kind != "f":
        return None
    return bind(smooth_l1_p, x, t, beta=float(beta), huber=bool(huber))
