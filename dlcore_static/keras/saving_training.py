"""The training configuration of Keras model files: loss and metric objects, optimizer
arguments and learning-rate schedules (see ``saving.py`` for the file layouts).

Keras 3 writes a loss or metric object of its own classes as ``{"module": "keras.losses",
"class_name": "MeanSquaredError", "config": {"name": ..., "reduction": ...},
"registered_name": null}`` (``keras.metrics`` for metrics), an optimizer's schedule in place of
its ``learning_rate`` as ``{"module": "keras.optimizers.schedules", "class_name":
"ExponentialDecay", "config": {...}, "registered_name": null}``, and an optimizer's arguments
(``beta_1``, ``beta_2``, ``epsilon``, ``amsgrad``, ``weight_decay``, ...) in its config.  dlcore
writes the same records, in ``.keras`` and ``.h5`` files alike; a function is written by its
name (its registered name, see ``saving_custom.py``), and an object of a class the user
defined as Keras 3 writes it (``module``, ``class_name``, its ``get_config()``,
``registered_name``), found again through the custom objects of the load.

Reading creates objects of the classes of that name in ``keras.losses``, ``keras.metrics`` and
``keras.optimizers.schedules`` only (subclasses of their base classes; nothing is imported or
executed from the file), each from its config.
"""

from __future__ import annotations

import inspect
from typing import Any

_OPT_ARGS = ("beta_1", "beta_2", "epsilon", "amsgrad", "momentum", "nesterov", "rho",
             "weight_decay", "initial_accumulator_value", "clipnorm", "clipvalue")
_MODULES = {"loss": "keras.losses", "metric": "keras.metrics"}


def _ours(obj) -> bool:
    return type(obj).__module__.startswith("dlcore_static.keras.")


def _record(module: str, obj, json_value) -> dict:
    return {"module": module, "class_name": type(obj).__name__,
            "config": json_value(obj.get_config()), "registered_name": None}


def serialize(v: Any, kind: str, json_value) -> Any:
    """A ``loss`` or ``metrics`` argument of ``compile`` (``kind`` "loss" or "metric") as
    Keras writes it; ``None`` when some part of it cannot be written."""
    from .loss_classes import Loss
    from .metric_classes import Metric
    if isinstance(v, str) or v is None:
        return v
    if isinstance(v, dict):
        out = {k: serialize(x, kind, json_value) for k, x in v.items()}
        return None if any(x is None for x in out.values()) else out
    if isinstance(v, (list, tuple)):
        items = [serialize(x, kind, json_value) for x in v]
        return None if any(x is None for x in items) else items
    if isinstance(v, (Loss, Metric)):
        if not _ours(v):                  # a user's class: as Keras 3 (saving_custom.py)
            from .saving_custom import class_record
            return class_record(v, json_value)
        return _record(_MODULES[kind], v, json_value)
    name = getattr(v, "__name__", None)
    return name if isinstance(name, str) and not name.startswith("<") else None


def deserialize(v: Any, kind: str, error) -> Any:
    """The inverse of ``serialize``: records become objects of ``keras.losses`` /
    ``keras.metrics`` classes (names pass through: ``compile`` looks them up), after the names
    the custom objects of the load know are made theirs (``saving_custom.resolve_training``)."""
    from .saving_custom import resolve_training
    v = resolve_training(v)
    if isinstance(v, dict) and "class_name" in v and isinstance(v.get("config"), dict):
        from . import losses, metrics
        from .loss_classes import Loss
        from .metric_classes import Metric
        if kind == "loss":
            return _make(losses, Loss, v, error)
        return _make(metrics, Metric, v, error)
    if isinstance(v, dict):
        return {k: deserialize(x, kind, error) for k, x in v.items()}
    if isinstance(v, list):
        return [deserialize(x, kind, error) for x in v]
    return v


def _make(mod, base, rec: dict, error):
    name = rec.get("class_name")
    cls = getattr(mod, name, None) if isinstance(name, str) else None
    if rec.get("registered_name") is not None or "module" in rec and not str(
            rec["module"]).startswith("keras"):     # a user's class: by registered name
        from .saving_custom import find_class
        cls = find_class(rec)
    if not (isinstance(cls, type) and issubclass(cls, base)):
        raise error(f"load_model: unknown {base.__name__} class {str(name)[:40]!r} in the "
                    "training configuration; load the model with compile=False")
    try:
        return cls(**rec["config"])
    except (TypeError, ValueError) as e:
        raise error(f"load_model: cannot rebuild {name} from the training configuration: "
                    f"{e}") from None


def optimizer_config(opt, conf: dict, json_value) -> dict:
    """``conf`` (the optimizer's ``get_config`` with ``learning_rate``) completed with its
    other constructor arguments and its schedule, as Keras 3 writes them."""
    params = inspect.signature(type(opt).__init__).parameters
    for k in _OPT_ARGS:
        if k not in conf and (k in params or k in ("clipnorm", "clipvalue")) and \
                hasattr(opt, k):
            conf[k] = json_value(getattr(opt, k))
    sched = getattr(opt, "_schedule", None)
    if sched is not None:
        conf["learning_rate"] = _record("keras.optimizers.schedules", sched, json_value)
    return conf


def optimizer_kwargs(conf: dict, error) -> dict:
    """An optimizer's config from a file, its schedule rebuilt (a class of
    ``keras.optimizers.schedules``)."""
    from . import lr_schedules
    conf = dict(conf)
    lr = conf.get("learning_rate")
    if isinstance(lr, dict):
        conf["learning_rate"] = _make(lr_schedules, lr_schedules.LearningRateSchedule, lr,
                                      error)
    return conf
