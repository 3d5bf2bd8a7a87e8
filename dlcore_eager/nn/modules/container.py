"""``torch.nn.modules.container``: PyTorch's import path for these classes (``from
torch.nn.modules.container import ...``); they are defined in ``dlcore_eager.nn``."""

from __future__ import annotations

from ..containers import (
    ModuleDict,
    ParameterDict,
    ParameterList,
)
from ..layers import (
    ModuleList,
    Sequential,
)

__all__ = [
    "ModuleDict", "ModuleList", "ParameterDict", "ParameterList", "Sequential",
]
