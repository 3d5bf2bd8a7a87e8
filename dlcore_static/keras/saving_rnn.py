"""Keras model files for the generic ``RNN`` layer around ``SimpleRNNCell``, ``LSTMCell``,
``GRUCell`` or ``StackedRNNCells`` of them (see ``saving.py`` for the file layouts).

The configuration is Keras 3's: the layer's ``return_sequences``/``return_state``/
``go_backwards``/``stateful``/``unroll`` and its ``cell`` as a record ``{"module":
"keras.layers", "class_name": "LSTMCell", "config": {"name", "units", activations, ...}}``
(``StackedRNNCells``: ``{"cells": [records]}``).  Keras 3 stores the weights as
``<layer>/cell/vars/<i>``, and for a stack ``<layer>/cell/cells/<cell path>/vars/<i>`` with each
cell named by its class (``lstm_cell``, ``lstm_cell_1``, ...); Keras 2 files list the cells'
weights in order.  A cell of another class (a user's) has no saved configuration: such a model
is saved with ``save_weights`` and rebuilt in code.  Loading creates these four classes only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

CELLS: dict[str, tuple] = {
    "SimpleRNNCell": ("units", "activation", "use_bias"),
    "LSTMCell": ("units", "activation", "recurrent_activation", "use_bias", "unit_forget_bias"),
    "GRUCell": ("units", "activation", "recurrent_activation", "use_bias"),
}
_FLAGS = ("return_sequences", "return_state", "go_backwards", "unroll")


def _cell_record(cell, json_value: Callable) -> dict:
    cls = type(cell).__name__
    if cls == "StackedRNNCells":
        cfg: dict[str, Any] = {"name": cell.name, "trainable": bool(cell.trainable),
                               "cells": [_cell_record(c, json_value) for c in cell.cells]}
    elif cls in CELLS and type(cell).__module__.startswith("dlcore_static.keras."):
        cfg = {"name": cell.name, "trainable": bool(cell.trainable)}
        cfg.update({k: json_value(getattr(cell, k)) for k in CELLS[cls]})
        cfg.update(dropout=float(cell.dropout), recurrent_dropout=float(cell.recurrent_dropout))
        if cls == "GRUCell":
            cfg["reset_after"] = bool(cell.reset_after)
    else:
        raise NotImplementedError(f"model.save: the RNN cell {cell.name!r} of class {cls} has "
                                  "no saved configuration in dlcore (SimpleRNNCell, LSTMCell, "
                                  "GRUCell and StackedRNNCells of them have); use save_weights "
                                  "and rebuild the model in code")
    return {"module": "keras.layers", "class_name": cls, "config": cfg,
            "registered_name": None}


def config(layer, json_value: Callable) -> dict:
    cfg: dict[str, Any] = {k: bool(getattr(layer, k)) for k in _FLAGS}
    cfg["stateful"] = False
    cfg["cell"] = _cell_record(layer.cell, json_value)
    return cfg


def _make_cell(rec: Any, layers, error):
    if not isinstance(rec, dict) or not isinstance(rec.get("config"), dict):
        raise error("load_model: an RNN layer has no cell configuration")
    cls, c = rec.get("class_name"), rec["config"]
    kwargs = {k: c[k] for k in ("name", "trainable") if k in c}
    if cls == "StackedRNNCells":
        cells = c.get("cells")
        if not isinstance(cells, list) or not cells:
            raise error("load_model: a StackedRNNCells configuration has no cells")
        return layers.StackedRNNCells([_make_cell(r, layers, error) for r in cells], **kwargs)
    if cls not in CELLS:
        raise error(f"load_model: unknown RNN cell class {str(cls)[:40]!r}")
    kwargs.update({k: float(c[k]) for k in ("dropout", "recurrent_dropout") if k in c})
    if cls == "GRUCell":                               # Keras 3's default is True
        kwargs["reset_after"] = bool(c.get("reset_after", True))
    kwargs.update({k: c[k] for k in CELLS[cls] if k in c})
    return getattr(layers, cls)(**kwargs)


def make(c: dict, layers, kwargs: dict, error) -> Any:
    if c.get("stateful"):
        raise error(f"load_model: layer {str(c.get('name'))[:60]!r}: stateful=True is not "
                    "supported by dlcore")
    cell = _make_cell(c.get("cell"), layers, error)
    kwargs.update({k: c[k] for k in _FLAGS if k in c})
    return layers.RNN(cell, **kwargs)


def var_groups(layer) -> list[tuple[str, list]]:
    cell = layer.cell
    if type(cell).__name__ != "StackedRNNCells":
        return [("cell/vars", list(cell.weights))]
    from ._keras3_names import keras3_paths
    return [(f"cell/cells/{p}/vars", list(c.weights))
            for p, c in zip(keras3_paths(cell.cells), cell.cells)]
