"""``torch.nn.modules.channelshuffle``: PyTorch's import path for these classes (``from
torch.nn.modules.channelshuffle import ...``); they are defined in ``dlcore_eager.nn``."""

from __future__ import annotations

from ..layers_long_tail import (
    ChannelShuffle,
)

__all__ = [
    "ChannelShuffle",
]
