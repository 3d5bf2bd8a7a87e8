"""``torch.nn.modules.dropout``: PyTorch's import path for these classes (``from
torch.nn.modules.dropout import ...``); they are defined in ``dlcore_eager.nn``."""

from __future__ import annotations

from ..layers import (
    Dropout,
)
from ..layers_extra import (
    AlphaDropout,
    FeatureAlphaDropout,
)
from ..layers_long_tail import (
    Dropout1d,
    Dropout3d,
)
from ..normalization import (
    Dropout2d,
)

__all__ = [
    "AlphaDropout", "Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "FeatureAlphaDropout",
]
