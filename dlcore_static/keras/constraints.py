"""``keras.constraints``: functions applied to a weight after each optimizer update (Keras 2).

    MaxNorm(max_value=2, axis=0)     w * clip(n, 0, max_value) / (eps + n),  n = ||w||_axis
    NonNeg()                         w * (w >= 0)
    UnitNorm(axis=0)                 w / (eps + ||w||_axis)
    MinMaxNorm(min_value=0, max_value=1, rate=1, axis=0)
                                     w * (rate clip(n, min, max) + (1 - rate) n) / (eps + n)

A layer's ``kernel_constraint=`` / ``bias_constraint=`` (``embeddings_constraint``,
``recurrent_constraint``, ``beta_constraint``, ``gamma_constraint``, ``alpha_constraint``)
is attached to the variable (``v.constraint``); the Keras optimizers assign
``constraint(new value)`` instead of the new value, as Keras' ``get_updates`` does.  ``tf.train``
optimizers ignore constraints (as with Keras' ``TFOptimizer``).  Names: the classes, the
aliases ``max_norm``, ``non_neg``, ``unit_norm``, ``min_max_norm``, and those strings in ``get``.
"""

from __future__ import annotations

from dlcore import ops as _ops

from . import backend as K


def _norms(w, axis):
    axis = tuple(axis) if isinstance(axis, (list, tuple)) else axis
    return _ops.sqrt(_ops.sum(_ops.square(w), axis, keepdims=True))


class Constraint:
    """The identity constraint (base class)."""

    def __call__(self, w):
        return w

    def get_config(self) -> dict:
        return {}


class MaxNorm(Constraint):
    """Rescale the slices along ``axis`` whose norm exceeds ``max_value``."""

    def __init__(self, max_value=2, axis=0):
        self.max_value = max_value
        self.axis = axis

    def __call__(self, w):
        norms = _norms(w, self.axis)
        desired = _ops.clip(norms, 0.0, float(self.max_value))
        return _ops.mul(w, _ops.div(desired, _ops.add(norms, K.epsilon())))

    def get_config(self) -> dict:
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """Negative entries set to zero."""

    def __call__(self, w):
        return _ops.mul(w, _ops.cast(_ops.greater_equal(w, 0.0), w.aval.dtype))


class UnitNorm(Constraint):
    """Each slice along ``axis`` divided by its norm."""

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        return _ops.div(w, _ops.add(_norms(w, self.axis), K.epsilon()))

    def get_config(self) -> dict:
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Norms along ``axis`` moved ``rate`` of the way into ``[min_value, max_value]``."""

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value = min_value
        self.max_value = max_value
        self.rate = rate
        self.axis = axis

    def __call__(self, w):
        norms = _norms(w, self.axis)
        clipped = _ops.clip(norms, float(self.min_value), float(self.max_value))
        desired = _ops.add(_ops.mul(clipped, float(self.rate)),
                           _ops.mul(norms, 1.0 - float(self.rate)))
        return _ops.mul(w, _ops.div(desired, _ops.add(norms, K.epsilon())))

    def get_config(self) -> dict:
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate,
                "axis": self.axis}


max_norm, non_neg, unit_norm, min_max_norm = MaxNorm, NonNeg, UnitNorm, MinMaxNorm
_BY_NAME = {"MaxNorm": MaxNorm, "NonNeg": NonNeg, "UnitNorm": UnitNorm,
            "MinMaxNorm": MinMaxNorm, "Constraint": Constraint, "max_norm": MaxNorm,
            "non_neg": NonNeg, "unit_norm": UnitNorm, "min_max_norm": MinMaxNorm}


def serialize(constraint) -> dict:
    return {"class_name": type(constraint).__name__, "config": constraint.get_config()}


def deserialize(config: dict, custom_objects=None):
    name = config["class_name"]
    cls = (custom_objects or {}).get(name) or _BY_NAME.get(name)
    if cls is None:
        raise ValueError(f"Unknown constraint: {name}")
    return cls(**config.get("config", {}))


def get(identifier):
    """None, a constraint (any callable), its name, or a ``{'class_name', 'config'}`` dict."""
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return deserialize({"class_name": identifier, "config": {}})
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret constraint identifier: {identifier}")
