"""User subclasses of ``keras.metrics.Metric`` (Keras's protocol: ``add_weight`` in
``__init__``, ``update_state(y_true, y_pred, sample_weight=None)`` assigning to those
variables, ``result()``, ``reset_state()``), in a TF1 graph.

``add_weight`` makes a non-trainable local variable (``LOCAL_VARIABLES`` and
``METRIC_VARIABLES``: a Keras session initialises it).  A user's ``update_state`` usually
discards what ``assign_add`` returns (Keras runs it eagerly or with automatic control
dependencies); here the ops it creates are recorded and the ones nothing else among them
consumes (its sinks, the assignments among them) are grouped into the op ``update_state``
returns.  A user's ``reset_state`` is recorded once per graph the same way and its op run in
the Keras session each time it is called (``fit`` at each epoch's start, ``evaluate`` before its
first batch), so the user's method keeps Keras's meaning.  Without an override,
``reset_state`` zeroes every variable made by ``add_weight`` (Keras 3's default).

In ``compile(metrics=[...])`` such a metric's fetched value is its ``result()`` after the
batch's update; it is registered with the confusion metrics (``confusion_metrics._REGISTRY``),
so ``fit`` resets it when an epoch begins and logs its value after the epoch's last batch,
and ``evaluate`` returns its value after the last batch, as Keras's stateful metrics.
"""

from __future__ import annotations

import functools
import weakref

import numpy as np

from dlcore import ops as _ops

from ..graph import control_dependencies, get_default_graph
from ..variables import LOCAL_VARIABLES, Variable


def add_weight(metric, name=None, shape=(), initializer="zeros", dtype=None) -> Variable:
    """A local metric variable ``<metric name>/<name>`` of ``initializer``'s values."""
    from . import initializers as _init
    init = _init.get(initializer if initializer is not None else "zeros")
    shape = tuple(int(d) for d in (shape if isinstance(shape, (list, tuple)) else
                                   (() if shape is None else (shape,))))
    dt = np.dtype(str(dtype or metric.dtype or "float32"))
    g = get_default_graph()
    from ..metrics import METRIC_VARIABLES
    # (outside any control context, as Keras' init_scope: a metric made in a train_step
    # after an optimizer update is initialised without running that update)
    with g.control_dependencies(None), g.name_scope(None):
        with g.name_scope(metric.name + "/"):
            v = Variable(lambda: init(shape, dtype=dt), name=name or "variable",
                         trainable=False, dtype=dt,
                         collections=[LOCAL_VARIABLES, METRIC_VARIABLES])
    metric.__dict__.setdefault("_added", []).append(v)
    return v


def captured(g, n0: int, returned):
    """One op running what was created in ``g`` since it held ``n0`` ops: the sinks among
    the new ops (those no other new op consumes) and ``returned`` (a tensor or op), if any."""
    from ..control_flow import group
    new = g.get_operations()[n0:]
    used = {id(t.op) for op in new for t in op.inputs}
    used |= {id(c) for op in new for c in getattr(op, "control_inputs", ())}
    sinks = [op for op in new if id(op) not in used]
    if returned is not None and not any(returned is s for s in sinks):
        sinks.append(returned)
    return group(*sinks)


#: metric -> the update ops its ``update_state`` built (``_layer_metrics``: a layer's metric)
UPDATES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def record(metric, op):
    """``update_state``'s op, kept for ``compile`` (``_layer_metrics``); returned."""
    if op is not None:
        try:
            UPDATES.setdefault(metric, []).append(op)
        except TypeError:                  # (an object that cannot be weakly referenced)
            pass
    return op


def wrap_update(fn):
    """A user's ``update_state`` returning one op that runs every assignment it made."""
    @functools.wraps(fn)
    def update_state(self, *args, **kwargs):
        g = get_default_graph()
        n0 = len(g.get_operations())
        return record(self, captured(g, n0, fn(self, *args, **kwargs)))
    update_state._dlcore_wrapped = True  # type: ignore[attr-defined]
    return update_state


def wrap_reset(fn):
    """A user's ``reset_state`` recorded once per graph, its op run in the Keras session."""
    @functools.wraps(fn)
    def reset_state(self, *args, **kwargs):
        ws = self.__dict__.get("_added") or []
        if not ws:
            return None
        g = ws[0].graph
        cache = self.__dict__.setdefault("_reset_ops", {})
        if g not in cache:
            with g.as_default():
                n0 = len(g.get_operations())
                cache[g] = captured(g, n0, fn(self, *args, **kwargs))
        from . import backend as K
        K._session_for(g).run(cache[g])
        return None
    reset_state._dlcore_wrapped = True  # type: ignore[attr-defined]
    return reset_state


def zero_added(metric) -> None:
    """Keras 3's default ``reset_state``: every ``add_weight`` variable to zeros."""
    from . import backend as K
    K.batch_set_value([(v, np.zeros(v.aval.shape, v.aval.dtype))
                       for v in metric.__dict__.get("_added") or []])


def is_user_metric(obj) -> bool:
    """A Metric whose class (a user's) defines its own ``update_state``."""
    return bool(getattr(getattr(type(obj), "update_state", None), "_dlcore_wrapped", False))


def compiled(metric):
    """``compile``'s function of a user metric: its ``result()`` after the batch's update,
    named as the metric; the metric registered for the resets of ``fit``/``evaluate``."""
    from . import confusion_metrics as _cm

    def fn(y_true, y_pred, sample_weight=None):
        g = get_default_graph()
        added = metric.__dict__.get("_added") or []
        if added and added[0].graph is not g:
            raise ValueError(f"metric {metric.name}: its variables were made in another graph "
                             "than the model's; create the metric after the model's inputs "
                             "(in the same graph)")
        if metric not in _cm._REGISTRY.setdefault(g, []):
            _cm._REGISTRY[g].append(metric)
        upd = (metric.update_state(y_true, y_pred) if sample_weight is None else
               metric.update_state(y_true, y_pred, sample_weight=sample_weight))  # (weighted)
        with control_dependencies([upd]):
            return _ops.add(_ops.cast(_as_tensor(metric.result()), np.float32), 0.0)
    fn.__name__ = metric.name
    fn.confusion = metric            # type: ignore[attr-defined] # (History key: its name)
    return fn


def _as_tensor(x):
    from . import backend as K
    return x.value() if isinstance(x, Variable) else K._to_tensor(x)
