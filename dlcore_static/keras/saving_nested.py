"""Keras model files for recurrent layers and wrappers: ``SimpleRNN``, ``LSTM``, ``GRU``,
``Bidirectional`` and ``TimeDistributed`` (see ``saving.py`` for the file layouts).

Configurations are Keras's: a recurrent layer writes its ``units``, activations, dropout rates
and ``return_sequences``/``return_state``/``go_backwards``/``stateful`` (``unroll`` is
always false here; a stateful layer's batch size is the model's ``batch_input_shape``);
``GRU`` writes its ``reset_after``, which Keras 3 defaults to true; a
wrapper writes the configuration of the layer it wraps under ``layer`` (``Bidirectional`` that
of the original layer, under its own name, as Keras 2 and 3 do, plus ``merge_mode``), with
``"module": "keras.layers"``, without which Keras 3 does not find the wrapped layer's class.

Weights: Keras 2 HDF5 files list every weight of a layer in its group, in the layer's order
(``Bidirectional``: the forward layer's, then the backward layer's).  Keras 3 files nest them
as Keras 3's own saver does: ``<layer>/cell/vars/<i>`` for a recurrent layer,
``<layer>/forward_layer/cell/vars`` and ``<layer>/backward_layer/cell/vars`` for
``Bidirectional``, ``<layer>/layer/vars`` for ``TimeDistributed`` (and below ``layer/`` whatever
the wrapped layer nests); a custom layer that holds layers (``_tracking.py``) its own in
``vars`` and each sublayer's below its attribute name (``tracked_var_groups``).  Loading
creates layers of these classes only, by name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

RECURRENT: dict[str, tuple] = {
    "SimpleRNN": ("units", "activation", "use_bias", "dropout", "recurrent_dropout",
                  "return_sequences", "return_state", "go_backwards"),
    "LSTM": ("units", "activation", "recurrent_activation", "use_bias", "unit_forget_bias",
             "dropout", "recurrent_dropout", "return_sequences", "return_state",
             "go_backwards"),
    "GRU": ("units", "activation", "recurrent_activation", "use_bias", "dropout",
            "recurrent_dropout", "return_sequences", "return_state", "go_backwards"),
    # Keras 2's cuDNN layers (fixed maths, no dropout, no unroll)
    "CuDNNLSTM": ("units", "unit_forget_bias", "return_sequences", "return_state",
                  "go_backwards"),
    "CuDNNGRU": ("units", "return_sequences", "return_state", "go_backwards"),
}
WRAPPERS = ("Bidirectional", "TimeDistributed")


def is_nested_class(cls: str) -> bool:
    return cls in RECURRENT or cls in WRAPPERS or cls == "RNN"   # RNN: saving_rnn.py


def config(layer, json_value: Callable, layer_config: Callable) -> dict:
    """The Keras configuration of a recurrent layer or a wrapper (without name/trainable)."""
    cls = type(layer).__name__
    if cls == "RNN":
        from . import saving_rnn
        return saving_rnn.config(layer, json_value)
    if cls in RECURRENT:
        cfg = {k: json_value(getattr(layer, k)) for k in RECURRENT[cls]}
        cfg.update(stateful=bool(layer.stateful))
        if not cls.startswith("CuDNN"):
            cfg["unroll"] = False
        if cls == "GRU":
            cfg["reset_after"] = bool(layer.reset_after)
        return cfg
    if cls == "Bidirectional":
        inner = layer.forward_layer
        rec = _module(layer_config(inner))
        rec["config"]["name"] = inner.name.removeprefix("forward_")
        return {"layer": rec, "merge_mode": layer.merge_mode}
    return {"layer": _module(layer_config(layer.layer))}


def _module(rec: dict) -> dict:
    """Keras 3 finds a wrapped layer's class by its module (Keras 2 ignores the key)."""
    return {"module": "keras.layers", **rec}


def make(cls: str, c: dict, make_layer: Callable, layers, kwargs: dict, error) -> Any:
    """A recurrent layer or wrapper of class ``cls`` from its configuration ``c``; ``kwargs``
    holds name, trainable and input_shape; ``make_layer(class_name, config)`` builds the
    wrapped layer (and refuses unknown classes)."""
    if cls == "RNN":
        from . import saving_rnn
        return saving_rnn.make(c, layers, kwargs, error)
    if cls in RECURRENT:
        for k in RECURRENT[cls]:
            if k in c:
                kwargs[k] = c[k]
        if c.get("unroll"):
            raise error(f"load_model: layer {str(c.get('name'))[:60]!r}: unroll=True is not "
                        "supported by dlcore")
        if c.get("stateful"):       # (its batch size: from the model's batch_input_shape)
            kwargs["stateful"] = True
        if cls == "GRU":        # (no key: an old Keras 2 file, whose GRU had no reset_after:
            #                        False; Keras 3 files and dlcore's always write it)
            kwargs["reset_after"] = bool(c.get("reset_after", False))
        return getattr(layers, cls)(**kwargs)
    rec = c.get("layer")
    if not isinstance(rec, dict) or not isinstance(rec.get("config"), dict):
        raise error(f"load_model: the {cls} layer {str(c.get('name'))[:60]!r} has no wrapped "
                    "layer configuration")
    inner = make_layer(rec.get("class_name"), dict(rec["config"]))
    if cls == "Bidirectional":
        kwargs["merge_mode"] = c.get("merge_mode", "concat")
    return getattr(layers, cls)(inner, **kwargs)


def var_groups(layer) -> list[tuple[str, list]]:
    """[(path below the layer's group, [variables])] of Keras 3's weights layout."""
    cls = type(layer).__name__
    if cls == "RNN":
        from . import saving_rnn
        return saving_rnn.var_groups(layer)
    if cls in RECURRENT:
        return [("cell/vars", list(layer.weights))]
    if cls == "Bidirectional":
        return [(f"{side}/{p}", ws) for side in ("forward_layer", "backward_layer")
                for p, ws in var_groups(getattr(layer, side))]
    if cls == "TimeDistributed":
        return [("layer/" + p, ws) for p, ws in var_groups(layer.layer)]
    from .saving_more import var_groups as more
    nested = more(layer)
    if nested is not None:
        return nested
    from .saving_custom import is_custom
    tracked = tracked_var_groups(layer) if is_custom(layer) else None
    return tracked or [("vars", list(getattr(layer, "weights", [])))]


def tracked_var_groups(layer) -> list | None:
    """Keras 3's weights layout of a custom layer that holds sublayers: its own variables in
    ``vars``, a sublayer held in attribute ``a`` under ``a/``, one held in a list, tuple or
    dict ``a`` under ``a/<its class, snake case>[_k]/``, a container inside one under
    ``a/container[_k]/`` (Keras 3's ``_save_container_state``), and so on down; None when it
    holds none."""
    from ._tracking import _is_layer, sublayers
    subs = sublayers(layer)
    if not subs:
        return None
    theirs = {id(w) for s in subs for w in s.weights}
    out = [("vars", [w for w in layer._weights if id(w) not in theirs])]
    todo: set = {id(s) for s in subs}      # (each sublayer written once, where first met)
    for k, v in vars(layer).items():
        if _is_layer(v):
            if id(v) in todo:
                todo.discard(id(v))
                out += [(f"{k}/{p}", ws) for p, ws in var_groups(v)]
        elif isinstance(v, (list, tuple, dict)):
            out += _container_groups(v, k + "/", todo, set())
    return out


def _container_groups(container, path: str, todo: set, seen: set) -> list:
    """Keras 3's layout of the layers in a list/tuple/dict (see ``tracked_var_groups``)."""
    from ._history import to_snake_case
    from ._tracking import _is_layer
    if id(container) in seen:
        return []
    seen.add(id(container))
    out: list = []
    used: dict = {}
    for s in (container.values() if isinstance(container, dict) else container):
        if _is_layer(s):
            name = to_snake_case(type(s).__name__)
        elif isinstance(s, (list, tuple, dict)):
            name = "container"
        else:
            continue
        used[name] = used.get(name, -1) + 1
        name += f"_{used[name]}" if used[name] else ""
        if not _is_layer(s):
            out += _container_groups(s, f"{path}{name}/", todo, seen)
        elif id(s) in todo:
            todo.discard(id(s))
            out += [(f"{path}{name}/{p}", ws) for p, ws in var_groups(s)]
    return out
