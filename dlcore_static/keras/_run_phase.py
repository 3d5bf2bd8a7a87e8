"""tf.keras 2's training/inference mode on the static graph, and what of it is read at run time.

A layer's ``training`` is resolved as tf.keras 2 does (``base_layer.__call__``): a value given
to the call wins; else the value of the call it is made in (a layer called inside another
layer's ``call``, or a functional model's layers inside ``model(x, training=...)``); else the
learning phase, ``backend.learning_phase()``: a placeholder (default False) that
``fit``/``train_on_batch`` feed True and ``evaluate``/``predict`` False, so a layer called with
no ``training`` runs in the mode of the loop that runs it.  A value given to a call is kept in
the graph for good, also under ``fit``/``predict``: ``base_model(x, training=False)`` keeps
its BatchNormalization layers in inference mode while the base is fine-tuned (the Keras
transfer-learning guide's contract).  A functional model called again (nested in another)
calls its layers with the values they were given (``node_extra``).

Keras 3 differs there: its ``fit``/``predict`` pass their own ``training`` to every node of a
functional model, replacing the recorded values (keras-team/keras#20285, closed as intended:
an unfrozen base called with ``training=False`` trains its BatchNormalization in Keras 3).
dlcore keeps tf.keras 2's contract (the project's Keras is Keras 2.x / tf.keras).

BatchNormalization runs in inference mode while its ``trainable`` is False, as tf.keras 2
(>= 2.0) and Keras 3 do, and ``trainable`` may change after the graph is built: each call
gets a scalar placeholder ``<layer>/trainable`` (default: ``trainable`` when called) that
``fit``/``evaluate``/``predict`` feed with ``trainable`` as of the model's last ``compile``
(``compile_snapshot``; "recompile after changing ``trainable``", as the guide says).
"""

from __future__ import annotations

import contextlib
import threading
import weakref
from collections.abc import Iterator

from dlcore import ops as _ops

from ..graph import Tensor, get_default_graph

#: per thread: graph -> the mode the layers called now read (set for the length of a call;
#: one thread's call never sets the mode of layers another thread builds in the same graph)
_LOCAL = threading.local()
#: graph -> [(flag placeholder, weak reference to its BatchNormalization)]
_FLAGS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_FLAGS_LOCK = threading.Lock()


def _modes() -> weakref.WeakKeyDictionary:
    d = getattr(_LOCAL, "modes", None)
    if d is None:
        d = _LOCAL.modes = weakref.WeakKeyDictionary()
    return d


def context(graph):
    """The mode set by the calls being built in ``graph`` by this thread (None: none set)."""
    return _modes().get(graph)


def clear() -> None:
    _modes().clear()


@contextlib.contextmanager
def _set(graph, mode) -> Iterator[None]:
    modes = _modes()
    old = modes.get(graph, _modes)
    if mode is None:
        modes.pop(graph, None)
    else:
        modes[graph] = mode
    try:
        yield
    finally:
        if old is _modes:
            modes.pop(graph, None)
        else:
            modes[graph] = old


def calling(mode, graph):
    """Build a call given ``mode`` (a Python bool or a tensor; None: nothing given): the
    layers called inside without ``training`` read it."""
    if mode is None:
        return contextlib.nullcontext()
    return _set(graph, bool(mode) if not isinstance(mode, Tensor) else mode)


def own_graph(graph):
    """A model building its own graph (an unbuilt Sequential or subclassed model first called
    inside another call): no outer call's mode is recorded in it, so its own fit/predict
    run it in their modes; the outer call gets the mode through the model's node."""
    return _set(graph, None)


def node_extra(extra, training) -> dict | None:
    """A node's ``extra`` with the ``training=`` its call was given (its model's graph calls
    the layer again with it: a nested model's node keeps its recorded mode)."""
    return extra if training is None else dict(extra or {}, training=training)


def trainable_flag(layer, training):
    """BatchNormalization's mode: ``training`` while the layer is trainable (a Python value
    or a tensor), ANDed with the layer's flag placeholder, which ``fit``/``evaluate``/
    ``predict`` feed with ``trainable`` as of its model's ``compile``."""
    if training is False or (not isinstance(training, Tensor) and training == 0):
        return False
    from ..array_ops import placeholder_with_default
    g = get_default_graph()
    outer, g._ctx_stack = g._ctx_stack, []    # (made outside a loop body or cond branch the
    try:                                      # layer is called in: fed by fit, captured)
        with g.control_dependencies(None):
            g._replain()
            flag = placeholder_with_default(bool(layer.trainable), (), name="trainable")
    finally:
        g._ctx_stack = outer
        g._replain()
    with _FLAGS_LOCK:
        _FLAGS.setdefault(g, []).append((flag, weakref.ref(layer)))
    return flag if not isinstance(training, Tensor) else _ops.logical_and(training, flag)


def compile_snapshot(graph, model=None) -> dict:
    """The flag feeds of ``graph``'s BatchNormalization layers (only those of ``model``'s
    layers, nested ones included, when given: the feeds grow with the model, not with every
    model built in the graph): their ``trainable`` now."""
    own = None if model is None else _layer_ids(model)
    out = {}
    with _FLAGS_LOCK:
        flags = list(_FLAGS.get(graph, ()))
    for flag, ref in flags:
        layer = ref()
        if layer is not None and (own is None or id(layer) in own):
            out[flag] = bool(layer.trainable)
    return out


def _layer_ids(model) -> set:
    """The ids of ``model`` and of every layer under it (its ``layers``, nested models' and
    the layers held in custom layers' attributes)."""
    from ._tracking import sublayers
    seen: set = set()
    todo = [model]
    while todo:
        obj = todo.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        todo.extend(getattr(obj, "layers", None) or [])
        if hasattr(obj, "__dict__"):
            todo.extend(sublayers(obj))
    return seen


def feeds(model) -> dict:
    """The flags as of the model's last ``compile`` (fed with the learning phase)."""
    return dict(model.__dict__.get("_mode_flags") or {})


@contextlib.contextmanager
def call_updates(g) -> Iterator:
    """A layer's ``call`` that assigns to variables and drops the assignment (``self.total.
    assign_add(...)``; tf.keras 2 runs it, its functions order stateful ops automatically):
    yields ``done(out)``, ``out`` whose computation runs those assignments first (a variable
    returned as it is read after them).  Only assignments made in the call's own control-flow
    context that no other new op consumes (data or control input) count."""
    n0 = len(g._ops)
    ctx = g._ctx_stack[-1] if g._ctx_stack else None

    def done(out):
        new = g._ops[n0:]
        if not any(op.type == "Assign" for op in new):
            return out
        used = {id(t.op) for op in new for t in op.inputs}
        used |= {id(c) for op in new for c in getattr(op, "control_inputs", ())}
        used |= {id(getattr(v, "initializer", None)) for v in g._variables_by_op.values()}
        sinks = [op for op in new if op.type == "Assign" and id(op) not in used and
                 op._ctx is ctx]                # (a variable's initializer is not one)
        if not sinks:
            return out

        def after(o):
            if hasattr(o, "_reads"):                # a variable: a read after them
                return o.value()
            return _ops.identity(o) if isinstance(o, Tensor) else o
        with g.control_dependencies(sinks):
            if isinstance(out, (list, tuple)):
                return type(out)(after(o) for o in out)
            return after(out)
    yield done
