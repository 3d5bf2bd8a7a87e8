"""``torch.nn.modules.sparse``: PyTorch's import path for these classes (``from
torch.nn.modules.sparse import ...``); they are defined in ``dlcore_eager.nn``."""

from __future__ import annotations

from ..embedding_bag import (
    EmbeddingBag,
)
from ..sparse import (
    Embedding,
)

__all__ = [
    "Embedding", "EmbeddingBag",
]
