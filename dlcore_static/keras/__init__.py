"""Keras 2 on the static engine: ``from dlcore_static.keras.models import Sequential, Model``.

``engine.py`` (layers, Input, the graph of layers), ``training.py`` (compile/fit/evaluate/
predict), ``models.py`` (Sequential), ``layers/`` (core, merge, advanced activations),
``optimizers``, ``losses``, ``metrics``, ``callbacks``, ``backend`` (``K``), ``utils``,
``regularizers``, ``constraints``, ``initializers``, ``activations``, ``summary``, ``saving``
(model files and ``register_keras_serializable``).
"""

from . import (activations, backend, callbacks, constraints, datasets, initializers, layers,
               losses, metrics, models, ops, optimizers, preprocessing, random, regularizers,
               saving, utils)
from .engine import Input
from .models import Model, Sequential

__version__ = "2.2.4-dlcore"
