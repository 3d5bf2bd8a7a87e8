"""The Keras history of symbolic tensors and the layer-name counters: the state that the
layers (``engine``), the backend (``clear_session``, ``is_keras_tensor``) and ``summary`` share.

``HISTORY`` maps an output tensor to ``(layer, node index, tensor index)``: the call of a layer
that made it, so a model can walk from its outputs back to its inputs.  ``COUNTS`` numbers the
default layer names per base (Keras 3's ``dense``, ``dense_1``); ``clear_session`` resets it.
"""

from __future__ import annotations

import re
import weakref

from ..graph import Tensor

# output Tensor -> (layer, node index, tensor index): the Keras history of a symbolic tensor.
HISTORY: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
COUNTS: dict = {}
BEFORE_NAME: list = []      # _op_layers.flush: operation nodes built so far are named first


def to_snake_case(name: str) -> str:
    s = re.sub(r"(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", s).lower()


def unique_layer_name(base: str) -> str:
    """Keras 3's default names: ``dense`` first, then ``dense_1``, ``dense_2``, ... (one
    counter per base, reset by ``clear_session``)."""
    for f in BEFORE_NAME:
        f()
    i = COUNTS.get(base, 0) + 1
    COUNTS[base] = i
    return base if i == 1 else f"{base}_{i - 1}"


class NotKerasOutput(ValueError):
    """A tensor that no Keras layer made (``keras_history``); a subclassed model whose ``call``
    applies TensorFlow ops between its layers catches it (``subclassing``)."""


def output_list(outputs) -> tuple[list, list | None]:
    """A model's ``outputs`` as a list, and their names when given as a dict (Keras 3's
    ``Model(inputs, outputs={"name": tensor, ...})``: the outputs' names are the keys, and
    ``predict`` returns a dict; ``structured`` below), in the order of the sorted keys, as
    Keras 3 flattens a dict (its layers' and weights' order follows it)."""
    if isinstance(outputs, dict):
        keys = sorted(outputs)
        return [outputs[k] for k in keys], [str(k) for k in keys]
    return (list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]), None


def structured(model, outs: list):
    """``predict``'s result: one array, a list, or a dict keyed by the output names."""
    keys = model.__dict__.get("_output_keys")
    if keys:
        return dict(zip(keys, outs))
    return outs[0] if len(outs) == 1 else outs


def keras_history(t: Tensor):
    h = HISTORY.get(t)
    if h is None:
        raise NotKerasOutput(f"Output tensors to a Model must be the output of a Keras `Layer` "
                         f"(thus holding past layer metadata). Found: {t!r}")
    return h


def unique_output_names(names: list) -> list:
    """tf.keras 2's ``_set_output_names``: a layer giving several outputs is named ``rnn``,
    ``rnn_1``, ... (otherwise its outputs' losses and metrics would share names)."""
    out: list = []
    counts: dict = {}
    for name in names:
        proposal = name
        while proposal in out:
            k = counts.get(name, 1)
            proposal = f"{name}_{k}"
            counts[name] = k + 1
        out.append(proposal)
    return out
