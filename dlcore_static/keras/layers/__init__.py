"""``keras.layers`` (and ``keras.layers.core``)."""

from . import core
from .core import Activation, Dense, Dropout, Flatten, InputLayer, Layer
