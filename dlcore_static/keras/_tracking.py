"""Keras's tracking of the layers a layer holds (its *sublayers*).

A ``Layer`` assigned to an attribute of another layer (or held in an attribute list, tuple or
dict, or a list of dicts, ...) is
one of its sublayers, in assignment order, by the same rule as a subclassed model's ``layers``
(``subclassing.tracked_layers``).  Keras 3's weight-file layout of such a layer is
``saving_nested.tracked_var_groups``.  (This module imports no other dlcore module: ``engine``
imports it.)  As in Keras 3, a layer's ``weights`` are its own (creation
order) then each sublayer's; ``trainable_weights``/``non_trainable_weights`` likewise, all of
them non-trainable when the outer layer is frozen; setting ``trainable`` sets it on every
sublayer; the sublayers' losses (``add_loss``, regularizers) reach the model.  The model a layer
was added to (its ``_model``) is not a sublayer.
"""

from __future__ import annotations


def _is_layer(x) -> bool:
    return hasattr(x, "_nodes") and hasattr(x, "_weights")


def held(value, _seen=None) -> list:
    """The layers in one attribute value: the value itself, or the items of a list, tuple or
    dict (its values, in insertion order), and so on down (Keras 3 tracks a list of dicts of
    layers too), each once."""
    if _is_layer(value):
        return [value]
    if not isinstance(value, (list, tuple, dict)):
        return []
    seen = set() if _seen is None else _seen
    if id(value) in seen:
        return []
    seen.add(id(value))
    out: list = []
    for item in (value.values() if isinstance(value, dict) else value):
        out.extend(held(item, seen))
    return out


def sublayers(layer) -> list:
    """The layers in ``layer``'s attributes (and attribute lists, tuples and dicts, nested),
    in assignment order, each once (the rule of ``subclassing.tracked_layers``), less its
    ``_model``."""
    model = layer.__dict__.get("_model")
    out: list = []
    for v in vars(layer).values():
        for item in held(v):
            if item is not layer and item is not model and not any(item is x for x in out):
                out.append(item)
    return out


def collect(layer, what: str) -> list:
    """``what`` (``weights``, ``trainable_weights``, ``non_trainable_weights``) of ``layer``:
    its own, then its sublayers' (each variable once)."""
    own = layer._weights
    if what == "trainable_weights" and not layer.trainable:
        return []
    if what == "non_trainable_weights" and not layer.trainable:
        return collect(layer, "weights")
    out = list(own) if what == "weights" else \
        [w for w in own if bool(w.trainable) == (what == "trainable_weights")]
    for sub in sublayers(layer):
        for w in getattr(sub, what):
            if w not in out:
                out.append(w)
    return out


def set_trainable(layer, value) -> None:
    """``layer.trainable = value``: the layer and, recursively, its sublayers (Keras 3)."""
    layer.__dict__["_trainable"] = bool(value)
    if _is_network(layer):          # (its layers: Keras 3 sets theirs too, recursively)
        for sub in layer.__dict__.get("_layers") or layer.__dict__.get("layers") or []:
            sub.trainable = value
        return
    for sub in sublayers(layer):
        sub.trainable = value


def layer_losses(layer) -> list:
    """A layer's losses, then those of its sublayers (a model's are collected by the model)."""
    own = layer.__dict__.get("_own_losses")         # (a Layer's own list; a model's property)
    out = list(own if own is not None else getattr(layer, "losses", []))
    if hasattr(layer, "_weights") and not _is_network(layer):
        for sub in sublayers(layer):
            out.extend(layer_losses(sub))
    return out


def _is_network(layer) -> bool:
    return hasattr(layer, "_init_graph")           # a model (its layers are its own)

