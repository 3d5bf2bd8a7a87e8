"""The margin and class-weighted losses of ``torch.nn.functional`` that need this front end:
PyTorch's host checks of class-index targets (``multi_margin_loss``,
``multilabel_margin_loss``), its refusal of a class weight of another dtype than the input
(``check_class_weight``, also nll_loss's and cross_entropy's), and
``triplet_margin_with_distance_loss`` with any distance function.  The maths are dlcore's ops
(dlcore/ops/nn_losses_extra.py, nn_functional.py); no gradient is written here.
"""

from __future__ import annotations

import numpy as np

from dlcore import ops as _ops
from dlcore.ops import nn_losses_extra as _ml

from .. import _tensor_ops as O
from .._dtype_guards import _legacy
from .._graph import labelled
from .._state import STATE
from ..tensor import Tensor


# ----------------------------------------------------------------------------- triplet
def triplet_margin_with_distance_loss(anchor: Tensor, positive: Tensor, negative: Tensor, *,
                                      distance_function=None, margin: float = 1.0,
                                      swap: bool = False, reduction: str = "mean") -> Tensor:
    """``max(d(a, p) - d(a, n) + margin, 0)`` with any distance function (default
    ``pairwise_distance``); ``swap`` uses ``min(d(a, n), d(p, n))``.

    Example::

        >>> a, p, n = torch.randn(4, 3), torch.randn(4, 3), torch.randn(4, 3)
        >>> torch.nn.functional.triplet_margin_with_distance_loss(a, p, n).shape
        torch.Size([])
    """
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    if not anchor.ndim == positive.ndim == negative.ndim:
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have "
                           f"the same number of dimensions, but got: anchor {anchor.ndim}D, "
                           f"positive {positive.ndim}D, and negative {negative.ndim}D inputs")
    if distance_function is None:
        from dlcore.ops import nn_functional as _nnf
        distance_function = _nnf.pairwise_distance
    d_pos = distance_function(anchor, positive)
    d_neg = distance_function(anchor, negative)
    if swap:                            # (torch.min: a tie's cotangent split, as PyTorch's)
        from .._operand_rules import split_ties
        d_swap = distance_function(positive, negative)
        d_neg = split_ties(_ops.minimum(d_neg, d_swap), d_neg, d_swap)
    loss = _ops.maximum(O.add_(O.sub_(d_pos, d_neg), margin), 0.0)
    if reduction == "sum":
        return _ops.sum(loss)
    return _ops.mean(loss) if reduction == "mean" else loss


# ----------------------------------------------------------------------------- class margins
def _host_targets(target: Tensor) -> np.ndarray:
    if not isinstance(target, Tensor) or target._buf.dtype.kind not in "iu":
        names = {"float16": "Half", "float32": "Float", "float64": "Double", "bool": "Bool"}
        got = names.get(target._buf.dtype.name, target._buf.dtype.name) \
            if isinstance(target, Tensor) else type(target).__name__
        raise RuntimeError(f"expected scalar type Long but found {got}")
    return np.asarray(target.detach().cpu()._buf)


def not_differentiable(fn: str, arg: str, t) -> None:
    """PyTorch's refusal, at the call, of an argument its kernel has no gradient for (a class
    weight, BCE's weights, soft_margin_loss's target) that requires grad in grad mode (dlcore
    took it and gave it a gradient)."""
    if isinstance(t, Tensor) and t._rg and STATE.enabled:
        raise RuntimeError(f"The function '{fn}' is not differentiable with respect to argument "
                           f"'{arg}'. This input cannot have requires_grad True.")


def check_class_weight(input, weight, fn: str = "nll_loss_forward") -> None:
    """PyTorch's refusal of a class ``weight`` that requires grad (``not_differentiable``), or
    of another dtype than the input (nll_loss, cross_entropy with class indices,
    multi_margin_loss: ``expected scalar type Double but found Float``; dlcore promoted).
    Inside the functions: after autocast's casts."""
    not_differentiable(fn, "weight", weight)
    if isinstance(weight, Tensor) and isinstance(input, Tensor) and \
            weight._buf.dtype != input._buf.dtype:
        raise RuntimeError(f"expected scalar type {_legacy(input._buf.dtype)} but found "
                           f"{_legacy(weight._buf.dtype)}")


def multi_margin_loss(input: Tensor, target: Tensor, p: int = 1, margin: float = 1.0,
                      weight: Tensor | None = None, size_average=None, reduce=None,
                      reduction: str = "mean") -> Tensor:
    """The multi-class hinge loss ``sum_{j != y} w_y max(0, margin - x_y + x_j)^p / C`` per
    row of ``input (N, C)`` or ``(C,)``; ``target`` holds class indices, ``p`` is 1 or 2.

    Example::

        >>> x = torch.tensor([[0.1, 0.2, 0.4, 0.8]])
        >>> torch.nn.functional.multi_margin_loss(x, torch.tensor([3]))
        tensor(0.3250)
    """
    check_class_weight(input, weight, "multi_margin_loss")
    t = _host_targets(target)
    c = input.shape[-1] if input.ndim else 1
    if t.size and (t.min() < 0 or t.max() >= c) and t.ndim <= 1 and \
            t.size == (input.shape[0] if input.ndim == 2 else 1):
        raise RuntimeError("target out of range")
    if weight is not None and weight.dim() != 1:
        raise ValueError(f"weight must be one-dimensional, but got {weight.dim()}D")
    return labelled(_ml.multi_margin_loss(input, target, p, margin, weight, size_average, reduce,
                                          reduction), "MultiMarginLossBackward0", input)


def multilabel_margin_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                           reduction: str = "mean") -> Tensor:
    """``sum_{j in T} sum_{k not in T} max(0, 1 - (x_j - x_k)) / C`` per row, ``T`` the class
    indices at the start of the target row, up to its first -1.

    Example::

        >>> x = torch.tensor([[0.1, 0.2, 0.4, 0.8]])
        >>> torch.nn.functional.multilabel_margin_loss(x, torch.tensor([[3, 0, -1, 1]]))
        tensor(0.8500)
    """
    t = _host_targets(target)
    if tuple(t.shape) == tuple(input.shape) and t.size:
        c = input.shape[-1]
        first = np.where(t == -1, 1, 0).cumsum(-1) == 0          # before the first -1
        used = t[first]
        if used.size and (used.min() < 0 or used.max() >= c):
            raise RuntimeError("argument #2 'target' is out of range")
    return _ml.multilabel_margin_loss(input, target, size_average, reduce, reduction)
