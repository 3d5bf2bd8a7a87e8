"""Custom objects in Keras model files: the user's own layer classes and functions.

Keras's registration API (``keras.saving`` and ``keras.utils``, as Keras 3):
``register_keras_serializable(package="Custom", name=None)`` enters a class or function in the
global table under ``"package>name"``; ``get_registered_name`` / ``get_registered_object`` read
it; ``custom_object_scope({...})`` (``CustomObjectScope``) adds names for the duration of a
``with`` block (per thread); ``load_model(..., custom_objects={...})`` adds them for one load.

Writing (``saving.layer_config``): a layer whose class is not dlcore's is written with its
``get_config()`` (Keras 3's automatic one, ``_auto_config.py``, when its class has none), as
Keras 3 writes it: in a
``.keras`` file ``{"module": <its module, None for __main__>, "class_name": "MyDense",
"config": {...}, "registered_name": "MyLayers>MyDense"}`` (the class name when unregistered);
in an ``.h5`` file (Keras 2's layout, which Keras 3 reads the same way) ``{"class_name":
"MyLayers>MyDense", "config": {...}}``.  A function (activation, loss, metric) is written by its
registered name (``"Custom>my_act"``) or its ``__name__``.

Reading never imports or executes anything named by the file: a record whose class is not one
of dlcore's layers is looked up by its registered name (then its class name) in the
``custom_object_scope``, the registration table and ``custom_objects``, in Keras's order, and
built with the class's ``from_config`` (the ``Layer`` base's is ``cls(**config)``) inside a
scope of the custom objects; a name found nowhere raises Keras 3's ``TypeError`` "Could not
locate class ..." (``.keras`` records) or ``ValueError`` "Unknown layer: ..." (``.h5`` ones).
Function names (``activation``/``recurrent_activation`` of dlcore's layers, losses and metrics
of the training configuration) that the custom objects know become those functions.
"""

from __future__ import annotations

import contextlib
import inspect
import threading
from typing import Any

__all__ = ["CustomObjectScope", "custom_object_scope", "get_custom_objects",
           "get_registered_name", "get_registered_object", "register_keras_serializable"]
_GLOBAL_CUSTOM_OBJECTS: dict[str, Any] = {}
_GLOBAL_CUSTOM_NAMES: dict[Any, str] = {}
_STATE = threading.local()          # .scope: custom_object_scope's dict; .loading: load's
_MODELS = ("InputLayer", "Model", "Functional", "Sequential", "Lambda")
_FN_KEYS = ("activation", "recurrent_activation")
_DOC = "https://www.tensorflow.org/guide/keras/save_and_serialize#registering_the_custom_object"


class CustomObjectScope:
    """``with custom_object_scope({"MyDense": MyDense}):`` the names are known to
    ``load_model``/``model_from_config`` inside the block (this thread only)."""

    def __init__(self, custom_objects=None):
        self.custom_objects = dict(custom_objects or {})
        self.backup: dict | None = None

    def __enter__(self):
        self.backup = dict(getattr(_STATE, "scope", {}))
        _STATE.scope = dict(self.custom_objects)
        return self

    def __exit__(self, *args, **kwargs):
        _STATE.scope = dict(self.backup or {})


custom_object_scope = CustomObjectScope


def get_custom_objects() -> dict:
    """The live global table of registered objects (``"package>name"`` -> object)."""
    return _GLOBAL_CUSTOM_OBJECTS


def register_keras_serializable(package: str = "Custom", name: str | None = None):
    """Decorator: register a class (which must have ``get_config``) or a function under
    ``"package>name"`` (``name`` defaults to its ``__name__``)."""
    def decorator(arg):
        registered = f"{package}>{name if name is not None else arg.__name__}"
        if inspect.isclass(arg) and not hasattr(arg, "get_config"):
            raise ValueError("Cannot register a class that does not have a get_config() "
                             "method.")
        _GLOBAL_CUSTOM_OBJECTS[registered] = arg
        _GLOBAL_CUSTOM_NAMES[arg] = registered
        return arg
    return decorator


def get_registered_name(obj) -> str:
    """The name ``obj`` is registered under, else its ``__name__``."""
    try:
        if obj in _GLOBAL_CUSTOM_NAMES:
            return _GLOBAL_CUSTOM_NAMES[obj]
    except TypeError:                 # (an unhashable object)
        pass
    return obj.__name__


def get_registered_object(name, custom_objects=None, module_objects=None):
    """The object registered as ``name``: the scope's, the global table's, then
    ``custom_objects``'s and ``module_objects``'s; ``None`` when none has it."""
    scope = getattr(_STATE, "scope", {})
    if name in scope:
        return scope[name]
    if name in _GLOBAL_CUSTOM_OBJECTS:
        return _GLOBAL_CUSTOM_OBJECTS[name]
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    if module_objects and name in module_objects:
        return module_objects[name]
    return None


@contextlib.contextmanager
def loading(custom_objects):
    """The ``custom_objects`` of one ``load_model``/``model_from_config`` call."""
    if custom_objects is not None and not isinstance(custom_objects, dict):
        raise TypeError(f"custom_objects must be a dict, not {type(custom_objects).__name__}")
    before = getattr(_STATE, "loading", None)
    _STATE.loading = dict(custom_objects or {})
    try:
        yield
    finally:
        _STATE.loading = before


#: ``[models._classes]``, set by ``models.py``: the classes ``keras.saving.load_model`` builds
#: with (this module imports no other Keras module: ``utils`` and ``saving`` import it)
MODEL_CLASSES: list = []


def model_classes() -> dict:
    """The classes ``saving.load_model`` builds with (``keras.saving.load_model``)."""
    return MODEL_CLASSES[0]()


def _lookup(name) -> Any:
    if not isinstance(name, str):
        return None
    return get_registered_object(name, getattr(_STATE, "loading", None) or {})


def _all_custom() -> dict:
    return {**(getattr(_STATE, "loading", None) or {}), **getattr(_STATE, "scope", {}),
            **_GLOBAL_CUSTOM_OBJECTS}


# ---------------------------------------------------------------------------- writing
def fn_name(fn) -> str:
    """A function's name in a file: its registered name, else ``__name__``."""
    return get_registered_name(fn) if hasattr(fn, "__name__") else str(fn)


def fn_config(fn) -> Any:
    """An activation in a layer's ``get_config()``: dlcore's by name (``"relu"``), a user's
    function as Keras 3's record ``{"module": "builtins", "class_name": "function", "config":
    <registered name or __name__>, "registered_name": "function"}``."""
    name = getattr(fn, "__name__", None)
    if not isinstance(name, str) or str(getattr(fn, "__module__", "")).startswith("dlcore"):
        return name if isinstance(name, str) else str(fn)
    return {"module": "builtins", "class_name": "function", "config": fn_name(fn),
            "registered_name": "function"}


def class_record(obj, json_value) -> dict | None:
    """A loss or metric object of a user's class, as Keras 3 writes it; ``None`` (unsaved:
    the model loads uncompiled) when its ``get_config()`` is not JSON."""
    cls = type(obj)
    try:
        conf = _json(json_value(obj.get_config()), f"the get_config() of {cls.__name__}")
    except (TypeError, NotImplementedError):
        return None
    return {"module": None if cls.__module__ == "__main__" else cls.__module__,
            "class_name": cls.__name__, "config": conf,
            "registered_name": get_registered_name(cls)}


def find_class(rec: dict) -> Any:
    """The user's class of a loss/metric record (registered name, then class name)."""
    reg, name = rec.get("registered_name"), rec.get("class_name")
    found = _lookup(reg)
    return found if found is not None else _lookup(name)


def is_custom(layer) -> bool:
    """A layer of a class that is not dlcore's own (nor a subclass of its ``Lambda``)."""
    mro = type(layer).__mro__
    return not type(layer).__module__.startswith("dlcore_static.") and not any(
        c.__name__ == "Lambda" and c.__module__.startswith("dlcore_static.") for c in mro)


def _json(v: Any, where: str) -> Any:
    import numpy as np
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, (list, tuple)):
        return [_json(x, where) for x in v]
    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, dict) and all(isinstance(k, str) for k in v):
        return {k: _json(x, where) for k, x in v.items()}
    if callable(v) and isinstance(getattr(v, "__name__", None), str) and \
            not v.__name__.startswith("<"):
        return fn_name(v)
    raise TypeError(f"model.save: {where} holds a value dlcore cannot write as JSON: "
                    f"{type(v).__name__} {str(v)[:60]}")


def layer_record(layer, first: bool) -> dict:
    """A custom layer's record (Keras 3's form; ``for_file`` makes it Keras 2's for .h5)."""
    cls = type(layer)
    where = f"the get_config() of layer {layer.name!r} (class {cls.__name__})"
    raw = layer.get_config()
    if not isinstance(raw, dict):
        raise TypeError(f"The `get_config()` method of {layer} should return a dict. It "
                        f"returned: {str(raw)[:80]}")
    cfg = _json(raw, where)
    cfg["name"] = layer.name
    if first:
        try:
            shape = tuple(layer.input_shape)
        except AttributeError:                    # (a Sequential not built yet)
            shape = (layer._batch_size_arg, *(layer.input_shape_arg or ()))
        cfg["batch_input_shape"] = [None if d is None else int(d) for d in shape]
        cfg["dtype"] = "float32"
    return {"module": None if cls.__module__ == "__main__" else cls.__module__,
            "class_name": cls.__name__, "config": cfg,
            "registered_name": get_registered_name(cls)}


def for_file(cfg: Any, keras3: bool) -> Any:
    """``cfg`` for an ``.h5`` file: custom records as Keras 2 writes them (class name = the
    registered name, no module)."""
    if keras3 or not isinstance(cfg, dict) or not isinstance(cfg.get("config"), dict):
        return cfg
    layers = cfg["config"].get("layers")
    if not isinstance(layers, list):
        return cfg
    out = []
    for rec in layers:
        if isinstance(rec, dict) and "registered_name" in rec and "module" in rec:
            name = rec.get("registered_name") or rec["class_name"]
            rec = {k: v for k, v in rec.items() if k not in ("module", "registered_name")}
            rec["class_name"] = name
        elif isinstance(rec, dict) and rec.get("class_name") in ("Model", "Functional"):
            rec = {**rec, **for_file({"class_name": "Model", "config": rec["config"]}, False)}
        out.append(rec)
    return {**cfg, "config": {**cfg["config"], "layers": out}}


# ---------------------------------------------------------------------------- reading
class UnknownObjectError(TypeError, ValueError):
    """Keras 3's "Could not locate class" (a ``TypeError``; also a ``ValueError``, as dlcore's
    other file errors)."""


def _locate_error(kind: str, name: str, rec: dict) -> Exception:
    text = str(rec)
    return UnknownObjectError(
        f"Could not locate {kind} '{name}'. Make sure custom classes and functions are "
        "decorated with `@keras.saving.register_keras_serializable()`. If they are already "
        "decorated, make sure they are all imported so that the decorator is run before "
        f"trying to load them. Full object config: {text[:4000]}")


def _class_for(rec: dict, builtin: set, KerasFileError) -> Any:
    """The user's class for layer record ``rec``; ``None`` for one of dlcore's layers."""
    cls, reg = rec.get("class_name"), rec.get("registered_name")
    if not isinstance(cls, str):
        return None
    if str(rec.get("module") or "").startswith("keras.src.ops"):
        return None                 # a Keras 3 operation node (x + y): _keras3_ops
    if "module" in rec:                                   # Keras 3 (.keras, get_config)
        keras_module = str(rec.get("module") or "").startswith("keras")
        if reg in (None, "Functional") and (cls in builtin or keras_module):
            return None             # (one of Keras's own: _make_layer names an unknown one)
        found = _lookup(reg) if isinstance(reg, str) else None
        found = found if found is not None else _lookup(cls)
        if found is None and isinstance(reg, str) and ">" in reg:
            found = _lookup(reg.split(">", 1)[1])
        if found is None:
            raise _locate_error("class", cls, rec)
    else:                                                 # Keras 2 (.h5): by class name
        found = _lookup(cls) if cls not in _MODELS else None
        if found is None and ">" in cls:
            found = _lookup(cls.split(">", 1)[1])
        if found is None:
            if cls in builtin:
                return None
            raise KerasFileError(
                f"load_model: unknown layer class {cls[:60]!r} (Unknown layer: '{cls[:60]}'. "
                "Please ensure you are using a `keras.utils.custom_object_scope` and that this "
                f"object is included in the scope. See {_DOC} for details.)")
    if not (isinstance(found, type) and hasattr(found, "from_config")):
        raise KerasFileError(f"load_model: the custom object for layer class {cls[:60]!r} is "
                             f"not a layer class: {str(found)[:60]}")
    return found


def _function(v: Any) -> Any:
    """A function name (or Keras 3's function record) the custom objects know, else ``v``."""
    name = v.get("config") if isinstance(v, dict) and v.get("class_name") == "function" \
        else v
    found = _lookup(name)
    return found if callable(found) else name if isinstance(name, str) else v


def resolve(config: Any, saved: list, error) -> Any:
    """A model configuration with its custom layer records' ``class_name`` replaced by the
    class (see the module docstring) and custom function names by the functions; ``saved``:
    the names of dlcore's saved layer classes, ``error``: the loader's ``KerasFileError``."""
    builtin = set(saved) | set(_MODELS) | {"OpLayer", "TFOpLambda", "SlicingOpLambda"}  # (ops)
    if not isinstance(config, dict):
        return config
    inner = config.get("config")
    recs = inner.get("layers") if isinstance(inner, dict) else inner
    if not isinstance(recs, list):
        return config
    out = []
    for rec in recs:
        if not isinstance(rec, dict) or not isinstance(rec.get("config"), dict):
            out.append(rec)
            continue
        if rec.get("class_name") in ("Model", "Functional", "Sequential"):
            sub = resolve({"class_name": rec["class_name"], "config": rec["config"]}, saved,
                          error)
            out.append({**rec, "config": sub["config"]})
            continue
        found = _class_for(rec, builtin, error)
        if found is not None:
            out.append({**rec, "class_name": found})
            continue
        c = rec["config"]
        if any(k in c for k in _FN_KEYS):
            c = {k: _function(v) if k in _FN_KEYS else v for k, v in c.items()}
        out.append({**rec, "config": c})
    if isinstance(inner, dict):
        return {**config, "config": {**inner, "layers": out}}
    return {**config, "config": out}


def resolve_training(v: Any) -> Any:
    """Loss and metric names of a training configuration made the custom functions (or
    objects) they name, where the custom objects know them."""
    if isinstance(v, list):
        return [resolve_training(x) for x in v]
    if isinstance(v, dict) and "class_name" in v and v["class_name"] != "function":
        return v                                  # an object's record: saving_training's
    if isinstance(v, dict) and v.get("class_name") != "function":
        return {k: resolve_training(x) for k, x in v.items()}     # per output
    return _function(v)


def make_layer(cls: type, c: dict, input_shape=None) -> Any:
    """A custom layer from its record's ``config``: ``cls.from_config`` inside a scope of the
    load's custom objects; the first layer of a Sequential gets its input shape."""
    conf = dict(c)
    bis = conf.pop("batch_input_shape", None) or conf.pop("batch_shape", None)
    with CustomObjectScope(_all_custom()):
        try:
            try:
                layer = getattr(cls, "from_config")(conf)  # noqa: B009 (mypy: a type)
            except TypeError:           # a get_config without the name (keras.io's
                if "name" not in conf:  # CustomDense): Keras 3 makes it, named anew
                    raise
                layer = getattr(cls, "from_config")(  # noqa: B009
                    {k: v for k, v in conf.items() if k != "name"})
                if isinstance(conf["name"], str) and hasattr(layer, "input_shape_arg"):
                    layer.name = conf["name"]   # (the record's: .h5 weights go by name)
        except TypeError as e:
            raise TypeError(f"{cls} could not be deserialized properly. Please ensure that "
                            "components that are Python object instances (layers, models, "
                            "etc.) returned by `get_config()` are explicitly deserialized in "
                            f"the model's `from_config()` method.\n\nconfig={str(c)[:2000]}."
                            f"\n\nException encountered: {e}") from None
    if not hasattr(layer, "input_shape_arg"):                 # (not a dlcore Layer)
        raise TypeError(f"load_model: {cls.__name__}.from_config returned "
                        f"{type(layer).__name__}, not a Layer")
    if bis is not None:
        layer.input_shape_arg = tuple(bis[1:])
        layer._batch_size_arg = bis[0]
    elif input_shape is not None:
        layer.input_shape_arg = tuple(input_shape)
    return layer
