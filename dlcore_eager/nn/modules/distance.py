"""``torch.nn.modules.distance``: PyTorch's import path for these classes (``from
torch.nn.modules.distance import ...``); they are defined in ``dlcore_eager.nn``."""

from __future__ import annotations

from ..layers_extra import (
    CosineSimilarity,
    PairwiseDistance,
)

__all__ = [
    "CosineSimilarity", "PairwiseDistance",
]
