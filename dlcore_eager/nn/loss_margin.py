"""Margin losses: ``HingeEmbeddingLoss``, ``SoftMarginLoss``, ``MultiMarginLoss``,
``MultiLabelMarginLoss`` and ``TripletMarginWithDistanceLoss``, each calling its ``torch.nn.functional`` composite
(dlcore/ops/nn_losses_extra.py) with the options given at construction."""

from __future__ import annotations

from ..tensor import Tensor
from . import functional as F
from . import functional_margin as _fm
from .loss import _Loss


class _PlainLoss(_Loss):
    """PyTorch's losses keep ``reduction`` as given (a bad one fails when called) and show no
    options in their repr."""

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, "mean")
        if size_average is None and reduce is None:
            self.reduction = reduction

    def extra_repr(self) -> str:          # PyTorch's losses show no options
        return ""


class HingeEmbeddingLoss(_PlainLoss):
    def __init__(self, margin: float = 1.0, size_average=None, reduce=None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.hinge_embedding_loss(input, target, self.margin, reduction=self.reduction)


class SoftMarginLoss(_PlainLoss):
    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.soft_margin_loss(input, target, reduction=self.reduction)


class MultiMarginLoss(_PlainLoss):
    def __init__(self, p: int = 1, margin: float = 1.0, weight: Tensor | None = None,
                 size_average=None, reduce=None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        if p != 1 and p != 2:
            raise ValueError("only p == 1 and p == 2 supported")
        if weight is not None and weight.dim() != 1:
            raise ValueError(f"MultiMarginLoss: expected weight to be None or 1D tensor, got "
                             f"{weight.dim()}D instead")
        self.register_buffer("weight", weight)
        self.p, self.margin = p, margin

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return _fm.multi_margin_loss(input, target, self.p, self.margin, self.weight,
                                      reduction=self.reduction)


class TripletMarginWithDistanceLoss(_PlainLoss):
    def __init__(self, *, distance_function=None, margin: float = 1.0, swap: bool = False,
                 reduction: str = "mean") -> None:
        super().__init__(reduction=reduction)
        if margin <= 0:
            raise ValueError(f"TripletMarginWithDistanceLoss: expected margin to be greater "
                             f"than 0, got {margin} instead")
        from .layers_extra import PairwiseDistance
        self.distance_function = distance_function if distance_function is not None else \
            PairwiseDistance()
        self.margin, self.swap = margin, swap

    def forward(self, anchor: Tensor, positive: Tensor, negative: Tensor) -> Tensor:
        return _fm.triplet_margin_with_distance_loss(
            anchor, positive, negative, distance_function=self.distance_function,
            margin=self.margin, swap=self.swap, reduction=self.reduction)


class MultiLabelMarginLoss(_PlainLoss):
    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return _fm.multilabel_margin_loss(input, target, reduction=self.reduction)
