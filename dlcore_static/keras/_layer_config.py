"""``Layer.get_config()`` / ``Layer.from_config()`` of the built-in Keras layers, as Keras 3.

One configuration per layer, shared with the model-file writer (``saving.layer_config`` takes
its values from ``get_config()``): the keys are the layer's constructor arguments, found once
from the signatures of its built-in classes' ``__init__`` (a user's subclass adds its own
``get_config``, as in Keras), plus the arguments the file writer lists for the class
(``saving._LAYERS``) and the few a constructor takes through ``**kwargs`` (``_KWARG_KEYS``).  A
value is the attribute of the same name, written as Keras 3 writes it: an activation by its
name, an initializer / regularizer / constraint as Keras's ``{'module', 'class_name',
'config', 'registered_name'}`` dict, the dtype as a ``DTypePolicy`` dict.  ``from_config``
turns those dicts back into objects and calls the class with the configuration.
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

_SKIP = {"self", "name", "trainable", "dtype", "input_shape", "input_dim", "batch_input_shape",
         "batch_size", "weights", "input_length", "kwargs", "args"}
_CONV_EXTRA = ("kernel_initializer", "bias_initializer", "kernel_regularizer",
               "bias_regularizer", "activity_regularizer", "kernel_constraint",
               "bias_constraint")
#: arguments a constructor takes through ``**kwargs`` (Keras's names), per class name
_KWARG_KEYS: dict[str, tuple] = {
    "Dense": ("kernel_constraint", "bias_constraint"),
    "Conv1D": _CONV_EXTRA, "Conv2D": _CONV_EXTRA, "Conv3D": _CONV_EXTRA,
    "Embedding": ("embeddings_initializer", "embeddings_regularizer", "activity_regularizer",
                  "embeddings_constraint"),
}
_MODULES = {"_initializer": "keras.initializers", "_regularizer": "keras.regularizers",
            "_constraint": "keras.constraints"}
_CACHE: dict[type, list] = {}


def _builtin(c: type) -> bool:
    return c.__module__.startswith("dlcore_static.keras")


def config_keys(cls: type) -> list:
    """The constructor arguments ``get_config`` writes for layer class ``cls``."""
    if cls in _CACHE:
        return _CACHE[cls]
    from .saving import _LAYERS
    keys: list = []
    for c in cls.__mro__:
        if c.__name__ == "Layer" and c.__module__.endswith(".engine") or not _builtin(c):
            continue
        init = c.__dict__.get("__init__")
        if init is not None:
            try:
                params = inspect.signature(init).parameters.values()
            except (TypeError, ValueError):
                params = []    # type: ignore[assignment]
            for p in params:
                if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD) and p.name not in _SKIP:
                    keys.append(p.name)
        keys.extend(_LAYERS.get(c.__name__, ()))
        keys.extend(_KWARG_KEYS.get(c.__name__, ()))
    out = list(dict.fromkeys(keys))
    _CACHE[cls] = out
    return out


def _keras_object(v: Any, module: str) -> Any:
    if v is None or isinstance(v, dict):
        return v
    if module == "keras.initializers":
        from .initializers import get
        v = get(v)
    elif module == "keras.regularizers":
        from .regularizers import get
        v = get(v)
    else:
        from .constraints import get
        v = get(v)
    conf = v.get_config() if hasattr(v, "get_config") else {}
    return {"module": module, "class_name": type(v).__name__, "config": dict(conf),
            "registered_name": None}


def serialize(key: str, v: Any) -> Any:
    """One configuration value as Keras 3's ``get_config`` gives it."""
    for suffix, module in _MODULES.items():
        if key.endswith(suffix):
            return _keras_object(v, module)
    if key.endswith("activation") and callable(v):
        return getattr(v, "__name__", str(v))
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, np.ndarray):
        return v.tolist()
    return v


def dtype_policy(layer) -> dict:
    from . import backend as K
    name = getattr(layer, "_dtype_policy_name", None) or K.floatx()
    return {"module": "keras", "class_name": "DTypePolicy", "config": {"name": name},
            "registered_name": None}


def get_config(layer) -> dict:
    """``layer.get_config()`` of a built-in layer (see the module docstring)."""
    cfg: dict[str, Any] = {"name": layer.name, "trainable": bool(layer.trainable),
                           "dtype": dtype_policy(layer)}
    cls = type(layer).__name__
    for k in config_keys(type(layer)):
        if hasattr(layer, k):
            cfg[k] = serialize(k, getattr(layer, k))
    from . import saving_more as _more
    if cls in _more.LAYERS:                        # the values Keras writes where they differ
        from .saving import _json_value
        j = {k: _json_value(cfg.get(k)) for k in _more.LAYERS[cls]}
        before = dict(j)
        j.update(name=layer.name, trainable=bool(layer.trainable))
        _more.fix(layer, j)
        for k, v in j.items():
            if k not in before or v != before[k]:
                cfg[k] = v
        if "trainable" not in j:
            cfg.pop("trainable", None)
    return cfg


def _deserialize(key: str, v: Any) -> Any:
    if not isinstance(v, dict) or "class_name" not in v:
        return v
    name, conf = v["class_name"], dict(v.get("config") or {})
    if key.endswith("_initializer"):
        from . import initializers as I
        cls = getattr(I, name, None)
        if cls is None:
            raise ValueError(f"Unknown initializer: {name}")
        return cls(**conf)
    if key.endswith("_regularizer"):
        from . import regularizers as R
        rcls = getattr(R, name, None)
        if rcls is None:
            raise ValueError(f"Unknown regularizer: {name}")
        return rcls(**conf)
    if key.endswith("_constraint"):
        from .constraints import deserialize
        return deserialize({"class_name": name, "config": conf})
    return v


def from_config(cls, config: dict):
    """``Layer.from_config(config)``: ``cls(**config)`` with Keras's serialized objects (dtype
    policy, initializers, regularizers, constraints) turned back into objects."""
    if not isinstance(config, dict):
        raise TypeError(f"from_config expects a dict, not {type(config).__name__}")
    kw = {k: _deserialize(k, v) for k, v in config.items()}
    dt = kw.get("dtype")
    if isinstance(dt, dict):
        kw["dtype"] = (dt.get("config") or {}).get("name")
    return cls(**kw)
