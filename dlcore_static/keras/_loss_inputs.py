"""Which of a model's collected losses it can compute: Keras 2's ``get_losses_for``.

A layer called more than once (a functional model reused inside another model) holds the
losses its ``call`` added at each call (``add_loss(f(inputs))``), each on the tensors of that
call.  As Keras 2's ``Network.losses``, a model keeps the losses that hang on its own inputs or
on no model input at all (regularizers, constants); one computed from another model's
``Input`` (the inner model's own call, when it is reused on new inputs) is not this model's:
training on it would ask for that ``Input``'s value, which this model is never fed.
"""

from __future__ import annotations

from ._history import HISTORY


def _keras_inputs_under(t, memo: dict) -> frozenset:
    """The ids of the Keras ``Input`` placeholders ``t`` is computed from."""
    key = id(t)
    if key in memo:
        return memo[key]
    found: set = set()
    stack, seen = [t], {key}
    while stack:
        x = stack.pop()
        h = HISTORY.get(x)
        if h is not None and type(h[0]).__name__ == "InputLayer":
            found.add(id(x))
            continue
        for u in x.op.inputs:
            if id(u) not in seen:
                seen.add(id(u))
                stack.append(u)
    memo[key] = frozenset(found)
    return memo[key]


def own_losses(model, losses: list) -> list:
    """``losses`` less those computed from a Keras ``Input`` that is not one of ``model``'s
    inputs (all of them when the model has no inputs yet: a subclassed model)."""
    inputs = model.__dict__.get("inputs") or getattr(model, "_inputs", None)
    if not inputs:
        return losses
    mine = {id(t) for t in inputs}
    memo: dict = {}
    return [loss for loss in losses if _keras_inputs_under(loss, memo) <= mine]
