"""``keras.layers`` (and ``keras.layers.core``)."""

from . import core  # noqa: F401
from .core import Activation, Dense, Dropout, Flatten, InputLayer, Layer  # noqa: F401
