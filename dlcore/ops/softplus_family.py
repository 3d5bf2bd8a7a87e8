"""log_sigmoid and mish, the activations built on softplus, as elementwise primitives::

    logsigmoid(x) = min(0, x) - log1p(exp(-|x|))        dx = g sigmoid(-x)
    mish(x)       = x tanh(log1p(exp(x)))               dx = g (t + x s (1 - t^2))
                                                        (t = tanh(softplus(x)), s = sigmoid(x))

Each is one node each way (``logsigmoid_p`` and ``logsigmoid_grad_p``: PyTorch's log_sigmoid
and log_sigmoid_backward, ``g (1 - z / (1 + z))`` below 0 and ``g z / (1 + z)`` elsewhere,
``z = exp(-|x|)``; ``mish_p`` and ``mish_grad_p``: PyTorch's mish and mish_backward, mish
without softplus' threshold, as PyTorch's), where the composites ``-softplus(-x)`` and
``x tanh(softplus(x))`` made three forward nodes and more backward (64x128 float32, one
thread: logsigmoid 99 us against PyTorch's 13.4, mish 102 against 32.5; issue 19).  Their
float32 CPU kernels are ``_fast32``'s PyTorch forms (``exp32``, ``log1p32``, ``tanh32``) in one
vectorised pass; other dtypes and CUDA take the kernels generated from the expressions.

The second derivatives are PyTorch's: log_sigmoid_double_backward ``c g (s - 1) s`` and, from
mish's ``(1 - t^2) s (2 + x (1 - s) - 2 x s t)``, what PyTorch's differentiable mish_backward
gives in grad mode (except in float32 above x = 88.7, where its exp overflows and the second
derivative it gives is NaN: 0 here).  Both are elementwise kinds, so the static compiler fuses
them into their neighbours' loops.

``bce_logits_p`` is PyTorch's binary_cross_entropy_with_logits term (no weights),
``(1 - z) x - log_sigmoid(x)``, one binary elementwise node whose gradients ``g (sigmoid(x) -
z)`` and ``-x g`` are composites (F.binary_cross_entropy_with_logits of float32/float64).
"""

from __future__ import annotations

import numpy as np

from ..api import exports
from ..kernels.cpu import transcendental as _cpu_tr
from ..registry import bind
from ._fastpath import LEAN_VJPS
from .activations import _dx_by, softplus
from .broadcast import sum_to as _sum_to
from .elementwise import _binary as _ew_binary
from .elementwise import _unary as _ew_unary
from .elementwise import add, mul, neg, sigmoid, sub, tanh

_F = "torch.nn.functional"


# ----------------------------------------------------------------------------- log_sigmoid
def _np_logsigmoid(x):
    with np.errstate(over="ignore", invalid="ignore"):
        return (np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))).astype(x.dtype)


def _np_logsigmoid_grad(g, x):
    with np.errstate(over="ignore", invalid="ignore"):
        z = np.exp(-np.abs(x))
        q = z / (1 + z)
        return (np.where(x < 0, 1 - q, q) * g).astype(g.dtype)


def _logsigmoid_grad_vjp(c, out, g, x):
    # dg = logsigmoid_grad(c, x); dx = c g (s - 1) s, s = sigmoid(x) (PyTorch's
    # log_sigmoid_double_backward)
    s = sigmoid(x)
    return (lambda: _sum_to(bind(logsigmoid_grad_p, c, x), g),
            lambda: _sum_to(mul(mul(mul(c, g), sub(s, 1.0)), s), x))


_Z = "math.exp(-abs({1}))"
logsigmoid_grad_p = _ew_binary(
    "logsigmoid_grad",
    f"((1.0 - {_Z} / (1.0 + {_Z})) if {{1}} < 0.0 else {_Z} / (1.0 + {_Z})) * {{0}}",
    _np_logsigmoid_grad, _logsigmoid_grad_vjp,
    "y = g (1 - z / (1 + z)) where x < 0, else g z / (1 + z), z = exp(-|x|);  "
    "dg = logsigmoid_grad(c, x),  dx = c g (s - 1) s, s = sigmoid(x)", float_only=True)
_logsigmoid_vjp, _logsigmoid_lean = _dx_by(logsigmoid_grad_p)
logsigmoid_p = _ew_unary(
    "logsigmoid", "({0} if {0} < 0.0 else 0.0) - math.log1p(math.exp(-abs({0})))",
    _np_logsigmoid, _logsigmoid_vjp,
    "y = min(0, x) - log1p(exp(-|x|)) (NaN: NaN);  dx = logsigmoid_grad(g, x)",
    tf_type="LogSigmoid")
LEAN_VJPS[logsigmoid_p] = _logsigmoid_lean


# ----------------------------------------------------------------------------- mish
def _np_mish(x):
    with np.errstate(over="ignore", invalid="ignore"):
        return (x * np.tanh(np.log1p(np.exp(x)))).astype(x.dtype)


def _np_mish_grad(g, x):
    with np.errstate(over="ignore", invalid="ignore"):
        s = 1 / (1 + np.exp(-x))
        t = np.tanh(np.log1p(np.exp(x)))
        return (g * (t + x * s * (1 - t * t))).astype(g.dtype)


def _mish_grad_vjp(c, out, g, x):
    # dg = mish_grad(c, x); dx = c g (1 - t^2) s (2 + x (1 - s) - 2 x s t)
    s, t = sigmoid(x), tanh(softplus(x))      # (softplus' threshold: tanh is 1 there anyway)
    xs = mul(x, s)
    inner = sub(add(sub(x, xs), 2.0), mul(mul(xs, t), 2.0))
    return (lambda: _sum_to(bind(mish_grad_p, c, x), g),
            lambda: _sum_to(mul(mul(mul(c, g), mul(sub(1.0, mul(t, t)), s)), inner), x))


_S = "(1.0 / (1.0 + math.exp(-{1})))"
_T = "math.tanh(math.log1p(math.exp({1})))"
mish_grad_p = _ew_binary(
    "mish_grad", f"{{0}} * ({_T} + {{1}} * {_S} * (1.0 - {_T} * {_T}))",
    _np_mish_grad, _mish_grad_vjp,
    "y = g (t + x s (1 - t^2)), t = tanh(log1p(exp(x))), s = sigmoid(x);  "
    "dg = mish_grad(c, x),  dx = c g (1 - t^2) s (2 + x (1 - s) - 2 x s t)", float_only=True)
_mish_vjp, _mish_lean = _dx_by(mish_grad_p)
mish_p = _ew_unary(
    "mish", "{0} * math.tanh(math.log1p(math.exp({0})))", _np_mish, _mish_vjp,
    "y = x tanh(log1p(exp(x))) (NaN: NaN);  dx = mish_grad(g, x)", tf_type="Mish")
LEAN_VJPS[mish_p] = _mish_lean

# float32: one vectorised pass each of PyTorch's float32 forms (``_fast32``)
for _p, _fn in ((logsigmoid_p, _cpu_tr.logsigmoid), (mish_p, _cpu_tr.mish)):
    _p.kernels["cpu"] = _cpu_tr.float32_entry(_p.kernels["cpu"], _fn)
for _p, _loop in ((logsigmoid_grad_p, "logsigmoid_grad32_into"),
                  (mish_grad_p, "mish_grad32_into")):
    _p.kernels["cpu"] = _cpu_tr.float32_pair_entry(_p.kernels["cpu"], _loop)


# ----------------------------------------------------------------------------- BCE with logits
# PyTorch's binary_cross_entropy_with_logits term (no weights): ``(1 - z) x - log_sigmoid(x)``,
# its gradients ``g (sigmoid(x) - z)`` and ``-x g``: one node forward where the composite
# made nine (4x10x32 float32 with its mean: 49 us against PyTorch's 18)
def _np_bce_logits(x, z):
    return ((1 - z) * x - _np_logsigmoid(x)).astype(np.result_type(x, z))


def _bce_logits_vjp(g, out, x, z):
    return (lambda: _sum_to(mul(g, sub(sigmoid(x), z)), x),
            lambda: _sum_to(mul(neg(x), g), z))


bce_logits_p = _ew_binary(
    "bce_logits", f"(1.0 - {{1}}) * {{0}} - (({{0}} if {{0}} < 0.0 else 0.0) - "
    f"math.log1p(math.exp(-abs({{0}}))))", _np_bce_logits, _bce_logits_vjp,
    "y = (1 - z) x - log_sigmoid(x);  dx = g (sigmoid(x) - z),  dz = -x g", float_only=True)
bce_logits_p.kernels["cpu"] = _cpu_tr.float32_pair_entry(bce_logits_p.kernels["cpu"],
                                                         "bce_logits32_into")


# ----------------------------------------------------------------------------- functions
@exports({_F: "logsigmoid", "tf.math": "log_sigmoid"}, "unary", float_only=True,
         tf_type="LogSigmoid")
def logsigmoid(x):
    """``log(sigmoid(x))`` as PyTorch computes it, ``min(0, x) - log1p(exp(-|x|))``: +0.0 at
    +inf, -inf at -inf (the primitive ``logsigmoid_p``)."""
    return bind(logsigmoid_p, x)


@exports({_F: "mish"}, "activation", float_only=True)
def mish(x):
    """``x tanh(softplus(x))`` as PyTorch computes it, ``x tanh(log1p(exp(x)))`` (the primitive
    ``mish_p``)."""
    return bind(mish_p, x)
