"""``torch.nn.modules.adaptive``: PyTorch's import path for these classes (``from
torch.nn.modules.adaptive import ...``); they are defined in ``dlcore_eager.nn``."""

from __future__ import annotations

from ..adaptive import (  # noqa: F401
    AdaptiveLogSoftmaxWithLoss,
    _ASMoutput,
)

__all__ = [
    "AdaptiveLogSoftmaxWithLoss",
]
