"""``model.to_json()`` and ``model_from_json``'s text.

tf.keras 2.x writes ``{"class_name", "config", "keras_version", "backend": "tensorflow"}``
with Keras 2's layer records (``batch_input_shape``, a functional model's class ``Model`` or
``Functional``, no ``module``); Keras 3's ``model_from_json`` cannot read that (it locates each
class by its ``module``: "Could not locate class 'Sequential'").  dlcore writes what a
``.keras`` file's ``config.json`` holds (Keras 3's records: ``module``, ``registered_name``,
``batch_shape``, a functional model as ``Functional``, ``hard_sigmoid`` as Keras 3 reads it),
plus tf.keras 2's ``keras_version`` and ``backend`` keys (Keras 3 ignores them), so
``keras.models.model_from_json`` of Keras 3 rebuilds dlcore's Sequential and functional models
and dlcore's ``model_from_json`` reads them, its older Keras 2-style text and Keras 3's.
"""

from __future__ import annotations

import json
from typing import Any

#: the ``keras_version`` of the JSON text: Keras 3's records
JSON_KERAS_VERSION = "3.0.0"


def to_json(model, **kwargs) -> str:
    from . import _activation_files as _act_files
    from . import saving_custom as _custom
    from .saving import _sequential_keras3, model_config
    build = getattr(model, "_build", None)
    if build is not None:                      # a Sequential builds its graph lazily
        build()
    cfg = _custom.for_file(_act_files.for_file(model_config(model, True), True), True)
    if cfg["class_name"] != "Functional":
        cfg = _sequential_keras3(cfg)
    cfg = dict(cfg, keras_version=JSON_KERAS_VERSION, backend="tensorflow")
    return json.dumps(cfg, **kwargs)


def from_json(cfg: Any) -> Any:
    """A configuration read from JSON, in Keras 3's records (``module``: dlcore's text and
    Keras 3's) with its ``hard_sigmoid`` made Keras 3's; Keras 2's text as it is."""
    from . import _activation_files as _act_files
    if isinstance(cfg, dict) and ("module" in cfg or cfg.get("class_name") == "Functional"):
        return _act_files.from_file(cfg, True)
    return cfg
