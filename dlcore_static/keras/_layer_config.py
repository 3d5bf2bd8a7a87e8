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
_KWARG_KEYS["_Recurrent"] = ("activity_regularizer",)
for _n in ("_Conv", "_SeparableConv", "MultiHeadAttention"):
    _KWARG_KEYS[_n] = ("activity_regularizer",)
_CUDNN = ("activation", "recurrent_activation", "use_bias", "dropout", "recurrent_dropout",
          "unroll", "seed", "reset_after")
#: constructor arguments of a shared base class that Keras's class of that name does not have
_NOT_KEYS: dict[str, tuple] = {"GRU": ("unit_forget_bias",),
                               "SimpleRNN": ("unit_forget_bias", "recurrent_activation", "seed"),
                               "GRUCell": ("unit_forget_bias",),
                               "SimpleRNNCell": ("unit_forget_bias", "recurrent_activation"),
                               "DepthwiseConv2D": ("filters",),
                               "Cropping1D": ("data_format",), "UpSampling1D": ("data_format",),
                               "SpatialDropout1D": ("data_format",),
                               "Conv3DTranspose": ("groups",), "Conv1DTranspose": ("groups",),
                               "Conv2DTranspose": ("groups",),
                               # (Keras 2's cuDNN layers: fixed maths, no dropout)
                               "CuDNNLSTM": _CUDNN, "CuDNNGRU": _CUDNN + ("unit_forget_bias",)}


def _not_keys(cls: type) -> tuple:
    """``_NOT_KEYS`` of the first built-in class of ``cls`` (itself or a user's base)."""
    return next((_NOT_KEYS.get(c.__name__, ()) for c in cls.__mro__ if _builtin(c)), ())
def _only_default(cls: type) -> dict:
    """The Keras 3 arguments dlcore's class ``cls`` implements only at one value, with that
    value (``_keras3_args.ARGS``): get_config writes it, from_config accepts only it."""
    from ._keras3_args import written
    out = written({c.__name__ for c in cls.__mro__ if _builtin(c)})
    return {k: v for k, v in out.items() if k not in _not_keys(cls)}


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
    drop = _not_keys(cls)
    out = [k for k in dict.fromkeys(keys) if k not in drop]
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
    name = type(v).__name__
    if module == "keras.initializers" and type(v).__module__ == "dlcore_static.initializers":
        # a TF1 object (tf.glorot_uniform_initializer()...): Keras 3's keys of its class
        from .initializers import _INIT_KEYS
        conf = {k: serialize(k, getattr(v, k, None)) for k in _INIT_KEYS.get(name, ())}
    else:
        conf = dict(v.get_config()) if hasattr(v, "get_config") else {}
    return {"module": module, "class_name": name, "config": conf, "registered_name": None}


def serialize(key: str, v: Any) -> Any:
    """One configuration value as Keras 3's ``get_config`` gives it."""
    for suffix, module in _MODULES.items():
        if key.endswith(suffix):
            return _keras_object(v, module)
    if key.endswith("activation") and callable(v):
        from .saving_custom import fn_config
        return fn_config(v)
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, np.ndarray):
        return v.tolist()
    return v


_FLOATS = ("float16", "bfloat16", "float32", "float64", "half", "double")


def check_dtype(cls: str, dtype) -> None:
    """Refuse a layer's ``dtype=`` that Keras 3 would compute in but dlcore would not: a
    floating dtype other than ``floatx()`` or a mixed-precision policy (``'mixed_float16'``)
    (Keras 3 makes the weights and outputs that dtype and casts the inputs; dlcore's layers
    compute in floatx and used to ignore the argument).  None, floatx, or its ``DTypePolicy``
    (a config dict or an object with ``.name``) pass; other dtypes are left as before."""
    from . import backend as K
    if dtype is None:
        return
    name = dtype
    if isinstance(dtype, dict):
        name = (dtype.get("config") or {}).get("name")
    elif not isinstance(dtype, (str, type, np.dtype)) and isinstance(
            getattr(dtype, "name", None), str):
        name = dtype.name
    if not isinstance(name, str):
        try:
            name = np.dtype(name).name
        except TypeError:
            return
    if name.startswith("mixed_"):
        raise NotImplementedError(f"{cls}: the dtype policy {name!r} (mixed precision) is not "
                                  f"supported by dlcore; its layers compute in floatx() "
                                  f"({K.floatx()})")
    if name in _FLOATS and {"half": "float16", "double": "float64"}.get(name, name) != \
            np.dtype(K.floatx()).name:
        raise NotImplementedError(f"{cls}: dtype={name!r} is not supported by dlcore: its "
                                  f"layers compute in floatx() ({K.floatx()})")


def dtype_policy(layer) -> dict:
    from . import backend as K
    name = getattr(layer, "_dtype_policy_name", None) or K.floatx()
    return {"module": "keras", "class_name": "DTypePolicy", "config": {"name": name},
            "registered_name": None}


def get_config(layer) -> dict:
    """``layer.get_config()`` of a built-in layer (see the module docstring)."""
    cfg: dict[str, Any] = {"name": layer.name, "trainable": bool(layer.trainable),
                           "dtype": dtype_policy(layer)}
    if getattr(layer, "activity_regularizer", None) is not None:     # (Keras 3's Layer)
        cfg["activity_regularizer"] = serialize("activity_regularizer",
                                                layer.activity_regularizer)
    from . import _auto_config
    if _auto_config.applies(type(layer)):       # a user's class without its own get_config
        return _auto_config.get_config(layer, cfg)
    cls = type(layer).__name__
    given = getattr(layer, "_config", None) or getattr(layer, "_args", None)  # (as given)
    given = given if isinstance(given, dict) else {}
    args = layer.__dict__.get("_init_args")         # (the constructor's, _auto_config)
    for k in config_keys(type(layer)):
        if hasattr(layer, k):
            cfg[k] = serialize(k, getattr(layer, k))
        elif k in given:
            cfg[k] = serialize(k, given[k])
        elif args is not None and k in args:
            cfg[k] = serialize(k, args.get(k))
    for k, v in _only_default(type(layer)).items():
        if k not in cfg:
            cfg[k] = v
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
    _keras3_forms(layer, cfg)
    return cfg


def _keras3_forms(layer, cfg: dict) -> None:
    """The few values Keras 3's ``get_config`` writes in another form than the attribute."""
    cls = type(layer).__name__
    args = layer.__dict__.get("_init_args")
    if cls == "ActivityRegularization":           # (its l1/l2 say it)
        cfg.pop("activity_regularizer", None)
    elif cls in ("Cropping1D", "ZeroPadding1D"):
        k = "cropping" if cls == "Cropping1D" else "padding"
        if isinstance(cfg.get(k), list):
            cfg[k] = tuple(cfg[k])
    elif cls == "Lambda":                         # (Keras 3 writes them when set)
        for k in ("mask", "output_shape"):
            if cfg.get(k) is None:
                cfg.pop(k, None)
    elif cls.startswith("SpatialDropout") or cls == "Discretization":
        cfg["dtype"] = cfg["dtype"]["config"]["name"]     # Keras 3's: dtype's name,
        cfg.pop("trainable", None)                        # no trainable
    elif cls == "LayerNormalization" and args is not None:
        axis = args.get("axis")
        cfg["axis"] = list(axis) if isinstance(axis, (list, tuple)) else axis


def deserialize(key: str, v: Any) -> Any:
    if not isinstance(v, dict) or "class_name" not in v:
        return v
    name, conf = v["class_name"], dict(v.get("config") or {})
    if key.endswith("_initializer"):
        from . import initializers as I
        icls = getattr(I, name, None)
        if icls is None or name.startswith("_") or not isinstance(icls, type):
            raise ValueError(f"Unknown initializer: {name}")
        params = inspect.signature(icls).parameters
        for k in [k for k in conf if k not in params]:
            if conf[k] is not None:               # (input_axes=None: Keras's default)
                raise ValueError(f"Initializer {name}: argument {k}={conf[k]!r} is not "
                                 "supported by dlcore")
            del conf[k]
        return icls(**conf)
    if key.endswith("_regularizer"):
        from . import regularizers as R
        rcls = getattr(R, name, None)
        if rcls is None:
            raise ValueError(f"Unknown regularizer: {name}")
        return rcls(**conf)
    if key.endswith("_constraint"):
        from .constraints import deserialize as constraint
        return constraint({"class_name": name, "config": conf})
    return v


def object_kwargs(cls: type, config: dict, given: dict) -> dict:
    """The initializers, regularizers and constraints of ``config`` (a layer record of a model
    file or of ``model.get_config()``) that class ``cls`` takes and ``given`` lacks, as
    objects (the file loader passes them on; Keras 2's and Keras 3's dicts are read)."""
    return {k: deserialize(k, config[k]) for k in config_keys(cls)
            if k in config and k not in given and k.endswith(tuple(_MODULES))}


def from_config(cls, config: dict):
    """``Layer.from_config(config)``: ``cls(**config)`` with Keras's serialized objects (dtype
    policy, initializers, regularizers, constraints) turned back into objects."""
    if not isinstance(config, dict):
        raise TypeError(f"from_config expects a dict, not {type(config).__name__}")
    kw = {k: deserialize(k, v) for k, v in config.items()}
    params = inspect.signature(cls).parameters
    for k, v in _only_default(cls).items():
        if k in kw and k not in params:
            if kw[k] != v:
                raise ValueError(f"{cls.__name__}.from_config: {k}={kw[k]!r} is not supported "
                                 f"by dlcore (only {k}={v!r})")
            del kw[k]
    dt = kw.get("dtype")
    if isinstance(dt, dict):
        kw["dtype"] = (dt.get("config") or {}).get("name")
    return cls(**kw)


# ------------------------------------------------------------------------------ models
def model_get_config(model) -> dict:
    """``model.get_config()`` of a ``Sequential`` or functional model: Keras 3's layout (the
    ``config`` of a ``.keras`` file's ``config.json``, written by ``saving.py``), each layer's
    record holding that layer's ``get_config()``."""
    from . import saving
    from .saving_functional import is_functional
    if is_functional(model):
        cfg = dict(saving.model_config(model, keras3=True)["config"])
    else:
        build = getattr(model, "_build", None)
        if build is not None and not model._unbuilt():    # (unbuilt: no InputLayer, Keras 3)
            build()
        cfg = dict(saving._sequential_keras3(saving.model_config(model))["config"])
        cfg["dtype"] = dtype_policy(model)
        if not model._unbuilt():                    # Keras 3's Sequential writes both
            cfg["build_input_shape"] = tuple(model.inputs[0].aval.shape)
    by_name = {ly.name: ly for ly in model.layers}
    for rec in cfg.get("layers", []):
        c = rec.get("config")
        ly = by_name.get(c.get("name")) if isinstance(c, dict) else None
        if ly is not None and type(ly).__name__ != "InputLayer" \
                and not hasattr(ly, "_init_graph"):
            rec["config"] = {**c, **ly.get_config()}
    cfg.setdefault("trainable", bool(model.trainable))
    return cfg


def model_from_config(cls, config: dict):
    """``Sequential.from_config(config)`` / ``Model.from_config(config)``: a new, untrained
    model from ``model.get_config()`` (or a file's configuration)."""
    from .saving import _build_model
    if not isinstance(config, dict):
        raise TypeError(f"from_config expects a dict, not {type(config).__name__}")
    kind = "Functional" if "input_layers" in config else "Sequential"
    model = _build_model({"class_name": kind, "config": config}, MODEL_CLASSES[0]())
    shape = config.get("build_input_shape")
    if kind == "Sequential" and shape is not None and model._unbuilt():
        model.build(tuple(shape))       # (Keras 3's Sequential.from_config builds it too)
    return model


#: ``models._classes`` (layers and optimizers modules, Sequential and Model), put here by
#: ``models.py`` when it is imported (this module cannot import it: models imports engine)
MODEL_CLASSES: list = []
