"""``keras.models.clone_model``: the same architecture with new layers and new weights.

As Keras: every layer of a ``Sequential`` or functional model is replaced by
``clone_function(layer)`` (default: a new layer of its class from its configuration, freshly
initialised; the names are kept), and a functional model's graph is rebuilt by calling the new
layers on the new inputs in the original's order (``saving_functional.build_functional``, the
same code that loads a model file).  Weights are not copied (``clone.set_weights(
model.get_weights())`` does that) and nothing is shared with the original.  The default clone
works for the layers that ``model.save`` writes (``saving.py``) and a user's class (its
``from_config(get_config())``, as Keras 3); with a ``Lambda`` pass a ``clone_function``.  ``input_tensors`` and ``call_function`` are not
supported; a subclassed model is refused.
"""

from __future__ import annotations

from typing import Any


class _Error(ValueError):
    pass


def _default_clone(layer):
    from . import layers as L
    from . import saving_custom as _custom
    from .saving import _make_layer, layer_config
    if _custom.is_custom(layer):       # a user's class: Keras 3's from_config(get_config())
        return _custom.make_layer(type(layer), _custom.layer_record(layer, False)["config"])
    rec = layer_config(layer)          # (refuses the layers model files do not hold)
    full = layer.get_config() if rec["class_name"] in L.__dict__ else {}
    return _make_layer(rec["class_name"], {**full, **rec["config"]}, L)   # + initializers...


def _all_layers(model, out: dict) -> dict:
    for ly in model.layers:
        out.setdefault(ly.name, ly)
        if hasattr(ly, "_init_graph") and hasattr(ly, "layers"):
            _all_layers(ly, out)
    return out


def clone_model(model, input_tensors=None, clone_function=None, call_function=None,
                recursive=False, *, kinds, **kwargs):
    """``kinds``: ``(Model, Sequential, classes)`` from ``models.clone_model``, the public
    name (passed in, so that this module does not import ``models``, which imports it)."""
    from . import saving
    from .engine import InputLayer
    from .saving_functional import build_functional, functional_config, is_functional
    if kwargs:
        raise ValueError(f"Unexpected keyword argument(s): {tuple(kwargs.keys())}")
    Model, Sequential, classes = kinds
    if not isinstance(model, Model):
        raise ValueError(f"Expected `model` argument to be a `Model` instance. Received: "  # noqa: TRY004 - Keras's type
                         f"model={model}")
    if clone_function is not None and not callable(clone_function):
        raise ValueError(f"Expected `clone_function` argument to be a callable. Received: "
                         f"clone_function={clone_function}")
    if input_tensors is not None or call_function is not None:
        raise NotImplementedError("clone_model: input_tensors and call_function are not "
                                  "supported by dlcore")
    clone = clone_function or _default_clone
    if isinstance(model, Sequential):
        if model._unbuilt():                  # Keras 3: the clone is unbuilt too
            return Sequential([clone(ly) for ly in model.layers], name=model.name)
        model._build()
        first = model._layers[0]
        new = [clone(ly) for ly in model.layers]
        if isinstance(first, InputLayer) or getattr(new[0], "input_shape_arg", None) is None:
            from . import layers as L
            new.insert(0, L.InputLayer(input_shape=tuple(model.input_shape[1:]),
                                       name=first.name if isinstance(first, InputLayer)
                                       else None))
        return Sequential(new, name=model.name)
    if not is_functional(model):
        raise NotImplementedError(f"clone_model: dlcore clones Sequential and functional "
                                  f"models, not the subclassed model {type(model).__name__}; "
                                  "create a new instance of the class")
    by_name = _all_layers(model, {})

    def record(layer, first: bool = False) -> dict:
        if clone_function is None:
            return saving.layer_config(layer, first)
        return {"class_name": type(layer).__name__, "config": {"name": layer.name}}

    def make(cls: Any, c: dict):
        return clone(by_name[c["name"]])
    cfg = functional_config(model, record, keras3=False)
    return build_functional(cfg, make, classes, _Error)
