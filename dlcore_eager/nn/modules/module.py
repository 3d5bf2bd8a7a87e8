"""``torch.nn.modules.module``: PyTorch's import path for these classes (``from
torch.nn.modules.module import ...``); they are defined in ``dlcore_eager.nn``."""

from __future__ import annotations

from ..module import (  # noqa: F401
    Module,
    _IncompatibleKeys,
)

__all__ = [
    "Module",
]
