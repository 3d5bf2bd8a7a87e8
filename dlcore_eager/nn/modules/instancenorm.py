"""``torch.nn.modules.instancenorm``: PyTorch's import path for these classes (``from
torch.nn.modules.instancenorm import ...``); they are defined in ``dlcore_eager.nn``."""

from __future__ import annotations

from ..layers_long_tail import (  # noqa: F401
    InstanceNorm1d,
    InstanceNorm2d,
    InstanceNorm3d,
    _InstanceNorm,
)

__all__ = [
    "InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d",
]
