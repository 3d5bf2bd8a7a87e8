"""Keras 3's automatic ``get_config()`` of a user's layer class that does not write its own.

Keras 3 (``keras/src/ops/operation.py``, ``Operation.__new__`` and ``get_config``) records the
arguments each layer was constructed with: ``__init__``'s signature bound to them with the
defaults filled in, ``**kwargs`` spread out, ``self`` and ``name`` left out.  When every value
is a ``str``, ``int``, ``float``, ``bool`` or ``None`` (also inside lists, tuples and dicts) and
no class of the user's overrides ``get_config``, a layer whose nearest built-in base is the
base ``Layer`` has the configuration ``{'name', **arguments, 'trainable', 'dtype'}`` (plus
``activity_regularizer`` when set); ``name`` is left out when ``__init__`` takes neither
``name`` nor a ``**kwargs`` so named, since ``cls(**config)`` could not take it back.
Otherwise ``get_config()`` (and so ``model.save``) raises Keras 3's ``NotImplementedError``:
"non-serializable argument values", or "positional only or variadic positional arguments"
when ``__init__`` has positional-only parameters or was given ``*args``.
"""

from __future__ import annotations

import inspect
import textwrap
from typing import Any

_SIMPLE = (str, int, float, bool, type(None))
_EXAMPLE = """
            class CustomLayer(keras.layers.Layer):
                def __init__(self, arg1, arg2, **kwargs):
                    super().__init__(**kwargs)
                    self.arg1 = arg1
                    self.arg2 = arg2

                def get_config(self):
                    config = super().get_config()
                    config.update({
                        "arg1": self.arg1,
                        "arg2": self.arg2,
                    })
                    return config
            """


def _builtin(c: type) -> bool:
    return c.__module__.startswith("dlcore_static.")


def _flat(v: Any) -> list:
    if isinstance(v, dict):
        return [x for i in v.values() for x in _flat(i)]
    if isinstance(v, (list, tuple)):
        return [x for i in v for x in _flat(i)]
    return [v]


def _init(cls: type) -> Any:
    """``cls.__init__`` (the nearest class's in the MRO that defines one)."""
    return next((vars(c)["__init__"] for c in cls.__mro__ if "__init__" in vars(c)),
                object.__init__)


class AutoConfig:
    """Mixin of ``engine.Layer``: records a user's layer's constructor arguments (Keras 3's
    ``Operation.__new__``); built-in layers record nothing (they have their own config)."""

    def __new__(cls, *args, **kwargs):
        obj = super().__new__(cls)
        if not _builtin(cls):
            record(obj, cls, args, kwargs)
        else:               # the arguments as given, read by _layer_config.get_config
            got = _bound(_init(cls), args, kwargs)
            if got is not None:                 # (else __init__ raises its own error)
                obj.__dict__["_init_args"] = InitArgs(got[0])
        return obj


class InitArgs:
    """A built-in layer's constructor arguments as given (not a dict, so that the layers
    among them, a wrapper's ``layer``, are not taken for held sublayers by ``_tracking``)."""

    def __init__(self, given: dict):
        self._given = given

    def get(self, key: str, default: Any = None) -> Any:
        return self._given.get(key, default)

    def __contains__(self, key: str) -> bool:
        return key in self._given


def _bound(init: Any, args: tuple, kwargs: dict) -> tuple[dict, tuple] | None:
    """``init``'s parameters bound to ``(self, *args, **kwargs)``, defaults filled in,
    ``**kwargs`` spread out and ``self`` left out, with the ``*args`` given apart; None when
    they do not bind."""
    try:
        sig = inspect.signature(init)
        bound = sig.bind(None, *args, **kwargs)
    except (TypeError, ValueError):
        return None
    bound.apply_defaults()
    given, extra = dict(bound.arguments), ()
    for p in sig.parameters.values():
        if p.kind == p.VAR_POSITIONAL:
            extra = given.pop(p.name, ())
        elif p.kind == p.VAR_KEYWORD:
            given.update(given.pop(p.name, {}))
    given.pop(next(iter(sig.parameters)), None)
    return given, extra


def record(obj, cls: type, args: tuple, kwargs: dict) -> None:
    init = _init(cls)
    got = _bound(init, args, kwargs)
    if got is None:
        return _store(obj, None, False)
    conf, extra = got
    params = list(inspect.signature(init).parameters.values())[1:]
    if extra or any(p.kind == p.POSITIONAL_ONLY for p in params):
        return _store(obj, None, True)
    conf.pop("name", None)
    _store(obj, conf if all(isinstance(v, _SIMPLE) for v in _flat(conf)) else None, False)


def _store(obj, conf: dict | None, positional: bool) -> None:
    obj.__dict__["_auto_config"] = conf
    obj.__dict__["_auto_config_error_args"] = positional


def applies(cls: type) -> bool:
    """True when ``cls``'s ``get_config`` is the base ``Layer``'s: no class of the user's
    overrides it and the nearest built-in base is ``engine.Layer`` itself."""
    for c in cls.__mro__:
        if _builtin(c):
            return c.__name__ == "Layer" and c.__module__.endswith(".engine")
        if "get_config" in vars(c):
            return False
    return False


def get_config(layer, base: dict) -> dict:
    """Keras 3's automatic configuration of ``layer`` (``base``: name, trainable, dtype and the
    activity regularizer, as the base ``Layer`` writes them)."""
    auto = layer.__dict__.get("_auto_config")
    cls = type(layer).__name__
    if auto is None:
        if layer.__dict__.get("_auto_config_error_args", False):
            raise NotImplementedError(textwrap.dedent(f"""
            Object {cls} was created by passing
            positional only or variadic positional arguments (e.g.,
            `*args`) to `__init__()`, which is not supported by the
            automatic config generation. Please remove all positional
            only and variadic arguments from `__init__()`
            or override `get_config()` and `from_config()` to make
            the object serializatble.

            Example:

            {_EXAMPLE}"""))
        raise NotImplementedError(textwrap.dedent(f"""
            Object {cls} was created by passing
            non-serializable argument values in `__init__()`,
            and therefore the object must override `get_config()` in
            order to be serializable. Please implement `get_config()`.

            Example:

            {_EXAMPLE}"""))
    cfg = {"name": base["name"], **auto}
    cfg.update({k: v for k, v in base.items() if k != "name"})
    params = inspect.signature(_init(type(layer))).parameters
    kw = params.get("kwargs")
    if "name" not in params and not (kw is not None and kw.kind == kw.VAR_KEYWORD):
        cfg.pop("name", None)
    return cfg
