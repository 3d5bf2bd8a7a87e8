"""``torch.nn.modules.transformer``: PyTorch's import path for these classes (``from
torch.nn.modules.transformer import ...``); they are defined in ``dlcore_eager.nn``."""

from __future__ import annotations

from ..transformer import (
    Transformer,
    TransformerDecoder,
    TransformerDecoderLayer,
    TransformerEncoder,
    TransformerEncoderLayer,
)

__all__ = [
    "Transformer", "TransformerDecoder", "TransformerDecoderLayer",
    "TransformerEncoder", "TransformerEncoderLayer",
]
