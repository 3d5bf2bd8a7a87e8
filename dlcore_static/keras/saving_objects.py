"""``keras.saving.serialize_keras_object`` / ``deserialize_keras_object`` (also
``keras.layers.serialize`` / ``deserialize``): Keras 3's record of one object,
``{"module", "class_name", "config", "registered_name"}``, as a custom layer's ``get_config``
writes a sublayer into its own config and its ``from_config`` rebuilds it (the Keras 3 guides'
pattern).

- a layer: a built-in layer's ``get_config()`` with dlcore's saved configuration over it
  (``saving.layer_config``, module ``keras.layers``, as ``clone_model`` rebuilds it) or a user's registered class (its ``get_config()``, module and registered
  name as ``saving_custom.layer_record`` writes them); rebuilt by the same code as
  ``load_model`` (no other class is looked up, nothing in the record is executed);
- an initializer, regularizer, constraint or loss object: its class and ``get_config()``,
  module ``keras.<kind>`` (a TF1 initializer, ``tf.glorot_uniform_initializer()``, as Keras
  3's class of its name);
- a function (an activation, a loss or a registered function): Keras 3's record
  ``{"module": "builtins", "class_name": "function", "config": <name>, "registered_name":
  "function"}``, read back to the function (a registered one, an activation, a loss);
- an optimizer: Keras 3's record (``keras.optimizers.serialize``: its Keras 3 config, a
  schedule as its own record), read back by ``keras.optimizers.deserialize``;
- None, numbers, strings, lists and dicts as they are; a tuple as Keras 3's ``__tuple__``.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

from . import saving_custom as _custom

__all__ = ["deserialize_keras_object", "serialize_keras_object"]

_MODULES = ("initializers", "regularizers", "constraints", "losses")
_OWN = {"initializers": "initializers", "regularizers": "regularizers",
        "constraints": "constraints", "loss_classes": "losses", "losses": "losses"}


def _function(name: str, custom_objects: dict | None) -> Any:
    """The function of Keras 3's record ``{"class_name": "function", "config": name}``."""
    found = _custom.get_registered_object(name, custom_objects)
    if found is None:
        found = getattr(_module("activations"), name, None)
        if not callable(found) or isinstance(found, type):
            found = getattr(_module("losses"), name, None)
    if not callable(found) or isinstance(found, type):
        raise TypeError(f"Could not locate function {name!r}: not a registered function "
                        f"(`@keras.saving.register_keras_serializable()`), an activation or "
                        f"a loss (deserialize_keras_object)")
    return found


def _module(name: str):
    """A module of this package by name (imported by then: ``keras`` imports them all; read
    here, not imported, so that ``saving`` and ``layers`` can import this module)."""
    return sys.modules[f"{__package__}.{name}"]


def serialize_keras_object(obj: Any) -> Any:
    _saving = _module("saving")
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, (list, dict)):
        return ([serialize_keras_object(v) for v in obj] if isinstance(obj, list) else
                {k: serialize_keras_object(v) for k, v in obj.items()})
    if isinstance(obj, tuple):
        return {"class_name": "__tuple__",
                "config": {"value": [serialize_keras_object(v) for v in obj]}}
    if hasattr(obj, "input_shape_arg") and hasattr(obj, "get_config"):     # a Layer
        if _custom.is_custom(obj):
            return _custom.layer_record(obj, False)
        rec = _saving.layer_config(obj)        # (refuses what model files do not hold)
        full = obj.get_config() if rec["class_name"] in _module("layers").__dict__ else {}
        return {"module": "keras.layers", "class_name": rec["class_name"],
                "config": {**full, **rec["config"]}, "registered_name": None}
    if callable(obj) and not hasattr(obj, "get_config") and not isinstance(obj, type):
        rec = _custom.fn_config(obj)
        return rec if isinstance(rec, dict) else {
            "module": "builtins", "class_name": "function", "config": rec,
            "registered_name": "function"}
    if isinstance(obj, _module("optimizers").Optimizer):
        return _module("optimizers").serialize(obj)
    if hasattr(obj, "get_config"):
        mod = _OWN.get(type(obj).__module__.rsplit(".", 1)[-1], "")
        custom = _custom.get_registered_object(_custom.get_registered_name(type(obj)))
        if mod == "initializers" and custom is None and \
                type(obj).__module__ == "dlcore_static.initializers":
            return _module("_layer_config").serialize("kernel_initializer", obj)
        return {"module": f"keras.{mod}" if mod and custom is None else
                type(obj).__module__, "class_name": type(obj).__name__,
                "config": obj.get_config(),
                "registered_name": _custom.get_registered_name(type(obj)) if custom else None}
    raise TypeError(f"Cannot serialize object {obj!r} of type {type(obj).__name__}")


def deserialize_keras_object(config: Any, custom_objects: dict | None = None,
                             safe_mode: bool = True, **kwargs) -> Any:
    _layers, _saving = _module("layers"), _module("saving")
    if config is None or isinstance(config, (bool, int, float)):
        return config
    if isinstance(config, str):
        found = _custom.get_registered_object(config, custom_objects)
        return found if found is not None else config
    if isinstance(config, list):
        return [deserialize_keras_object(v, custom_objects) for v in config]
    if not isinstance(config, dict) or "class_name" not in config:
        if isinstance(config, dict):
            return {k: deserialize_keras_object(v, custom_objects) for k, v in config.items()}
        raise TypeError(f"Could not parse config: {config!r}")
    name, inner = config["class_name"], config.get("config", {})
    if name == "__tuple__":
        return tuple(deserialize_keras_object(v, custom_objects) for v in inner["value"])
    if name == "function":
        return _function(inner, custom_objects)
    with _custom.CustomObjectScope(custom_objects or {}):
        cls = _custom.get_registered_object(config.get("registered_name") or name,
                                            custom_objects)
        if isinstance(cls, type):
            if hasattr(cls, "input_shape_arg") or issubclass(cls, _layers.Layer):
                return _custom.make_layer(cls, dict(inner))
            return getattr(cls, "from_config")(dict(inner))  # noqa: B009 (mypy: a type)
        module = str(config.get("module") or "")
        kind = module.rsplit(".", 1)[-1]
        if kind == "optimizers":
            return _module("optimizers").deserialize(config, custom_objects)
        if kind in _MODULES:
            mod = importlib.import_module(f"{__package__}.{kind}")
            obj_cls = getattr(mod, name, None)
            if isinstance(obj_cls, type):
                return (obj_cls.from_config(dict(inner)) if hasattr(obj_cls, "from_config")
                        else obj_cls(**inner))
        elif kind in ("layers", "") and isinstance(inner, dict):
            return _saving._make_layer(name, dict(inner), _layers)
    raise ValueError(f"Could not locate class '{name}'. Make sure custom classes are "
                     f"decorated with `@keras.saving.register_keras_serializable()`. Full "
                     f"object config: {config}")
