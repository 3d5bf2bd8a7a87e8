"""``set_weights``/``load_weights``: every value checked and copied, then all assigned.

As tf.keras 2's ``Layer.set_weights``: the list's length first, then each weight's shape
(``ValueError: Layer weight shape (4, 5) not compatible with provided weight shape (4, 2)``),
all before the first assignment, so a bad list leaves every weight as it was.  The values are
copies: the caller's arrays may change afterwards without reaching the model.
"""

from __future__ import annotations

import numpy as np

from . import backend as K


def staged(variables, values) -> list:
    """``(variable, array)`` pairs, each a fresh array of the variable's dtype and shape;
    ValueError (nothing assigned) on the first value that does not fit."""
    pairs = []
    for v, w in zip(variables, values):
        shape = tuple(v.aval.shape)
        if tuple(np.shape(w)) != shape:
            raise ValueError(f"Layer weight shape {shape} not compatible with provided weight "
                             f"shape {tuple(np.shape(w))}")
        try:
            arr = np.array(w, dtype=v.aval.dtype, copy=True)
        except (TypeError, ValueError) as e:
            raise ValueError(f"set_weights: the value for weight '{v.op.name}' (shape {shape}, "
                             f"dtype {np.dtype(v.aval.dtype).name}) cannot be converted: "
                             f"{e}") from e
        pairs.append((v, arr))
    return pairs


def set_weights(owner, kind: str, weights) -> None:
    """``owner.weights`` set to ``weights`` (tf.keras 2's messages; all or nothing)."""
    weights = list(weights)
    ws = owner.weights
    if len(weights) != len(ws):
        raise ValueError(f"You called `set_weights(weights)` on {kind} \"{owner.name}\" with a "
                         f"weight list of length {len(weights)}, but the {kind} was "
                         f"expecting {len(ws)} weights.")
    assign(staged(ws, weights))


def assign(pairs) -> None:
    """Assign checked, copied pairs (a Ctrl-C held until the last, as ``batch_set_value``)."""
    if pairs:
        K.batch_set_value(pairs)
