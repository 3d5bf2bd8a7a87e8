"""``compile``'s metrics per output: ``metrics=[...]`` and ``weighted_metrics=[...]``.

A weighted metric is computed with the batch's sample weights (``sample_weight`` of
``fit``/``evaluate``/``*_on_batch``, times ``class_weight``'s weight of each sample's class,
times a masked output's mask), as tf.keras 2 and Keras 3 do: a per-sample metric (``"mae"``,
``"accuracy"``, a function, ``keras.metrics.MeanAbsoluteError()``) is a weighted mean over the
epoch (``sum(value * w) / sum(w)`` over every sample since the last reset, kept in two local
variables), a stateful metric (``Precision``, ``AUC``, a user's ``Metric`` subclass) gets the
weights in its ``update_state(y_true, y_pred, sample_weight)``.  Without sample weights (all
ones) a weighted metric equals its unweighted twin.

Names: a weighted metric keeps its own name; when the same output already has an unweighted
metric of that name it is ``weighted_<name>`` (tf.keras 2's ``MetricsContainer`` and Keras 3's
``CompileMetrics.result`` agree), with the output's name in front for a multi-output model.
Order (``metrics_names``, ``evaluate``'s list, the history): the losses, then per output its
metrics and then its weighted metrics.  tf.keras 2 orders them so (``_metrics_in_order``:
output by output); Keras 3 puts every output's metrics before every output's weighted metrics.
For one output both agree; for several, dlcore follows tf.keras 2.
"""

from __future__ import annotations

import numpy as np

from dlcore import ops as _ops

from .. import metrics as _tf_metrics
from ..control_flow import group
from ..graph import control_dependencies, get_default_graph
from . import backend as K
from .engine import MASKS


def masked(score, mask):
    """Keras' masked objective: the per-step scores of a masked output times the mask, divided
    by the mask's mean (the loss per batch proportional to the unmasked steps)."""
    if mask is None:
        return score
    m = _ops.cast(mask, score.aval.dtype)
    return _ops.div(_ops.mul(score, m), _ops.add(_ops.mean(m), K.epsilon()))


class WeightedMean:
    """A per-sample metric function's weighted mean over the epoch (Keras's ``Mean`` with
    ``sample_weight``): ``total += sum(v * w)``, ``count += sum(w)``, the result
    ``total / count`` (0 before any weight).  Registered with the confusion metrics for
    ``fit``/``evaluate``'s resets and their 'last value is the epoch's' rule."""

    def __init__(self, name: str, fn) -> None:
        self.name = name
        self._fn = fn
        self._vars: dict | None = None

    @property
    def variables(self) -> list:
        return [] if self._vars is None else list(self._vars.values())

    def __call__(self, y_true, y_pred, sample_weight, mask=None):
        from .confusion_metrics import _REGISTRY
        g = get_default_graph()
        if self._vars is None:
            with g.control_dependencies(None), g.name_scope(self.name + "/"):
                self._vars = {k: _tf_metrics._local_vec(k, ()) for k in ("total", "count")}
            _REGISTRY.setdefault(g, []).append(self)
        v = _ops.cast(self._fn(y_true, y_pred), np.float32)
        nd = v.aval.ndim
        if nd == 0:
            raise ValueError(f"weighted metric {self.name}: its function returned a scalar, "
                             "not one value per sample (shape (batch, ...)); a weighted mean "
                             "needs the per-sample values")
        w = _ops.cast(sample_weight, np.float32)
        w = _ops.reshape(w, (-1,) + (1,) * (nd - 1))              # (batch, 1, ...)
        if mask is not None:                                       # (Keras: weights * mask)
            m = _ops.cast(mask, np.float32)
            if m.aval.ndim < nd:
                m = _ops.reshape(m, tuple(-1 if d is None else int(d)
                                          for d in m.aval.shape) + (1,) * (nd - m.aval.ndim))
            w = _ops.mul(w, m)
        w = _ops.mul(w, _ops.ones_like(v))                         # broadcast to v's shape
        vw = _ops.mul(v, w)
        if nd > 1:                                  # per sample: the mean of its values
            axes = tuple(range(1, nd))
            vw, w = _ops.mean(vw, axes), _ops.mean(w, axes)
        upd = group(self._vars["total"].assign_add(_ops.sum(vw)),
                    self._vars["count"].assign_add(_ops.sum(w)))
        with control_dependencies([upd]):
            total, count = self._vars["total"].value(), self._vars["count"].value()
            tiny = float(np.finfo(np.float32).tiny)
            return _ops.div(total, _ops.maximum(count, tiny))

    def reset_state(self) -> None:
        if self._vars is not None:
            K.batch_set_value([(v, np.zeros((), np.float32)) for v in self._vars.values()])

    reset_states = reset_state


def _weighted_tensor(label: str, fn, target, out, weight, mask):
    if getattr(fn, "confusion", None) is not None:   # Precision, AUC, a user's Metric
        return _ops.cast(fn(target, out, weight), np.float32)
    return WeightedMean(label, fn)(target, out, weight, mask)


def metric_names(model, metrics, weighted_metrics, losses: list) -> list:
    """Each compiled metric as ``(output index, weighted, as given, its name, its function)``,
    named as tf.keras 2 names them (``_set_metric_names``): the output's name first in a
    multi-output model, ``weighted_`` before a weighted metric whose name is taken, and
    ``ValueError: Found two metrics with the same name: a_mae`` for a repeated one (Keras 3
    appends ``_1`` instead; dlcore follows tf.keras 2, as its Keras semantics)."""
    n = len(model.outputs)
    per_out = model._per_output_metrics(metrics)
    per_out_w = model._per_output_metrics(weighted_metrics)
    names: set = set()
    out: list = []
    for i in range(n):
        prefix = "" if n == 1 else f"{model.output_names[i]}_"
        todo = [(False, m) for m in per_out[i]] + [(True, m) for m in per_out_w[i]]
        for weighted, m in todo:
            if m is None:
                continue
            label, fn = model._metric_fn(m, losses[i], model.outputs[i])
            full = prefix + label
            if weighted and full in names:
                full = f"{prefix}weighted_{label}"
            if full in names:
                raise ValueError(f"Found two metrics with the same name: {full}")
            names.add(full)
            out.append((i, weighted, m, full, fn))
    return out


def add_metrics(model, specs: list) -> None:
    """Append each output's metrics, then its weighted metrics (``metric_names``' list), to
    ``model.metrics_names``, ``model._metric_specs`` and ``model._metric_tensors`` (see the
    module docstring)."""
    g = model.graph
    for i, weighted, m, full, fn in specs:
        if i not in model._target_outputs:
            which = "weighted_metrics" if weighted else "metrics"
            raise ValueError(f"{which} for output '{model.output_names[i]}' need a target, "
                             "but the output has no loss")
    for i, weighted, m, full, fn in specs:
        k = model._target_outputs.index(i)
        target, out = model.targets[k], model.outputs[i]
        with g.name_scope("metrics/"):
            if weighted:
                t = _weighted_tensor(full, fn, target, out, model.sample_weights[k],
                                     MASKS.get(out))
            else:
                t = _ops.mean(masked(_ops.cast(fn(target, out), np.float32),
                                     MASKS.get(out)))
        model.metrics_names.append(full)
        model._metric_specs[full] = m
        model._metric_tensors.append(t)
