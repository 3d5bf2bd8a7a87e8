"""Keras on the static engine (Keras 3.15's behaviour, Keras 2's names kept):
``from dlcore_static.keras.models import Sequential, Model``.

``engine.py`` (layers, Input, the graph of layers), ``training.py`` (compile/fit/evaluate/
predict), ``models.py`` (Sequential), ``layers/`` (core, merge, advanced activations),
``optimizers``, ``losses``, ``metrics``, ``callbacks``, ``backend`` (``K``), ``utils``,
``regularizers``, ``constraints``, ``initializers``, ``activations``, ``summary``, ``saving``
(model files and ``register_keras_serializable``), ``config`` (Keras 3's global settings).
"""

from . import (activations, backend, callbacks, config, constraints, datasets, initializers,
               layers, losses, metrics, models, ops, optimizers, preprocessing, random,
               regularizers, saving, tree, utils)
from . import _keras3_ops, _op_layers, _tf_op_lambda  # noqa: F401 - operation nodes (x + y)
from .engine import Input
from .models import Model, Sequential

# Keras 3.15.1's behaviour (what the front end follows), marked dlcore by a PEP 440 local
# version: ``version.parse(keras.__version__) >= version.parse("3")`` and
# ``int(keras.__version__.split(".")[0]) >= 3`` read it as Keras 3 (the old "2.2.4-dlcore" was
# no valid version: packaging raised InvalidVersion).  Model files still record the Keras
# version of their layout (``saving.KERAS_VERSION``).
__version__ = "3.15.1+dlcore"
