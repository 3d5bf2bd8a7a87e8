"""``nn.utils``: helpers for modules; ``rnn`` packs and pads variable-length sequences."""

from . import rnn

__all__ = ["rnn"]
