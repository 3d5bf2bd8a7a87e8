"""``torch.nn.modules.flatten``: PyTorch's import path for these classes (``from
torch.nn.modules.flatten import ...``); they are defined in ``dlcore_eager.nn``."""

from __future__ import annotations

from ..layers import (
    Flatten,
)
from ..normalization import (
    Unflatten,
)

__all__ = [
    "Flatten", "Unflatten",
]
