"""``torch.nn.modules.normalization``: PyTorch's import path for these classes (``from
torch.nn.modules.normalization import ...``); they are defined in ``dlcore_eager.nn``."""

from __future__ import annotations

from ..layers_extra import (
    GroupNorm,
    LayerNorm,
)
from ..layers_long_tail import (
    LocalResponseNorm,
    RMSNorm,
)
from ..normalization_more import (
    CrossMapLRN2d,
)

__all__ = [
    "CrossMapLRN2d", "GroupNorm", "LayerNorm", "LocalResponseNorm", "RMSNorm",
]
