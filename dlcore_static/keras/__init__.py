"""Keras on the static engine: ``from dlcore_static.keras.models import Sequential``.

Each model builds a graph and a Session underneath (``models.py``); layers are in
``keras.layers`` (also ``keras.layers.core``), optimizers in ``keras.optimizers``, losses in
``keras.losses``, ``History`` and the progress bar in ``keras.callbacks``.
"""

from . import activations, callbacks, layers, losses, models, optimizers
from .models import Sequential
