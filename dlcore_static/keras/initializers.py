"""``keras.initializers``: Keras' initializer classes and names on dlcore_static's initializers.

The classes take Keras' arguments and defaults (``RandomNormal(mean=0.0, stddev=0.05)``,
``RandomUniform(minval=-0.05, maxval=0.05)``, ``TruncatedNormal(mean=0.0, stddev=0.05)``,
``VarianceScaling(scale=1.0, mode='fan_in', distribution='truncated_normal')``), and the
Keras 2 functions ``glorot_uniform(seed=None)``, ``he_normal(seed=None)``, ``lecun_normal``...
return the matching initializer.  ``get(name_or_object)`` knows every name Keras 3's
``keras.initializers.get`` does (snake case and class names).  Each instance is a callable
``init(shape, dtype=None)`` giving a graph tensor, what ``Layer.add_weight`` uses.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from .. import initializers as _tf
from ..initializers import Initializer

#: Keras 3's initializer configurations: the keys, per class (the one table: the classes
#: below and a TF1 object in a layer's config, ``_layer_config``)
_INIT_KEYS: dict[str, tuple] = {
    "Zeros": (), "Ones": (), "Identity": (), "Constant": ("value",),
    "RandomNormal": ("seed", "mean", "stddev"), "TruncatedNormal": ("seed", "mean", "stddev"),
    "RandomUniform": ("seed", "minval", "maxval"), "Orthogonal": ("seed", "gain"),
    "VarianceScaling": ("seed", "scale", "mode", "distribution", "input_axes", "output_axes")}
_VS = ("seed", "input_axes", "output_axes")
_INIT_KEYS.update({n: _VS for n in ("GlorotUniform", "GlorotNormal", "HeNormal", "HeUniform",
                                    "LecunNormal", "LecunUniform")})


def _plain(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v.tolist() if isinstance(
        v, np.ndarray) else v


class _Keras3Config:
    """Keras 3's ``get_config`` and ``from_config`` for the classes defined here: the keys of
    Keras 3's class of the same name (``_INIT_KEYS``, the one table, also used for a
    TF1 object in a layer's ``get_config``), e.g. ``{'seed', 'input_axes', 'output_axes'}`` of
    ``HeNormal``.  The TF1 classes (``tf.glorot_uniform_initializer()``...) keep TF 1.15's."""

    _KERAS_NAME = ""

    def get_config(self) -> dict:
        return {k: _plain(getattr(self, k, None)) for k in _INIT_KEYS[self._KERAS_NAME]}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)


def _axes(name: str, input_axes, output_axes) -> None:
    """Keras 3's ``input_axes`` / ``output_axes`` (fans over chosen axes): only None."""
    for k, v in (("input_axes", input_axes), ("output_axes", output_axes)):
        if v is not None:
            raise NotImplementedError(f"{name}: {k}={v!r} is not supported by dlcore (only "
                                      f"None: the fans of the last two axes)")


class Zeros(_Keras3Config, _tf.Zeros):
    _KERAS_NAME = "Zeros"

    def __init__(self):
        super().__init__()


class Ones(_Keras3Config, _tf.Ones):
    _KERAS_NAME = "Ones"

    def __init__(self):
        super().__init__()


class Constant(_Keras3Config, _tf.Constant):
    _KERAS_NAME = "Constant"

    def __init__(self, value=0.0):
        super().__init__(value)


class Identity(_Keras3Config, _tf.Identity):
    _KERAS_NAME = "Identity"      # (Keras 3 writes no 'gain': its get_config is {})

    def __init__(self, gain=1.0):
        super().__init__(gain)


class RandomNormal(_Keras3Config, _tf.RandomNormal):
    _KERAS_NAME = "RandomNormal"

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(mean, stddev, seed)


class RandomUniform(_Keras3Config, _tf.RandomUniform):
    _KERAS_NAME = "RandomUniform"

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        super().__init__(minval, maxval, seed)


class TruncatedNormal(_Keras3Config, _tf.TruncatedNormal):
    _KERAS_NAME = "TruncatedNormal"

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(mean, stddev, seed)


class Orthogonal(_Keras3Config, _tf.Orthogonal):
    _KERAS_NAME = "Orthogonal"

    def __init__(self, gain=1.0, seed=None):
        super().__init__(gain, seed)


class VarianceScaling(_Keras3Config, _tf.VarianceScaling):
    _KERAS_NAME = "VarianceScaling"

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None,
                 input_axes=None, output_axes=None):
        _axes(type(self).__name__, input_axes, output_axes)
        super().__init__(scale, mode, distribution, seed)
        self.input_axes, self.output_axes = input_axes, output_axes


def _scaling(name: str, scale: float, mode: str, distribution: str) -> type:
    def __init__(self, seed=None, input_axes=None, output_axes=None):
        VarianceScaling.__init__(self, scale, mode, distribution, seed, input_axes,
                                 output_axes)
    doc = (f"Keras 3's ``{name}``: ``VarianceScaling(scale={scale}, mode={mode!r}, "
           f"distribution={distribution!r})``.")
    return type(name, (VarianceScaling,), {"__init__": __init__, "_KERAS_NAME": name,
                                           "__doc__": doc, "__module__": __name__})


GlorotUniform = _scaling("GlorotUniform", 1.0, "fan_avg", "uniform")
GlorotNormal = _scaling("GlorotNormal", 1.0, "fan_avg", "truncated_normal")
HeNormal = _scaling("HeNormal", 2.0, "fan_in", "truncated_normal")
HeUniform = _scaling("HeUniform", 2.0, "fan_in", "uniform")
LecunNormal = _scaling("LecunNormal", 1.0, "fan_in", "truncated_normal")
LecunUniform = _scaling("LecunUniform", 1.0, "fan_in", "uniform")

_CLASSES: dict[str, type] = {c.__name__: c for c in (
    Zeros, Ones, Constant, Identity, RandomNormal, RandomUniform, TruncatedNormal, Orthogonal,
    VarianceScaling, GlorotUniform, GlorotNormal, HeNormal, HeUniform, LecunNormal,
    LecunUniform)}
assert set(_CLASSES) == set(_INIT_KEYS)
#: every name Keras 3's ``initializers.get`` knows (class names, snake case, aliases)
_NAMES: dict[str, type] = {**_CLASSES, "IdentityInitializer": Identity,
                           "OrthogonalInitializer": Orthogonal, "zero": Zeros, "one": Ones,
                           "normal": RandomNormal, "uniform": RandomUniform}
_NAMES.update({"".join("_" + ch.lower() if ch.isupper() else ch for ch in n).lstrip("_"): c
               for n, c in _CLASSES.items()})


def get(identifier):
    """Keras 3's ``keras.initializers.get``: None; an initializer or callable as it is; a
    class, called; a name ('he_normal', 'HeNormal', 'normal'...), an instance of that class;
    a record ``{'class_name', 'config'[, 'module', 'registered_name']}``, rebuilt by
    ``from_config`` (a registered custom class too)."""
    if identifier is None:
        return None
    if isinstance(identifier, type):
        return identifier()
    if isinstance(identifier, dict):
        from .saving_custom import get_registered_object
        name = identifier.get("class_name")
        cls = (get_registered_object(identifier.get("registered_name") or name)
               if isinstance(name, str) else None)
        if not isinstance(cls, type):
            cls = _NAMES.get(name) if isinstance(name, str) else None
        if cls is None:
            raise ValueError(f"Could not interpret initializer identifier: {identifier}")
        return getattr(cls, "from_config")(dict(identifier.get("config") or {}))  # noqa: B009
    if isinstance(identifier, str):
        if identifier not in _NAMES:
            raise ValueError(f"Could not interpret initializer identifier: {identifier}")
        return _NAMES[identifier]()
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret initializer identifier: {identifier}")


def serialize(initializer) -> Any:
    """``keras.initializers.serialize``: Keras 3's record of the initializer."""
    # (read, not imported: saving_objects reaches this module; ``keras`` imports them all)
    return sys.modules[f"{__package__}.saving_objects"].serialize_keras_object(initializer)


def deserialize(config, custom_objects=None):
    """``keras.initializers.deserialize``: the initializer of a Keras 3 record."""
    from .saving_custom import CustomObjectScope
    with CustomObjectScope(custom_objects or {}):
        return get(config)


zeros = zero = Zeros
ones = one = Ones
constant = Constant
random_normal = normal = RandomNormal
random_uniform = uniform = RandomUniform
truncated_normal = TruncatedNormal
variance_scaling = VarianceScaling
orthogonal = OrthogonalInitializer = Orthogonal
identity = IdentityInitializer = Identity
glorot_normal = GlorotNormal
glorot_uniform = GlorotUniform
he_normal = HeNormal
he_uniform = HeUniform
lecun_normal = LecunNormal
lecun_uniform = LecunUniform

__all__ = [
    "Constant",
    "GlorotNormal",
    "GlorotUniform",
    "HeNormal",
    "HeUniform",
    "Identity",
    "IdentityInitializer",
    "Initializer",
    "LecunNormal",
    "LecunUniform",
    "Ones",
    "Orthogonal",
    "OrthogonalInitializer",
    "RandomNormal",
    "RandomUniform",
    "TruncatedNormal",
    "VarianceScaling",
    "Zeros",
    "constant",
    "deserialize",
    "get",
    "glorot_normal",
    "glorot_uniform",
    "he_normal",
    "he_uniform",
    "identity",
    "lecun_normal",
    "lecun_uniform",
    "normal",
    "one",
    "ones",
    "orthogonal",
    "random_normal",
    "random_uniform",
    "serialize",
    "truncated_normal",
    "uniform",
    "variance_scaling",
    "zero",
    "zeros",
]
