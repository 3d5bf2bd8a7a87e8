"""``torch.nn.modules.batchnorm``: PyTorch's import path for these classes (``from
torch.nn.modules.batchnorm import ...``); they are defined in ``dlcore_eager.nn``."""

from __future__ import annotations

from ..lazy import (  # noqa: F401
    LazyBatchNorm1d,
    LazyBatchNorm2d,
    LazyBatchNorm3d,
    _LazyNormBase,
)
from ..normalization import (  # noqa: F401
    BatchNorm1d,
    BatchNorm2d,
    BatchNorm3d,
    _BatchNorm,
)
from ..normalization_more import (
    SyncBatchNorm,
)

__all__ = [
    "BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "LazyBatchNorm1d", "LazyBatchNorm2d",
    "LazyBatchNorm3d", "SyncBatchNorm",
]
