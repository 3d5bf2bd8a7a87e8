"""The Keras history of symbolic tensors and the layer-name counters: the state that the
layers (``engine``), the backend (``clear_session``, ``is_keras_tensor``) and ``summary`` share.

``HISTORY`` maps an output tensor to ``(layer, node index, tensor index)``: the call of a layer
that made it, so a model can walk from its outputs back to its inputs.  ``COUNTS`` numbers the
default layer names per base (``dense_1``, ``dense_2``); ``clear_session`` resets it.
"""

from __future__ import annotations

import re
import weakref

from ..graph import Tensor

# output Tensor -> (layer, node index, tensor index): the Keras history of a symbolic tensor.
HISTORY: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
COUNTS: dict = {}


def to_snake_case(name: str) -> str:
    s = re.sub(r"(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", s).lower()


def unique_layer_name(base: str) -> str:
    i = COUNTS.get(base, 0) + 1
    COUNTS[base] = i
    return f"{base}_{i}"


class NotKerasOutput(ValueError):
    """A tensor that no Keras layer made (``keras_history``); a subclassed model whose ``call``
    applies TensorFlow ops between its layers catches it (``subclassing``)."""


def keras_history(t: Tensor):
    h = HISTORY.get(t)
    if h is None:
        raise NotKerasOutput(f"Output tensors to a Model must be the output of a Keras `Layer` "
                         f"(thus holding past layer metadata). Found: {t!r}")
    return h
