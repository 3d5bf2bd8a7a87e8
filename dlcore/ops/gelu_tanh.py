"""GELU's tanh approximation (``F.gelu(x, approximate='tanh')``) as one elementwise primitive
each way, PyTorch's forms::

    gelu_tanh(x)         = 0.5 x (1 + t),  t = tanh(b (x + k x^3)),  b = sqrt(2/pi), k = 0.044715
    gelu_tanh_grad(g, x) = g (0.5 (1 + t) + 0.5 x (1 - t^2) b (1 + 3 k x^2))

(PyTorch's gelu and gelu_backward with approximate='tanh'), where the composite made seven
nodes forward and a dozen backward (64x128 float32, one thread: 36 us forward against
PyTorch's 14.8, issue 19).  The second derivative is ``c g (1 - t^2) (h - x t h^2 + 3 k b x^2)``
with ``h = b (1 + 3 k x^2)``.  float32 CPU kernels: ``_fast32``'s PyTorch forms (``tanh32``) in
one vectorised pass; other dtypes and CUDA the kernels generated from the expressions.  The
exact GELU is ``activations.gelu_p``.
"""

from __future__ import annotations

import math

import numpy as np

from ..kernels.cpu import transcendental as _cpu_tr
from ..registry import bind
from ._fastpath import LEAN_VJPS
from .activations import _dx_by
from .broadcast import sum_to as _sum_to
from .elementwise import _binary as _ew_binary
from .elementwise import _unary as _ew_unary
from .elementwise import add, mul, sub, tanh

BETA = math.sqrt(2.0 / math.pi)
KAPPA = 0.044715
_T = f"math.tanh({BETA!r} * ({{1}} + {KAPPA!r} * {{1}} * {{1}} * {{1}}))"


def _np_gelu_tanh(x):
    t = np.tanh(BETA * (x + KAPPA * x * x * x))
    return (0.5 * x * (1 + t)).astype(x.dtype)


def _np_gelu_tanh_grad(g, x):
    t = np.tanh(BETA * (x + KAPPA * x * x * x))
    h = BETA * (1 + 3 * KAPPA * x * x)
    return (g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * h)).astype(np.result_type(g, x))


def _gelu_tanh_grad_vjp(c, out, g, x):
    # dg = gelu_tanh_grad(c, x); dx = c g (1 - t^2) (h - x t h^2 + 3 k b x^2)
    xx = mul(x, x)
    t = tanh(mul(add(x, mul(mul(xx, x), KAPPA)), BETA))
    h = mul(add(mul(xx, 3 * KAPPA), 1.0), BETA)
    inner = add(sub(h, mul(mul(x, t), mul(h, h))), mul(xx, 3 * KAPPA * BETA))
    return (lambda: _sum_to(bind(gelu_tanh_grad_p, c, x), g),
            lambda: _sum_to(mul(mul(mul(c, g), sub(1.0, mul(t, t))), inner), x))


gelu_tanh_grad_p = _ew_binary(
    "gelu_tanh_grad",
    f"{{0}} * (0.5 * (1.0 + {_T}) + 0.5 * {{1}} * (1.0 - {_T} * {_T}) * {BETA!r} * "
    f"(1.0 + {3 * KAPPA!r} * {{1}} * {{1}}))", _np_gelu_tanh_grad, _gelu_tanh_grad_vjp,
    "y = g (0.5 (1 + t) + 0.5 x (1 - t^2) b (1 + 3 k x^2));  dg = gelu_tanh_grad(c, x),  "
    "dx = c g (1 - t^2) (h - x t h^2 + 3 k b x^2), h = b (1 + 3 k x^2)", float_only=True)
_gelu_tanh_vjp, _gelu_tanh_lean = _dx_by(gelu_tanh_grad_p)
gelu_tanh_p = _ew_unary(
    "gelu_tanh", "0.5 * {0} * (1.0 + " + _T.replace("{1}", "{0}") + ")", _np_gelu_tanh,
    _gelu_tanh_vjp, "y = 0.5 x (1 + tanh(b (x + k x^3))), b = sqrt(2/pi), k = 0.044715;  "
    "dx = gelu_tanh_grad(g, x)")
LEAN_VJPS[gelu_tanh_p] = _gelu_tanh_lean
gelu_tanh_p.kernels["cpu"] = _cpu_tr.float32_entry(gelu_tanh_p.kernels["cpu"], _cpu_tr.gelu_tanh)
gelu_tanh_grad_p.kernels["cpu"] = _cpu_tr.float32_pair_entry(gelu_tanh_grad_p.kernels["cpu"],
                                                             "gelu_tanh_grad32_into")
