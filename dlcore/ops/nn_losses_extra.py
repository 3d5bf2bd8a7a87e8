"""Margin losses of ``torch.nn.functional`` as composites of dlcore's primitives (gradients from
theirs), and the elementwise binary cross-entropy primitive ``bce_p`` (its own vjp: PyTorch's
gradient formulas, finite at probabilities 0 and 1, which the clipped formula's are not).  ``reduction`` is 'mean' | 'sum' | 'none'; ``x`` the input, ``y`` the target::

    hinge_embedding(x, y, m)   x where y == 1, max(0, m - x) where y == -1
                               (PyTorch's form: where(y != 1, max(0, m - x), 0) +
                               where(y != -1, x, 0), so other targets add both)
    soft_margin(x, y)          log(1 + exp(-y x)), 'mean' over all elements
    multi_margin(x, y, p, m, w)   sum_{j != y} w_y max(0, m - x_y + x_j)^p / C  per row
    multilabel_margin(x, y)    sum_{j in T} sum_{k not in T} max(0, 1 - (x_j - x_k)) / C per
                               row; T = the class indices of y's row up to its first -1

Class indices become masks with ``one_hot``; ``multilabel_margin``'s valid prefix is a
``cumprod`` of ``y != -1`` along the row, so no target value is read on the host.  The two
class-index losses get their ``F.`` names from the eager front end, which first checks the
targets' range on the host as PyTorch does (an index out of range would otherwise be a row of
zeros in ``one_hot``, a silently wrong loss).
"""

from __future__ import annotations

import numpy as np

from ..api import exports
from ..registry import aval_of, bind
from .activations import softplus
from .composites import _reduce
from .elementwise import (
    _binary,
    _sum_to,
    add,
    cast,
    div,
    equal,
    log,
    maximum,
    mul,
    neg,
    not_equal,
    sub,
    where,
)
from .indexing import one_hot
from .reduce import sum
from .shape import expand_dims

_F = "torch.nn.functional"


# ----------------------------------------------------------------------------- binary cross-entropy
def _np_bce(x, y):
    with np.errstate(divide="ignore", invalid="ignore"):
        return -(y * np.maximum(np.log(x), -100.0) + (1 - y) * np.maximum(np.log1p(-x), -100.0))


#: PyTorch's EPSILON, a C++ float: 1e-12 rounded to float32 (9.99999996e-13)
_BCE_EPS = float(np.float32(1e-12))


def _bce_vjp(g, out, x, y):
    from .math_unary import log1p
    return (lambda: _sum_to(mul(g, div(sub(x, y), maximum(mul(x, sub(1.0, x)), _BCE_EPS))), x),
            lambda: _sum_to(mul(g, sub(log1p(neg(x)), log(x))), y))


bce_p = _binary(
    "binary_cross_entropy",
    "-({1} * max((math.log({0}) if {0} > 0 else -math.inf), -100.0) + (1.0 - {1}) * "
    "max((math.log1p(-{0}) if {0} < 1 else -math.inf), -100.0))",
    _np_bce, _bce_vjp,
    "y = -(t max(log x, -100) + (1 - t) max(log(1 - x), -100))  (PyTorch's CPU kernel);  "
    "dx = g (x - t) / max(x (1 - x), 1e-12),  dt = g (log(1 - x) - log x)  (PyTorch's "
    "binary_cross_entropy_backward and target backward: finite at x = 0 and 1, where the "
    "clipped formula's own derivative is 0)", float_only=True)


def binary_cross_entropy_elementwise(x, t):
    """The unreduced, unweighted binary cross-entropy of probabilities ``x`` and targets ``t``
    (one primitive, so its gradient is PyTorch's formula, and its double backward the
    derivative of that formula)."""
    return bind(bce_p, x, t)


def _check(reduction: str, size_average=None, reduce=None) -> str:
    """The reduction, with PyTorch's legacy ``size_average``/``reduce`` mapped onto it (and its
    deprecation warning)."""
    if size_average is not None or reduce is not None:
        import warnings
        sa = True if size_average is None else size_average
        rd = True if reduce is None else reduce
        reduction = "mean" if sa and rd else "sum" if rd else "none"
        warnings.warn(f"size_average and reduce args will be deprecated, please use "
                      f"reduction='{reduction}' instead.", UserWarning, stacklevel=4)
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


@exports({_F: "hinge_embedding_loss"}, "args", float_only=True)
def hinge_embedding_loss(input, target, margin: float = 1.0, size_average=None, reduce=None,
                         reduction: str = "mean"):
    """``x`` where ``y == 1``, ``max(0, margin - x)`` where ``y == -1``."""
    reduction = _check(reduction, size_average, reduce)
    clamp = maximum(sub(margin, input), 0.0)
    loss = add(where(not_equal(target, 1), clamp, 0.0), where(not_equal(target, -1), input, 0.0))
    return _reduce(loss, reduction)


@exports({_F: "soft_margin_loss"}, "args", float_only=True)
def soft_margin_loss(input, target, size_average=None, reduce=None, reduction: str = "mean"):
    """``log(1 + exp(-y x))`` (a softplus), averaged over every element with 'mean'."""
    reduction = _check(reduction, size_average, reduce)
    return _reduce(softplus(neg(mul(target, input))), reduction)


def multi_margin_loss(input, target, p: int = 1, margin: float = 1.0, weight=None,
                      size_average=None, reduce=None, reduction: str = "mean"):
    """Multi-class hinge loss: ``sum_{j != y} w_y max(0, margin - x_y + x_j)^p / C`` per row
    of ``x (N, C)`` or ``(C,)``; ``p`` is 1 or 2."""
    reduction = _check(reduction, size_average, reduce)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    av = aval_of(input)
    c = av.shape[-1]
    n = av.shape[0] if av.ndim == 2 else 1
    ts = tuple(aval_of(target).shape)
    if av.ndim > 2 or len(ts) > 1 or (ts[0] if ts else 1) != n:
        raise RuntimeError(f"multi_margin_loss: target tensor should be 1-D with size equal to "
                           f"the number of input samples (batch size). Expected target size "
                           f"[{n}], but got {list(ts)}. Input has shape {list(av.shape)}.")
    oh = one_hot(target, c, av.dtype)
    xy = sum(mul(input, oh), -1, True)
    z = maximum(add(sub(input, xy), margin), 0.0)
    if p == 2:
        z = mul(z, z)
    if weight is not None:
        z = mul(z, sum(mul(oh, weight), -1, True))
    z = where(equal(oh, 1.0), 0.0, z)
    return _reduce(div(sum(z, -1), float(c)), reduction)


def multilabel_margin_loss(input, target, size_average=None, reduce=None,
                           reduction: str = "mean"):
    """``sum_{j in T} sum_{k not in T} max(0, 1 - (x_j - x_k)) / C`` per row, ``T`` the class
    indices in the target row before its first -1."""
    from .scan import cumprod, take_along_axis
    reduction = _check(reduction, size_average, reduce)
    av = aval_of(input)
    c = av.shape[-1]
    dt = av.dtype
    if tuple(aval_of(target).shape) != tuple(av.shape):
        raise RuntimeError(f"inconsistent target size: {list(aval_of(target).shape)} for input "
                           f"of size: {list(av.shape)}")
    valid = cumprod(cast(not_equal(target, -1), dt), -1)            # 1 up to the first -1
    safe = where(equal(valid, 1.0), target, 0)
    member = mul(one_hot(safe, c, dt), expand_dims(valid, -1))      # (..., P, C)
    is_target = cast(not_equal(sum(member, -2), 0.0), dt)           # (..., C)
    xj = take_along_axis(input, safe, -1)                           # (..., P)
    hinge = maximum(add(sub(expand_dims(input, -2), expand_dims(xj, -1)), 1.0), 0.0)
    keep = mul(expand_dims(valid, -1), expand_dims(sub(1.0, is_target), -2))
    loss = div(sum(sum(mul(hinge, keep), -1), -1), float(c))
    return _reduce(loss, reduction)
