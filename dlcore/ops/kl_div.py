"""The pointwise terms of the Kullback-Leibler divergence loss (``F.kl_div`` before its
reduction) as elementwise primitives, PyTorch's ``kl_div`` forms::

    kl_div(x, t)        y = xlogy(t, t) - t x   (0 - t x where t == 0; NaN where t < 0)
                        dx = -t g,  dt = g (log t + t / t - x): NaN where t <= 0
    kl_div_log(x, t)    y = exp(t) (t - x)      (``log_target=True``)
                        dx = -exp(t) g,  dt = g exp(t) (t - x + 1)

(each cotangent summed back to its operand's shape where they broadcast).  One node where the
composite made eight (``xlogy`` as two wheres, a log, two products, comparisons): the
distillation loss ``F.kl_div(F.log_softmax(s / T, 1), F.softmax(t / T, 1), reduction=
'batchmean')``, see the closing note of the fifty-eighth session.  Operands of two dtypes keep
the composite (dlcore/ops/nn_functional.py)."""

from __future__ import annotations

import math

import numpy as np

from .broadcast import sum_to as _sum_to
from .elementwise import _binary, add, div, equal, exp, greater, log, mul, neg, sub, where


def _np_kl(x, t):
    with np.errstate(all="ignore"):
        return np.where(t == 0, t.dtype.type(0), t * np.log(t)) - t * x


def _np_kl_log(x, t):
    with np.errstate(all="ignore"):
        return np.exp(t) * (t - x)


def _kl_vjp(g, y, x, t):
    def d_t():
        # PyTorch's xlogy(t, t) gradient: log t (0 where t == 0, NaN below) plus t / t (0/0
        # = NaN at t == 0, and so is its own derivative there: a second derivative is NaN
        # where a target is 0, as PyTorch's, even under a zero cotangent)
        pos = greater(t, 0.0)
        lg = where(pos, log(where(pos, t, 1.0)), where(equal(t, 0.0), 0.0, math.nan))
        return _sum_to(mul(g, sub(add(lg, div(t, t)), x)), t)
    return (lambda: _sum_to(neg(mul(g, t)), x), d_t)


def _kl_log_vjp(g, y, x, t):
    return (lambda: _sum_to(neg(mul(g, exp(t))), x),
            lambda: _sum_to(mul(mul(g, exp(t)), add(sub(t, x), 1.0)), t))


kl_div_p = _binary(
    "kl_div", "(0.0 if {1} == 0 else {1} * math.log({1})) - {1} * {0}", _np_kl, _kl_vjp,
    "y = xlogy(t, t) - t x;  dx = -t g, dt = g (log t + t / t - x) (NaN where t <= 0)",
    float_only=True)
kl_div_log_p = _binary(
    "kl_div_log", "math.exp({1}) * ({1} - {0})", _np_kl_log, _kl_log_vjp,
    "y = exp(t) (t - x);  dx = -exp(t) g, dt = g exp(t) (t - x + 1)", float_only=True)
