"""``torch.nn.modules.upsampling``: PyTorch's import path for these classes (``from
torch.nn.modules.upsampling import ...``); they are defined in ``dlcore_eager.nn``."""

from __future__ import annotations

from ..layers_long_tail import (
    UpsamplingBilinear2d,
    UpsamplingNearest2d,
)
from ..normalization import (
    Upsample,
)

__all__ = [
    "Upsample", "UpsamplingBilinear2d", "UpsamplingNearest2d",
]
