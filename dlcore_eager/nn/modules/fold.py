"""``torch.nn.modules.fold``: PyTorch's import path for these classes (``from
torch.nn.modules.fold import ...``); they are defined in ``dlcore_eager.nn``."""

from __future__ import annotations

from ..layers_long_tail import (
    Fold,
    Unfold,
)

__all__ = [
    "Fold", "Unfold",
]
