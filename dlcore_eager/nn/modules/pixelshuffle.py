"""``torch.nn.modules.pixelshuffle``: PyTorch's import path for these classes (``from
torch.nn.modules.pixelshuffle import ...``); they are defined in ``dlcore_eager.nn``."""

from __future__ import annotations

from ..layers_long_tail import (
    PixelShuffle,
    PixelUnshuffle,
)

__all__ = [
    "PixelShuffle", "PixelUnshuffle",
]
