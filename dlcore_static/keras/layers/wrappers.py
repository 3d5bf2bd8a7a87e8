"""``keras.layers.wrappers``: Keras 2's module path of ``TimeDistributed`` and
``Bidirectional`` (defined in recurrent.py)."""

from .recurrent import Bidirectional, TimeDistributed

__all__ = ["Bidirectional", "TimeDistributed"]
