"""``torch.nn.modules.lazy``: PyTorch's import path for these classes (``from
torch.nn.modules.lazy import ...``); they are defined in ``dlcore_eager.nn``."""

from __future__ import annotations

from ..lazy import (
    LazyModuleMixin,
)

__all__ = [
    "LazyModuleMixin",
]
