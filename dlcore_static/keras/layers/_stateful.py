"""Keras 2's ``stateful=True`` recurrent layers on the static engine.

A stateful layer keeps its last states between batches: the final states of sample ``i`` of a
batch are the initial states of sample ``i`` of the next batch.  Here each state is a variable of
the layer (``layer.states``, zeros, shape ``(batch, units)``; not a weight, as in Keras 2: not
in ``get_weights`` nor in the parameter counts) that the loop starts from, and the call's output
carries control dependencies on the assignments of the final states, so every run that computes
the output (``fit``, ``evaluate``, ``predict``) moves the states on, as Keras 2's
``state_updates`` do.  ``layer.reset_states()`` / ``model.reset_states()`` set them back to
zeros.  The batch size must be fixed: ``batch_input_shape=(batch, T, D)`` or ``batch_size=``
on the first layer, ``Input(batch_shape=...)`` in the functional API.
"""

from __future__ import annotations

import numpy as np

from dlcore import ops as _ops

from .. import backend as K

NEEDS_BATCH = ("If a RNN is stateful, it needs to know its batch size. Specify the batch size "
               "of your input tensors: \n- If using a Sequential model, specify the batch size "
               "by passing a `batch_input_shape` argument to your first layer.\n- If using the "
               "functional API, specify the batch size by passing a `batch_shape` argument to "
               "your Input layer.")


def initial_states(layer, inputs, n_states: int) -> list:
    """The layer's state variables (made on its first call) as the loop's initial states."""
    batch = inputs.aval.shape[0]
    if batch is None:
        raise ValueError(NEEDS_BATCH)
    if getattr(layer, "states", None) is None or layer.states[0].aval.shape[0] != batch:
        layer.states = [K.variable(np.zeros((batch, layer.units), inputs.aval.dtype),
                                   name=f"{layer.name}/state_{i}") for i in range(n_states)]
    return [_ops.identity(v) for v in layer.states]


def keep_final(layer, final: list, out):
    """``out``, computed only after the final states are written to the state variables."""
    from ...graph import get_default_graph
    from ...variables import assign
    updates = [assign(v, f) for v, f in zip(layer.states, final)]
    with get_default_graph().control_dependencies(updates):
        if isinstance(out, list):
            return [_ops.identity(o) for o in out]
        return _ops.identity(out)


def reset_states(layer, states=None) -> None:
    """Keras 2's ``RNN.reset_states``: zeros, or the given arrays."""
    if not layer.stateful:
        raise AttributeError("Layer must be stateful.")
    if getattr(layer, "states", None) is None:
        return                               # not called yet: it starts from zeros anyway
    if states is None:
        for v in layer.states:
            K.set_value(v, np.zeros(v.aval.shape, v.aval.dtype))
        return
    values = states if isinstance(states, (list, tuple)) else [states]
    if len(values) != len(layer.states):
        raise ValueError(f"Layer {layer.name} expects {len(layer.states)} states, but it "
                         f"received {len(values)} state values.")
    for v, value in zip(layer.states, values):
        value = np.asarray(value)
        if value.shape != tuple(v.aval.shape):
            raise ValueError(f"State {v.name} is incompatible with layer {layer.name}: "
                             f"expected shape={tuple(v.aval.shape)}, found shape={value.shape}")
        K.set_value(v, value)
