"""``hard_sigmoid`` in Keras model files: one name, two formulas.

Keras 2 (and tf.keras of TensorFlow 1 and 2) define ``hard_sigmoid(x) = clip(0.2 x + 0.5, 0, 1)``
and made it the default ``recurrent_activation`` of ``LSTM``, ``GRU`` and ``ConvLSTM2D``.  Keras 3
redefined the name: ``hard_sigmoid(x) = relu6(x + 3) / 6 = clip(x / 6 + 0.5, 0, 1)``, and reads
the string ``"hard_sigmoid"`` in every file (its ``.keras`` files and the legacy ``.h5`` ones
alike) with its own formula.  dlcore's ``activations.hard_sigmoid`` is Keras 3's (and the
recurrent layers default to Keras 3's ``sigmoid``); Keras 2's formula is :func:`keras2_hard_sigmoid`,
what a Keras 2 file's bare ``"hard_sigmoid"`` means.

Writing, Keras 2's function is a registered function,
``{"class_name": "function", "config": "dlcore>keras2_hard_sigmoid"}``, in both formats: real
Keras 3 refuses to load it with its own "Could not locate function" error unless the program
passes ``custom_objects={"dlcore>keras2_hard_sigmoid": fn}`` (never a silently different
model), and dlcore reads it back as Keras 2's function.  Keras 3's is written as
``"hard_sigmoid"`` in a ``.keras`` file and as the registered ``"dlcore>keras3_hard_sigmoid"`` in
an ``.h5`` file (whose ``keras_version`` 2.2.4 makes a bare ``"hard_sigmoid"`` Keras 2's).
Reading, a bare ``"hard_sigmoid"`` is Keras 3's in a ``.keras`` file or an ``.h5`` file of
``keras_version`` 3 or later, Keras 2's in an older ``.h5`` file (a genuine Keras 2 file, or one
dlcore wrote before this rule).
"""

from __future__ import annotations

from typing import Any

from dlcore import ops as _ops

_KEYS = ("activation", "recurrent_activation")
K2_NAME = "dlcore>keras2_hard_sigmoid"
K3_NAME = "dlcore>keras3_hard_sigmoid"
_KEEP = object()                    # (a converter's "not mine: walk into it")


def keras2_hard_sigmoid(x):
    """Keras 2's (and tf.keras's) ``hard_sigmoid``: ``clip(0.2 x + 0.5, 0, 1)``."""
    return _ops.minimum(_ops.maximum(_ops.add(_ops.mul(x, 0.2), 0.5), 0.0), 1.0)


def _registered(name: str) -> dict:
    return {"module": "builtins", "class_name": "function", "config": name,
            "registered_name": "function"}


def _map_activations(cfg: Any, convert) -> Any:
    """``cfg`` with each ``activation``/``recurrent_activation`` value ``v`` replaced by
    ``convert(v)`` where that is not ``_KEEP`` (every other value walked into)."""
    if isinstance(cfg, list):
        return [_map_activations(v, convert) for v in cfg]
    if not isinstance(cfg, dict):
        return cfg
    out = {}
    for k, v in cfg.items():
        new = convert(v) if k in _KEYS else _KEEP
        out[k] = _map_activations(v, convert) if new is _KEEP else new
    return out


def for_file(cfg: Any, keras3: bool) -> Any:
    """``cfg`` (a model configuration from ``layer_config``) with its ``hard_sigmoid`` values
    written for a ``.keras`` (``keras3``) or ``.h5`` file, as the module docstring says."""
    def convert(v):
        if v == keras2_hard_sigmoid.__name__:
            return _registered(K2_NAME)
        if v == "hard_sigmoid":
            return "hard_sigmoid" if keras3 else _registered(K3_NAME)
        return _KEEP
    return _map_activations(cfg, convert)


def from_file(cfg: Any, keras3: bool) -> Any:
    """``cfg`` read from a file, its ``hard_sigmoid`` values made the functions they name:
    a registered dlcore name, or a bare name read by the file's Keras version (``keras3``)."""
    from . import activations

    def convert(v):
        if v == "hard_sigmoid":
            return activations.hard_sigmoid if keras3 else keras2_hard_sigmoid
        if isinstance(v, dict) and v.get("class_name") == "function" \
                and v.get("config") in (K2_NAME, K3_NAME):
            return keras2_hard_sigmoid if v["config"] == K2_NAME else activations.hard_sigmoid
        return _KEEP
    return _map_activations(cfg, convert)


def is_keras3_version(version: Any) -> bool:
    """Whether an ``.h5`` file's ``keras_version`` attribute is 3 or later."""
    if isinstance(version, bytes):
        version = version.decode("utf-8", "replace")
    try:
        return int(str(version).split(".")[0]) >= 3
    except ValueError:
        return False
