"""Activations, named for both front ends (``torch.nn.functional.<name>``, ``tf.nn.<name>``):
the primitives below, and composites (plain functions of primitives) for the rest.

    softplus(x)         = x if x > 20 else log(1 + exp(x))    dx = g sigmoid(x)
    softsign(x)         = x / (1 + |x|)                        dx = g / (1 + |x|)^2
    relu6(x)            = min(max(x, 0), 6)                    dx = g [0 < x < 6] (0 at NaN)
    elu(x, a)           = x if x > 0 else a (exp(x) - 1)       dx = g (1 if x > 0 else a exp(x))
    selu(x)             = s elu(x, a),  s = 1.0507009873554805, a = 1.6732632423543772
    leaky_relu(x, a)    = x if x > 0 else a x  (TF default a = 0.2, PyTorch 0.01)
    prelu(x, w)         = x if x > 0 else w x  (w broadcast into x)

relu6 (and PyTorch's hardtanh) is the ``hardtanh`` primitive of ``dlcore.ops.clamp`` (clamp's
value, its gradient strictly inside the bounds).  elu, selu and celu are one primitive,
``elu_p`` (PyTorch's elu with ``alpha``, ``scale`` and ``input_scale``; its gradient
``elu_grad_p``, PyTorch's ``elu_backward``), and prelu another (``prelu_p``, an elementwise
binary: PyTorch's ``_prelu_kernel``): one node each, where their composites made three to eight
(issue 19).

softplus, SiLU and the exact GELU are elementwise primitives (``softplus_p``, TensorFlow's
``Softplus``; ``silu_p`` and ``gelu_p``, whose functions are in ``nn_functional``; SiLU's
gradient ``silu_grad_p``: PyTorch's ``silu_backward``), each with its gradient as
another (``softplus_grad_p``: ``g`` above 20, else ``g z / (z + 1)`` with ``z = exp(x)``,
PyTorch's ``softplus_backward`` and TensorFlow's ``SoftplusGrad``; ``gelu_grad_p``: ``g (cdf(x)
+ x pdf(x))``, PyTorch's ``gelu_backward``): one node each way, where the composites made five
or six forward and ten or eleven backward (a GP's three softplus hyperparameters: 19% of its
CPU, issue 19).  All four are elementwise kinds, so the static compiler fuses them into their
neighbours' loops.

leaky_relu is one primitive (``leaky_relu_p``, PyTorch's ``leaky_relu`` and TensorFlow's
``LeakyRelu``), its vjp another (``leaky_relu_grad_p``: ``g if x > 0 else g a``, PyTorch's
``leaky_relu_backward``, TensorFlow's ``LeakyReluGrad``), whose own vjp is itself: one node per
layer in backward and in double backward, where the composite ``where(x > 0, x, x a)`` made
three forward and more backward (issue 19).

The other gradients come from the primitives (``where`` routes ``g`` to the branch taken), so the
derivative at a kink is the one of the branch ``where`` selects there: 0 below, as TensorFlow.

The activations with parameters or PyTorch's ``inplace=`` use the ``activation`` convention:
``torch_params``/``tf_params`` give each library's names and defaults for the parameters after
``x`` (``F.leaky_relu(input, negative_slope=0.01, inplace=False)``,
``tf.nn.leaky_relu(features, alpha=0.2, name=None)``), and the front ends' ``activation``
adapters bind them.
"""

from __future__ import annotations

import math

import numpy as np

from ..api import exports
from ..dtypes import is_floating
from ..kernels.cpu import elu as _cpu_elu
from ..kernels.cpu import leaky_relu as _cpu_leaky
from ..kernels.cpu import transcendental as _cpu_tr
from ..kernels.cuda import elu as _cuda_elu
from ..kernels.cuda import leaky_relu as _cuda_leaky
from ..registry import PRIMITIVES, AVal, Primitive, aval_of, bind
from . import _rules
from ._fastpath import LEAN_VJPS, lean2
from .broadcast import sum_to as _sum_to
from .clamp import hardtanh_p
from .composites import _via_float32
from .elementwise import _binary as _ew_binary
from .elementwise import _unary as _ew_unary
from .elementwise import (
    _plain,
    abs,
    add,
    cast,
    div,
    exp,
    greater,
    less,
    maximum,
    minimum,
    mul,
    relu_p,
    sigmoid,
    sigmoid_grad,
    sub,
    where,
)
from .elementwise_cast import zeros_like
from .math_unary import _vectorized

SELU_SCALE = 1.0507009873554805
SELU_ALPHA = 1.6732632423543772


def _np_softplus(x):
    with np.errstate(over="ignore"):        # (the minimum keeps a NaN: NaN out)
        return np.where(x > 20, x, np.log1p(np.exp(np.minimum(x, 20))))


def _np_softplus_grad(g, x):
    with np.errstate(over="ignore", invalid="ignore"):
        z = np.exp(np.minimum(x, 20))
        return np.where(x > 20, g, g * z / (z + 1))


_erf = _vectorized(math.erf)        # (the NumPy fallbacks: exotic layouts only)


def _np_gelu(x):
    return x * 0.5 * (1.0 + _erf(x * 0.7071067811865476))


def _np_gelu_grad(g, x):
    cdf = 0.5 * (1.0 + _erf(x * 0.7071067811865476))
    return g * (cdf + x * 0.3989422804014327 * np.exp(-0.5 * x * x))


def _dx_by(grad_p):
    """The vjp ``dx = grad_p(g, x; **params)`` of a unary primitive whose gradient is one
    binary primitive of ``(g, x)`` with the forward's params (softplus, gelu; elu's
    coefficients), and its lean form (the front end's lane, ``LEAN_VJPS``): the gradient's
    CPU kernel on plain buffers of one shape, the lane for concrete values, else a node."""
    def lean(fe, g, y, x, **params):
        return (fe.apply(grad_p, (g, x), params) if params else fe.binary(grad_p, g, x),)

    def vjp(g, y, x, **params):
        if _plain(g, x) and g.shape == x.shape:
            return (grad_p.kernels["cpu"](g, x, **params),)
        fe = lean2(g, x)
        return lean(fe, g, y, x, **params) if fe is not None else \
            (bind(grad_p, g, x, **params),)
    return vjp, lean


def linear_in_g(name: str):
    """The vjp of a gradient primitive ``name`` (``(g, x; **params)``) that is linear in ``g``
    and piecewise constant in ``x``: itself of ``(c, x)`` for ``g``, zeros for ``x`` (not None,
    as PyTorch's zeros_like: ``x`` counts as used by a second derivative).  By name, so that a
    primitive's definition can take it (hardsigmoid's, relu's threshold_backward, the shrinks'
    and threshold's gradients)."""
    def vjp(c, out, g, x, **params):
        p = PRIMITIVES[name]
        return (lambda: _sum_to(bind(p, c, x, **params), g), lambda: zeros_like(x))
    return vjp


def _softplus_grad_vjp(c, out, g, x):
    # dg = softplus_grad(c, x); dx = c g s (1 - s) (s = sigmoid(x)) below the threshold, 0 above
    # (PyTorch's softplus_double_backward)
    return (lambda: _sum_to(softplus_grad(c, x), g),
            lambda: _sum_to(where(greater(x, 20.0), 0.0, sigmoid_grad(mul(c, g), sigmoid(x))),
                            x))


def _gelu_grad_vjp(c, out, g, x):
    # dg = gelu_grad(c, x); dx = c g pdf(x) (2 - x^2) (the derivative of cdf + x pdf)
    pdf = mul(exp(mul(mul(x, x), -0.5)), 0.3989422804014327)
    return (lambda: _sum_to(gelu_grad(c, x), g),
            lambda: _sum_to(mul(mul(c, g), mul(pdf, sub(2.0, mul(x, x)))), x))


softplus_grad_p = _ew_binary(
    "softplus_grad", "{0} if {1} > 20.0 else {0} * math.exp({1}) / (math.exp({1}) + 1.0)",
    _np_softplus_grad, _softplus_grad_vjp,
    "y = g if x > 20 else g z / (z + 1), z = exp(x);  dg = softplus_grad(c, x),  "
    "dx = c g sigmoid(x) (1 - sigmoid(x)) where x <= 20, else 0", float_only=True,
    tf_type="SoftplusGrad")
_softplus_vjp, _softplus_lean = _dx_by(softplus_grad_p)
softplus_p = _ew_unary(
    "softplus", "{0} if {0} > 20.0 else math.log1p(math.exp({0}))", _np_softplus, _softplus_vjp,
    "y = x if x > 20 else log1p(exp(x)) (NaN: NaN);  dx = softplus_grad(g, x)",
    tf_type="Softplus")
LEAN_VJPS[softplus_p] = _softplus_lean

# The exact GELU (PyTorch's gelu and gelu_backward: cdf(x) + x pdf(x)), where the composite
# x/2 (1 + erf(x / sqrt 2)) made five forward and ten backward ops (34 us against PyTorch's 11
# at (4, 16, 32): a transformer's MLP activation).  nn_functional.gelu binds it.
gelu_grad_p = _ew_binary(
    "gelu_grad", "{0} * (0.5 * (1.0 + math.erf({1} * 0.7071067811865476)) + "
    "{1} * 0.3989422804014327 * math.exp(-0.5 * {1} * {1}))", _np_gelu_grad, _gelu_grad_vjp,
    "y = g (Phi(x) + x phi(x));  dg = gelu_grad(c, x),  dx = c g phi(x) (2 - x^2)",
    float_only=True, tf_type="GeluGrad")
_gelu_vjp, _gelu_lean = _dx_by(gelu_grad_p)
gelu_p = _ew_unary("gelu", "{0} * 0.5 * (1.0 + math.erf({0} * 0.7071067811865476))", _np_gelu,
                   _gelu_vjp, "y = x Phi(x) = x (1 + erf(x / sqrt 2)) / 2;  dx = gelu_grad(g, x)",
                   tf_type="Gelu")
LEAN_VJPS[gelu_p] = _gelu_lean
# float32: one vectorised pass each of PyTorch's float32 forms (_fast32.gelu32, gelu_grad32:
# erf32 and exp32; the generated loops call libm's erf per element, 10 ns each)
gelu_p.kernels["cpu"] = _cpu_tr.float32_entry(gelu_p.kernels["cpu"], _cpu_tr.gelu)
gelu_grad_p.kernels["cpu"] = _cpu_tr.float32_pair_entry(gelu_grad_p.kernels["cpu"],
                                                        "gelu_grad32_into")


# SiLU (PyTorch's silu and silu_backward): ``x / (1 + exp(-x))`` and ``g s (1 + x (1 - s))``,
# s = sigmoid(x), where the composite x sigmoid(x) made two nodes forward and four backward
# (13.9 us against PyTorch's 3.2 with grad at (2, 6, 32): llama's and Mamba's feed-forward).
def _np_silu(x):
    with np.errstate(over="ignore", invalid="ignore"):
        return x / (1.0 + np.exp(-x))


def _np_silu_grad(g, x):
    with np.errstate(over="ignore", invalid="ignore"):
        s = 1.0 / (1.0 + np.exp(-x))
        return g * s * (1.0 + x * (1.0 - s))


def _silu_grad_vjp(c, out, g, x):
    # dg = silu_grad(c, x); dx = c g s (1 - s) (2 + x (1 - 2 s)) (PyTorch's silu double backward)
    return (lambda: _sum_to(silu_grad(c, x), g),
            lambda: _sum_to(mul(sigmoid_grad(mul(c, g), sigmoid(x)),
                                add(mul(x, sub(1.0, mul(sigmoid(x), 2.0))), 2.0)), x))


silu_grad_p = _ew_binary(
    "silu_grad", "{0} * (1.0 / (1.0 + math.exp(-{1}))) * "
    "(1.0 + {1} * (1.0 - 1.0 / (1.0 + math.exp(-{1}))))", _np_silu_grad, _silu_grad_vjp,
    "y = g s (1 + x (1 - s)), s = sigmoid(x);  dg = silu_grad(c, x),  "
    "dx = c g s (1 - s) (2 + x (1 - 2 s))", float_only=True, tf_type="SiluGrad")
_silu_vjp, _silu_lean = _dx_by(silu_grad_p)
silu_p = _ew_unary("silu", "{0} / (1.0 + math.exp(-{0}))", _np_silu, _silu_vjp,
                   "y = x / (1 + exp(-x)) = x sigmoid(x);  dx = silu_grad(g, x)",
                   tf_type="Silu")
LEAN_VJPS[silu_p] = _silu_lean
# float32: one vectorised pass each of PyTorch's float32 forms (_fast32: exp32, log1p32; the
# generated loops call libm per element)
for _p, _fn in ((silu_p, _cpu_tr.silu), (softplus_p, _cpu_tr.softplus)):
    _p.kernels["cpu"] = _cpu_tr.float32_entry(_p.kernels["cpu"], _fn)
for _p, _loop in ((silu_grad_p, "silu_grad32_into"), (softplus_grad_p, "softplus_grad32_into")):
    _p.kernels["cpu"] = _cpu_tr.float32_pair_entry(_p.kernels["cpu"], _loop)


def silu_grad(g, x):
    return bind(silu_grad_p, g, x)


def softplus_grad(g, x):
    return bind(softplus_grad_p, g, x)


def gelu_grad(g, x):
    return bind(gelu_grad_p, g, x)


@exports({"tf.nn": "softplus", "tf.math": "softplus"},   # F.softplus: beta, threshold
         "unary", float_only=True, tf_type="Softplus")
@_via_float32
def softplus(x):
    """``log(1 + exp(x))`` as PyTorch computes it: ``x`` above 20, else ``log1p(exp(x))`` (the
    primitive ``softplus_p``).  Its gradient is ``sigmoid(x)`` everywhere (PyTorch's
    ``z / (z + 1)``), 1/2 at 0, exactly 1 above 20, NaN at NaN."""
    return bind(softplus_p, x)


@exports({"torch.nn.functional": "softsign", "tf.nn": "softsign", "tf.math": "softsign"},
         "unary", float_only=True, tf_type="Softsign")
def softsign(x):
    """``x / (1 + |x|)``."""
    return div(x, add(abs(x), 1.0))


@exports({"torch.nn.functional": "relu6", "tf.nn": "relu6"}, "activation", float_only=False,
         tf_type="Relu6")
def relu6(x):
    """``min(max(x, 0), 6)``; the gradient is 0 at 0, at 6 and at NaN (``clamp_inner``:
    TensorFlow's Relu6Grad, and PyTorch's hardtanh_backward in its vectorised body; PyTorch's
    scalar tail of a few elements passes g at NaN, an answer that depends on the position)."""
    return clamp_inner(x, 0, 6)


def clamp_inner(x, lo, hi):
    """``min(max(x, lo), hi)`` (``-0.0`` kept at ``lo = 0``, NaN kept) whose gradient passes
    only strictly inside (lo, hi), 0 at the bounds and at NaN: PyTorch's
    ``hardtanh_backward`` (relu6, hardtanh) and TensorFlow's ``Relu6Grad``; ``clamp`` itself
    passes it on [lo, hi].  A float ``x``: one node, the ``hardtanh`` primitive
    (``dlcore.ops.clamp``), where the composite of comparisons and ``where`` made eight
    forward and more backward (MobileNet's ReLU6, issue 19)."""
    if not is_floating(aval_of(x).dtype):
        return minimum(maximum(x, lo), hi)
    return bind(hardtanh_p, x, lo=float(lo), hi=float(hi))


# hardsigmoid and hardswish (MobileNetV3's): one elementwise node each way, where the composites
# of comparisons, wheres and arithmetic made six to nine forward (64x128 float32: 55-59 us
# against PyTorch's 2.4-2.7, issue 19).  The gradients are PyTorch's hardsigmoid_backward
# (g / 6 strictly inside (-3, 3), 0 elsewhere and at NaN) and hardswish_backward (0 at and
# below -3, g (x / 3 + 1/2) inside, g at and above 3; NaN at NaN, as its vectorised body);
# both linear in g, piecewise smooth in x.
def _np_hardsigmoid(x):
    with np.errstate(invalid="ignore"):
        return np.where(x <= -3, 0, np.where(x >= 3, 1, x / 6 + 0.5)).astype(x.dtype)


def _np_hardsigmoid_grad(g, x):
    with np.errstate(invalid="ignore"):
        return np.where((x > -3) & (x < 3), g / 6, 0).astype(g.dtype)


def _np_hardswish(x):
    with np.errstate(invalid="ignore", over="ignore"):
        return np.where(x <= -3, x * 0, np.where(x >= 3, x, x * (x + 3) / 6)).astype(x.dtype)


def _np_hardswish_grad(g, x):
    with np.errstate(invalid="ignore", over="ignore"):
        return np.where(x <= -3, 0, np.where(x >= 3, g, g * (x / 3 + 0.5))).astype(g.dtype)


def _hardswish_grad_vjp(c, out, g, x):
    # dg = hardswish_grad(c, x); dx = c g / 3 strictly inside (-3, 3), else 0
    inside = where(greater(x, -3.0), less(x, 3.0), False)
    return (lambda: _sum_to(bind(hardswish_grad_p, c, x), g),
            lambda: _sum_to(where(inside, div(mul(c, g), 3.0), 0.0), x))


hardsigmoid_grad_p = _ew_binary(
    "hardsigmoid_grad", "({0} / 6.0) if ({1} > -3.0 and {1} < 3.0) else 0.0",
    _np_hardsigmoid_grad, linear_in_g("hardsigmoid_grad"),
    "y = g / 6 where -3 < x < 3, else 0 (NaN: 0);  dg = hardsigmoid_grad(c, x), dx = 0",
    float_only=True)
_hardsigmoid_vjp, _hardsigmoid_lean = _dx_by(hardsigmoid_grad_p)
hardsigmoid_p = _ew_unary(
    "hardsigmoid", "0.0 if {0} <= -3.0 else (1.0 if {0} >= 3.0 else {0} / 6.0 + 0.5)",
    _np_hardsigmoid, _hardsigmoid_vjp,
    "y = 0 at and below -3, 1 at and above 3, x / 6 + 1/2 between (NaN: NaN);  "
    "dx = hardsigmoid_grad(g, x)")
LEAN_VJPS[hardsigmoid_p] = _hardsigmoid_lean
hardswish_grad_p = _ew_binary(
    "hardswish_grad", "0.0 if {1} <= -3.0 else ({0} if {1} >= 3.0 else "
    "{0} * ({1} / 3.0 + 0.5))", _np_hardswish_grad, _hardswish_grad_vjp,
    "y = 0 at and below -3, g at and above 3, g (x / 3 + 1/2) between (NaN: NaN);  "
    "dg = hardswish_grad(c, x), dx = c g / 3 where -3 < x < 3", float_only=True)
_hardswish_vjp, _hardswish_lean = _dx_by(hardswish_grad_p)
hardswish_p = _ew_unary(
    "hardswish", "({0} * 0.0) if {0} <= -3.0 else ({0} if {0} >= 3.0 else "
    "{0} * ({0} + 3.0) / 6.0)", _np_hardswish, _hardswish_vjp,
    "y = x * 0 at and below -3, x at and above 3, x (x + 3) / 6 between (NaN: NaN);  "
    "dx = hardswish_grad(g, x)")
LEAN_VJPS[hardswish_p] = _hardswish_lean


# elu and selu (PyTorch's elu with its scale and input_scale, selu's constants): one primitive
# each way, where the composite made six nodes forward and more backward (64x128 float32:
# 74 us forward against PyTorch's 13, issue 19)
def _elu_rule(x: AVal, *coefs: AVal, alpha: float = 1.0, scale: float = 1.0,
              input_scale: float = 1.0) -> AVal:
    # (``coefs``: the CUDA kernel's coefficients, host scalar operands)
    _rules.require_float("elu", x)
    return AVal(x.shape, x.dtype)


def _elu_grad_rule(g: AVal, x: AVal, *coefs: AVal, alpha: float = 1.0, scale: float = 1.0,
                   input_scale: float = 1.0) -> AVal:
    _rules.require_float("elu_grad", g, x)
    _rules.same_dtype("elu_grad", g, x)
    return AVal(_rules.broadcast_shapes("elu_grad", g.shape, x.shape), g.dtype)


def _elu_grad_vjp(c, out, g, x, *, alpha, scale, input_scale):
    # linear in g: dg = elu_grad(c, x); dx = elu_grad(c g i, x) [x < 0] (PyTorch's
    # elu_double_backward: 0 at x = 0 and above, NaN at NaN)
    coefs = {"alpha": alpha, "scale": scale, "input_scale": input_scale}
    return (lambda: _sum_to(bind(elu_grad_p, c, x, **coefs), g),
            lambda: _sum_to(mul(bind(elu_grad_p, mul(mul(c, g), float(input_scale)), x, **coefs),
                                cast(less(x, 0.0), aval_of(x).dtype)), x))


elu_grad_p = Primitive(
    "elu_grad", _elu_grad_rule, _elu_grad_vjp, kind="other", tf_type="EluGrad",
    doc="y = g s if x > 0 else g i a s exp(x i);  dg = elu_grad(c, x), "
        "dx = c g i^2 a s exp(x i) where x < 0 (0 at 0, NaN at NaN)",
    kernels={"cpu": _cpu_elu.elu_grad, "cuda": _cuda_elu.elu_grad})
_elu_vjp, _elu_lean = _dx_by(elu_grad_p)
elu_p = Primitive(
    "elu", _elu_rule, _elu_vjp, kind="other", tf_type="Elu",
    doc="y = x s if x > 0 else expm1(x i) a s (NaN: NaN);  dx = elu_grad(g, x; a, s, i)",
    kernels={"cpu": _cpu_elu.elu, "cuda": _cuda_elu.elu})
LEAN_VJPS[elu_p] = _elu_lean


def elu_grad(g, x, alpha: float = 1.0, scale: float = 1.0, input_scale: float = 1.0):
    """elu's vjp: ``g s`` where ``x > 0``, else ``g i (a s) exp(x i)``."""
    return bind(elu_grad_p, g, x, alpha=float(alpha), scale=float(scale),
                input_scale=float(input_scale))


@exports({"torch": "selu", "torch.nn.functional": "selu", "tf.nn": "selu"}, "activation",
         float_only=True, tf_type="Selu")
def selu(x):
    """``scale * elu(x, alpha)`` with the self-normalising constants: PyTorch's elu with
    ``scale``, ``alpha * scale`` one product (``negcoef``)."""
    return bind(elu_p, x, alpha=SELU_ALPHA, scale=SELU_SCALE, input_scale=1.0)


@exports({"torch.nn.functional": "elu", "tf.nn": "elu"}, "activation", float_only=True,
         tf_type="Elu", torch_params=(("alpha", 1.0),))
def elu(x, alpha: float = 1.0):
    """``x`` where positive, ``alpha (exp(x) - 1)`` elsewhere (NaN: NaN, its gradient NaN, as
    PyTorch's vectorised body)."""
    return bind(elu_p, x, alpha=float(alpha), scale=1.0, input_scale=1.0)


# PReLU (PyTorch's _prelu_kernel): ``x`` where positive, ``w x`` elsewhere, ``w`` a weight that
# broadcasts into ``x`` (one value, or one per channel shaped (C, 1, ...)): one elementwise
# node (fused by the static compiler), where the composite ``where(x > 0, x, x w)`` made three
# forward and six backward (4x16x8x8 float32: 59 us forward against PyTorch's 10, issue 19).
def _np_prelu(x, w):
    with np.errstate(invalid="ignore", over="ignore"):
        return np.where(x > 0, x, x * w)


def _prelu_vjp(g, y, x, w):
    # PyTorch's _prelu_kernel_backward: dx = x > 0 ? g : w g; dw = x > 0 ? 0 : x g, summed
    # down to w's shape (NaN x: the second branches)
    if _plain(g, x) and g.shape == x.shape and type(w) is np.ndarray and w.dtype is g.dtype \
            and w.ndim <= g.ndim:           # (w: one slope, or one per channel, broadcast)
        both = _cpu_leaky.prelu_grad(g, x, w)   # (one Numba pass: 64x128 float32 38 -> 9 us)
        if both is not None:
            return both
        with np.errstate(invalid="ignore", over="ignore"):
            m = x > 0
            dw = np.where(m, x.dtype.type(0), x * g)
            return (np.where(m, g, w * g), _sum_to(dw, w))
    m = greater(x, 0.0)
    return (lambda: _sum_to(where(m, g, mul(w, g)), x),
            lambda: _sum_to(where(m, 0.0, mul(x, g)), w))


prelu_p = _ew_binary(
    "prelu", "{0} if {0} > 0 else {0} * {1}", _np_prelu, _prelu_vjp,
    "y = x if x > 0 else x w (w broadcast into x; NaN: NaN);  dx = g if x > 0 else w g, "
    "dw = sum_to(0 if x > 0 else x g, w)", float_only=True, tf_type="Prelu")


def _leaky_rule(x: AVal, a: AVal | None = None, *, alpha: float = 0.0) -> AVal:
    # (``a``: the CUDA kernel's slope, a host scalar operand)
    _rules.require_float("leaky_relu", x)
    return AVal(x.shape, x.dtype)


def _leaky_grad_rule(g: AVal, x: AVal, a: AVal | None = None, *, alpha: float = 0.0) -> AVal:
    _rules.require_float("leaky_relu_grad", g)
    _rules.require_float("leaky_relu_grad", x)
    return AVal(_rules.broadcast_shapes("leaky_relu_grad", g.shape, x.shape), g.dtype)


_INPLACE_NEGATIVE = (
    "In-place leakyReLu backward calculation is triggered with a negative slope which is not "
    "supported. This is caused by calling in-place forward function with a negative slope, "
    "please call out-of-place version instead. File an issue at "
    "https://github.com/pytorch/pytorch if you do require supporting in-place leakRelu "
    "backward calculation with negative slope")


def _leaky_vjp(g, y, x, *, alpha, inplace=False):
    # ``inplace``: set on the node of PyTorch's in-place form (only there), whose backward
    # PyTorch computes from the result and so refuses a negative slope, with its message
    if inplace and alpha < 0:
        raise RuntimeError(_INPLACE_NEGATIVE)
    if _plain(g, x) and g.shape == x.shape:
        return (_cpu_leaky.leaky_relu_grad(g, x, alpha=alpha),)
    fe = lean2(g, x)
    if fe is not None:
        res = _leaky_lean(fe, g, y, x, alpha=alpha)
        if res is not None:
            return res
    return (leaky_relu_grad(g, x, alpha),)


def _leaky_lean(fe, g, y, x, *slope, alpha, inplace=False):
    """_leaky_vjp for concrete values of one shape (the front end's lane); not the in-place
    form's node, nor one with the CUDA kernel's slope operand (their rule runs in full)."""
    if slope or inplace or x._buf.shape != g._buf.shape:
        return None
    return (fe.apply(leaky_relu_grad_p, (g, x), {"alpha": float(alpha)}),)


def _leaky_grad_vjp(c, out, g, x, *, alpha):
    # piecewise linear in g, piecewise constant in x: dg = leaky_relu_grad(c, x), dx = 0: zeros,
    # not None, as PyTorch's leaky_relu_backward (self: zeros_like) and TF's _LeakyReluGradGrad,
    # so x still counts as used by a second derivative (autograd.grad without allow_unused)
    if _plain(c, g, x) and c.shape == g.shape == x.shape:
        return (lambda: _cpu_leaky.leaky_relu_grad(c, x, alpha=alpha), lambda: np.zeros_like(x))
    return (lambda: _sum_to(leaky_relu_grad(c, x, alpha), g), lambda: zeros_like(x))


leaky_relu_p = Primitive(
    "leaky_relu", _leaky_rule, _leaky_vjp, kind="other", tf_type="LeakyRelu",
    doc="y = x if x > 0 else x alpha (NaN: x alpha);  dx = leaky_relu_grad(g, x, alpha)",
    kernels={"cpu": _cpu_leaky.leaky_relu, "cuda": _cuda_leaky.leaky_relu})
leaky_relu_grad_p = Primitive(
    "leaky_relu_grad", _leaky_grad_rule, _leaky_grad_vjp, kind="other", tf_type="LeakyReluGrad",
    doc="y = g if x > 0 else g alpha;  dg = leaky_relu_grad(c, x, alpha), dx = 0 "
        "(piecewise constant)",
    kernels={"cpu": _cpu_leaky.leaky_relu_grad, "cuda": _cuda_leaky.leaky_relu_grad})


LEAN_VJPS[leaky_relu_p] = _leaky_lean


def leaky_relu_grad(g, x, alpha: float):
    return bind(leaky_relu_grad_p, g, x, alpha=float(alpha))


@exports({"torch.nn.functional": "leaky_relu", "tf.nn": "leaky_relu"}, "activation",
         float_only=False, tf_type="LeakyRelu", torch_params=(("negative_slope", 0.01),),
         tf_params=(("alpha", 0.2),))
def leaky_relu(x, alpha: float = 0.2):
    """``x`` where positive, ``alpha x`` elsewhere (an integer ``x``: as float32, as
    TensorFlow's ``tf.nn.leaky_relu``; PyTorch's front end refuses it first)."""
    if isinstance(alpha, np.ndarray):                   # (TF: ``alpha.item()``)
        alpha = alpha.item()
    d = aval_of(x).dtype
    if d.kind in "iu":
        x = cast(x, np.float32)
    return bind(leaky_relu_p, x, alpha=float(alpha))


# ----------------------------------------------------------------------------- eager relu's vjp
#: PyTorch's relu backward, ``threshold_backward(g, r, 0)``: ``0 where r <= 0, else g`` (r: relu's
#: output), so a NaN output passes its cotangent, where relu_grad (TensorFlow's ReluGrad, which
#: the static front end keeps) gives 0 there; the same values elsewhere.  Eager's relu nodes take
#: it: ``eager_relu_vjp`` is relu's PyTorch convention (``registry.convention_rules``).
threshold_backward_p = _ew_binary(
    "threshold_backward", "0 if {1} <= 0 else {0}", lambda g, r: np.where(r <= 0, 0, g),
    linear_in_g("threshold_backward"),
    "y = 0 where r <= 0, else g (r: relu's output; NaN passes g, as PyTorch's "
    "threshold_backward);  dg = threshold_backward(c, r), dr = 0 (piecewise constant: zeros, "
    "not None, as PyTorch's zeros_like, so relu's input counts as used by a second derivative)")


def threshold_backward(g, r):
    return bind(threshold_backward_p, g, r)


def eager_relu_vjp(g, y, x):
    """relu's vjp as PyTorch computes it (``threshold_backward``): eager's rule for relu nodes."""
    if type(g) is np.ndarray and _plain(g, y):
        return (threshold_backward_p.kernels["cpu"](g, y),)
    fe = lean2(g, y)
    return (fe.binary(threshold_backward_p, g, y) if fe is not None else
            threshold_backward(g, y),)


relu_p.options["vjp_conventions"] = {"torch": eager_relu_vjp}
