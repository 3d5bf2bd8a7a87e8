"""``F.ctc_loss`` and ``nn.CTCLoss``: PyTorch's names over dlcore's ``ctc_loss`` primitive
(dlcore/ops/ctc.py), whose gradient is PyTorch's ``ctc_loss_backward``.

``log_probs`` is ``(T, N, C)`` (or ``(T, C)`` unbatched) log-probabilities, usually a
``log_softmax`` output; ``targets`` padded ``(N, S)`` or concatenated ``(sum(target_lengths),)``;
the lengths tensors, lists or tuples.  Reductions as PyTorch: ``'none'`` the per-element losses,
``'sum'`` their sum, ``'mean'`` each loss divided by its target length (clamped to 1), then
averaged over the batch.  ``zero_infinity`` replaces an impossible alignment's inf loss (and its
NaN gradient) by zeros.
"""

from __future__ import annotations

import numpy as np

from dlcore.ops import ctc as _ctc

from .._arg_checks import not_tensor
from ..tensor import Tensor
from .module import Module


def _long(x, ref: Tensor, what: str) -> Tensor:
    """Lengths or targets as an int64 tensor on ``ref``'s device (lists and tuples as
    PyTorch's IntArrayRef)."""
    if isinstance(x, Tensor):
        t = x.detach()
        if t._buf.dtype.kind == "b":
            raise RuntimeError(f"ctc_loss: {what} must be an integer tensor, got Bool")
        if t._buf.dtype != np.int64:
            t = t.long()
    else:
        from ..creation import tensor
        arr = np.asarray(x)
        if arr.dtype.kind not in "iu":
            raise TypeError(f"ctc_loss(): argument '{what}' must be a tuple of ints or a "
                            f"Tensor, not {type(x).__name__}")
        t = tensor(arr.astype(np.int64))
    return t if t.device == ref.device else t.to(ref.device)


def ctc_loss(log_probs: Tensor, targets: Tensor, input_lengths, target_lengths,
             blank: int = 0, reduction: str = "mean", zero_infinity: bool = False) -> Tensor:
    """The Connectionist Temporal Classification loss (Graves et al. 2006).

    Example::

        >>> import dlcore_eager as torch
        >>> lp = torch.zeros(3, 1, 2).log_softmax(2)
        >>> torch.nn.functional.ctc_loss(lp, torch.tensor([[1]]), [3], [1], reduction='sum')
        tensor(0.2877)
    """
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if not isinstance(log_probs, Tensor):
        raise not_tensor("ctc_loss", "log_probs", 1, log_probs)
    unbatched = log_probs.dim() == 2
    if log_probs.dim() not in (2, 3):
        raise RuntimeError(f"ctc_loss: expected log_probs to be a 2-D (T, C) or 3-D (T, N, C) "
                           f"tensor, but got {log_probs.dim()}-D with shape "
                           f"{list(log_probs.shape)}")
    if not 0 <= blank < log_probs.shape[-1]:
        raise RuntimeError("blank must be in label range")
    tg = _long(targets, log_probs, "targets")
    il = _long(input_lengths, log_probs, "input_lengths")
    tl = _long(target_lengths, log_probs, "target_lengths")
    lp = log_probs
    if unbatched:
        lp = lp.unsqueeze(1)
        tg = tg.unsqueeze(0) if tg.dim() == 1 else tg
        il, tl = il.reshape(-1), tl.reshape(-1)
    n = lp.shape[1]
    if il.dim() != 1 or il.shape[0] != n:
        raise RuntimeError("input_lengths must be of size batch_size")
    if tl.dim() != 1 or tl.shape[0] != n:
        raise RuntimeError("target_lengths must be of size batch_size")
    loss = _ctc.ctc_loss(lp, tg, il, tl, blank, zero_infinity)
    if unbatched:
        loss = loss.squeeze(0)
    if reduction == "sum":
        return loss.sum()
    if reduction == "mean":
        div = tl.clamp(min=1).to(loss.dtype)
        return (loss / (div.squeeze(0) if unbatched else div)).mean()
    return loss


class CTCLoss(Module):
    """``nn.CTCLoss(blank=0, reduction='mean', zero_infinity=False)``: see :func:`ctc_loss`.

    A ``Module`` with ``_Loss``'s ``reduction`` check rather than a ``_Loss`` subclass: ``loss``
    imports ``functional``, which imports this module for ``ctc_loss`` (no import cycle)."""

    def __init__(self, blank: int = 0, reduction: str = "mean",
                 zero_infinity: bool = False) -> None:
        super().__init__()
        if reduction not in ("mean", "sum", "none"):
            raise ValueError(f"{reduction} is not a valid value for reduction")
        self.blank = blank
        self.reduction = reduction
        self.zero_infinity = zero_infinity

    def forward(self, log_probs: Tensor, targets: Tensor, input_lengths,
                target_lengths) -> Tensor:
        return ctc_loss(log_probs, targets, input_lengths, target_lengths, self.blank,
                        self.reduction, self.zero_infinity)
