"""Metrics a model's layers own, in ``fit``/``evaluate``'s logs (Keras 3's ``Trainer.metrics``:
the model's own metric attributes, then each sublayer's).  keras.io's "endpoint layer
pattern": a layer makes ``self.accuracy_metric = keras.metrics.BinaryAccuracy()`` in
``__init__`` and calls ``self.accuracy_metric.update_state(targets, logits, sample_weight)``
in ``call``; Keras 3 logs ``accuracy`` after each batch and resets it each epoch.

On the static engine ``call`` runs once, when the model is built: ``update_state`` builds the
update op there, and nothing fetches it.  So every update op a ``keras.metrics`` metric builds
is recorded (``_metric_state.record``), and ``compile`` adds, for each metric held by the model or one of
its layers (attributes, nested) with updates built in the model's graph, its ``result()``
after those updates to the model's metrics under the metric's name; it is registered with the
stateful metrics (``confusion_metrics._REGISTRY``), so ``fit`` resets it as each epoch begins
and logs its value after the epoch's last batch, ``evaluate`` after its last batch, as Keras 3.
A metric ``compile`` already has, or whose name is taken, is left alone.  A layer called
with targets in two models of one graph built an update in each: a model's result waits only
on the updates fed by its own inputs (``_own_updates``: those whose placeholders are the
model's inputs), as Keras 3, where the metric takes the batches of whichever model runs.
"""

from __future__ import annotations

import numpy as np

from dlcore import ops as _ops

from ..graph import control_dependencies
from . import _metric_state as _ms


def owned(model) -> list:
    """The metrics held by ``model``'s attributes, then by its layers' (nested), each once."""
    from ._tracking import held
    from .engine import Layer
    from .metric_classes import Metric
    out: list = []
    seen: set = set()
    todo = [model]
    while todo:
        obj = todo.pop(0)
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        for v in list(vars(obj).values()):
            if isinstance(v, Metric) and not any(v is m for m in out):
                out.append(v)
        subs = [x for v in list(vars(obj).values()) for x in held(v)]
        subs += list(getattr(obj, "layers", None) or []) if obj is model else []
        todo += [x for x in subs if isinstance(x, Layer)]
    return out


def add(model) -> None:
    """Append the layers' metrics to ``model.metrics_names``, ``_metric_specs`` and
    ``_metric_tensors`` (see the module docstring)."""
    from . import confusion_metrics as _cm
    g = model.graph
    have = [m for m in model._metric_specs.values()]
    mine = _own_updates(model)
    for m in owned(model):
        ops = [op for op in _ms.UPDATES.get(m, ()) if getattr(op, "graph", None) is g
               and mine(op)]
        if not ops or any(m is x for x in have) or m.name in model.metrics_names:
            continue
        with g.as_default(), g.name_scope("metrics/"), control_dependencies(ops):
            t = _ops.add(_ops.cast(_ms._as_tensor(m.result()), np.float32), 0.0)
        model.metrics_names.append(m.name)
        model._metric_specs[m.name] = m
        model._metric_tensors.append(t)
        if m not in _cm._REGISTRY.setdefault(g, []):
            _cm._REGISTRY[g].append(m)


def _own_updates(model):
    """``is_mine(op)``: whether every placeholder ``op`` depends on is one of ``model``'s
    inputs (all ops are, for a model without a list of inputs)."""
    inputs = getattr(model, "inputs", None)
    if not inputs:
        return lambda op: True
    allowed = {t.op for t in inputs if hasattr(t, "op")}
    feeds: dict = {}            # op -> the Placeholder ops it depends on (shared by the walks)

    def parents(o) -> list:
        return [t.op for t in o.inputs] + list(o.control_inputs)

    def placeholders(op) -> frozenset:
        stack = [(op, False)]                   # (iterative, post-order: deep graphs)
        while stack:
            o, done = stack.pop()
            if o in feeds:
                continue
            if done:
                here = {o} if o.type == "Placeholder" else set()
                for p in parents(o):
                    here |= feeds.get(p, frozenset())
                feeds[o] = frozenset(here)
            else:
                stack.append((o, True))
                stack += [(p, False) for p in parents(o) if p not in feeds]
        return feeds[op]

    return lambda op: placeholders(op) <= allowed
