"""``torch.nn.modules.linear``: PyTorch's import path for these classes (``from
torch.nn.modules.linear import ...``); they are defined in ``dlcore_eager.nn``."""

from __future__ import annotations

from ..layers import (
    Identity,
    Linear,
)
from ..layers_extra import (
    Bilinear,
)
from ..lazy import (
    LazyLinear,
)

__all__ = [
    "Bilinear", "Identity", "LazyLinear", "Linear",
]
