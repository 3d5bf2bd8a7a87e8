"""Subclassed models: ``class MyModel(keras.Model)`` with layers made in ``__init__`` and the
forward pass written in ``call(inputs)`` (Keras 2.2's model subclassing, on the static engine).

Such a model has no symbolic inputs until it sees data, so, as Keras 2.2 does, ``compile``
only records its arguments; the first ``fit``/``evaluate``/``predict`` (or ``*_on_batch``)
makes one ``Input`` per array of ``x`` (its shape without the batch dimension, ``float32`` or
the array's integer dtype), calls ``call`` on them once (``training`` is not passed, so the
``Dropout``-style layers read the learning phase), makes the model a graph network of the
resulting tensors, and then runs the recorded ``compile``; ``model.build(input_shape)`` does the
same from shapes (float32 inputs).  Before it is built, its ``layers`` are the tracked ones.  Its inputs and outputs are named
``input_1``..., ``output_1``... and its ``layers`` are the layers assigned to its attributes
(or held in attribute lists), in assignment order, as Keras tracks them; the weights follow
that order.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _dataset_input as _ds
from ._history import NotKerasOutput
from .engine import Input

_PACKAGE = __name__.rsplit(".", 1)[0] + "."


def is_subclassed(model) -> bool:
    """A model whose class (a user's, below dlcore's ``Model``) defines ``call``, not yet a
    graph network."""
    if getattr(model, "_is_graph_network", False):
        return False
    for cls in type(model).__mro__:
        if cls.__module__.startswith(_PACKAGE):        # dlcore's Model, Sequential, ...
            return False
        if "call" in vars(cls):
            return True
    return False


def defer_compile(model, args: dict) -> bool:
    """``compile`` of an unbuilt subclassed model: record the arguments (True), else False."""
    from ._custom_step import overridden
    if not is_subclassed(model) and not overridden(model):      # (train_step: no loss needed)
        return False
    model._deferred_compile = args
    return True


def tracked_layers(model) -> list:
    """The layers held in the model's attributes: the one rule of ``_tracking.sublayers``."""
    from ._tracking import sublayers
    return sublayers(model)


def build_on(model, x) -> None:
    """Build an unbuilt subclassed model on the arrays ``x`` (see the module docstring); an
    unbuilt ``Sequential`` builds itself (its ``_build_on``)."""
    hook = getattr(model, "_build_on", None)
    if hook is not None:
        hook(x)
        return
    from ._custom_step import overridden
    if overridden(model) and not is_subclassed(model) and \
            not getattr(model, "_is_graph_network", False):
        raise NotImplementedError(f"{type(model).__name__} has a custom train_step and no "
                                  "call(): Keras 3's default test_step and predict_step call "
                                  "the model; override test_step (evaluate, validation) or "
                                  "predict_step (predict) to use them")
    if x is None or _ds.is_dataset(x) or not is_subclassed(model):
        return
    keys = list(x) if isinstance(x, dict) else None
    if keys is not None and not all(isinstance(k, str) for k in keys):
        raise TypeError(f"Model {model.name} is a subclassed model: the keys of a dict of "
                        f"inputs must be strings, got {keys}")
    arrays = [np.asarray(a) for a in (list(x.values()) if keys is not None else
                                      x if isinstance(x, (list, tuple)) else [x])]
    inputs = []
    for i, a in enumerate(arrays):
        if a.ndim < 1:
            raise ValueError(f"Model {model.name}: an input array needs a batch dimension, got "
                             f"shape {a.shape}")
        dtype = a.dtype.name if a.dtype.kind in "iu" else "float32"
        inputs.append(Input(shape=a.shape[1:], dtype=dtype,
                            name=None if keys is None else keys[i]))
    _build_graph(model, inputs, keys)


def build_on_tensors(model, xs: list) -> None:
    """An unbuilt subclassed model called on tensors (tf.keras builds it at its first call,
    also inside another model's or layer's ``call``): built on one ``Input`` per tensor, of its
    shape without the batch dimension and its dtype, in the tensors' graph; the call then
    applies the built model to the tensors."""
    from ..graph import get_default_graph
    for t in xs:
        if len(t.aval.shape) < 1:
            raise ValueError(f"Model {model.name}: an input needs a batch dimension, got shape "
                             f"{tuple(t.aval.shape)}")
    with xs[0].graph.as_default() if xs[0].graph is not get_default_graph() else _nullctx():
        _build_graph(model, [Input(shape=tuple(t.aval.shape[1:]), dtype=t.aval.dtype.name)
                             for t in xs])


def _nullctx():
    import contextlib
    return contextlib.nullcontext()


def build_from_shape(model, input_shape) -> None:
    """``model.build(input_shape)`` of an unbuilt subclassed model (tf.keras's
    ``Network.build``): one float32 ``Input`` per shape (a tuple, or a list of tuples for
    several inputs; the batch dimension, first, is left unknown), then as ``build_on``."""
    if input_shape is None:
        raise ValueError("Input shape must be defined when calling build on a model subclass "
                         "network.")
    def dims(s):
        s = s.as_list() if hasattr(s, "as_list") else s
        if not isinstance(s, (tuple, list)) or len(s) < 1 or \
                not all(d is None or isinstance(d, (int, np.integer)) for d in s):
            raise ValueError(f"Model {model.name}: build expects a shape tuple with a batch "
                             f"dimension (or a list of them), got {input_shape!r}")
        return tuple(None if d is None else int(d) for d in s)[1:]
    several = isinstance(input_shape, list) and bool(input_shape) and \
        not isinstance(input_shape[0], (int, np.integer, type(None)))
    shapes = [dims(s) for s in (input_shape if several else [input_shape])]
    _build_graph(model, [Input(shape=s) for s in shapes])


def _build_graph(model, inputs: list, keys: list | None = None) -> None:
    """``keys``: the model was given a dict of arrays (Keras 3 passes the dict to ``call``):
    ``call`` gets a dict of the inputs, named by the keys, which become ``input_names``."""
    from . import _run_phase
    with _run_phase.own_graph(inputs[0].graph):    # (no outer call's mode recorded)
        outputs = model.call(dict(zip(keys, inputs)) if keys is not None else
                             inputs[0] if len(inputs) == 1 else inputs)
    tracked = tracked_layers(model)
    try:
        model._init_graph(inputs, outputs, ops=False)
    except NotKerasOutput:
        _init_raw(model, inputs, outputs)
    model.layers = tracked
    model.__dict__.pop("_operations", None)        # (its tracked layers are its summary)
    model.input_names = list(keys) if keys is not None else \
        [f"input_{i + 1}" for i in range(len(model.inputs))]
    model.output_names = [f"output_{i + 1}" for i in range(len(model.outputs))]
    args = model.__dict__.pop("_deferred_compile", None)
    if args is not None:                # (Model's compile: an override of compile, keras.io's
        base: Any = next(c for c in type(model).__mro__   # Distiller, has run and recorded
                         if c.__module__ == _PACKAGE + "training" and c.__name__ == "Model")
        base.compile(model, **args)     # these)


def _init_raw(model, inputs: list, outputs) -> None:
    """A ``call`` that applies TensorFlow ops between its layers (``x = tf.nn.relu(x)``, as
    tf.keras allows in subclassed models): no graph of layer nodes can describe it, so the
    model keeps its symbolic inputs and outputs (fit/evaluate/predict run them as they are),
    runs ``call`` again when it is called on new tensors (``Model.__call__``), and refuses to
    be saved as a configuration, as tf.keras refuses HDF5 for subclassed models."""
    model.inputs = list(inputs)
    model.outputs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
    model.graph = model.inputs[0].graph
    model._node_order = []
    model._raw_call = True
    model._is_graph_network = True
