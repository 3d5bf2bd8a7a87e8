"""``keras.layers.embeddings``: Keras 2's module path of ``Embedding`` (defined in recurrent.py)."""

from .recurrent import Embedding

__all__ = ["Embedding"]
