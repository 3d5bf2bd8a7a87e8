"""``keras.regularizers``: ``l1(0.01)``, ``l2(0.01)``, ``l1_l2(l1, l2)`` (Keras 3's aliases of
``L1``, ``L2``, ``L1L2``) -> ``f(weight)``, the
penalty a layer adds to the model's loss."""

from __future__ import annotations

from dlcore import ops as _ops


class Regularizer:
    def __call__(self, x):
        return 0.0


class L1L2(Regularizer):
    """``l1 * sum(|x|) + l2 * sum(x^2)``."""

    def __init__(self, l1=0.0, l2=0.0):
        self.l1, self.l2 = float(l1), float(l2)

    def __call__(self, x):
        total = None
        if self.l1:
            total = _ops.mul(_ops.sum(_ops.abs(x)), self.l1)
        if self.l2:
            t = _ops.mul(_ops.sum(_ops.square(x)), self.l2)
            total = t if total is None else _ops.add(total, t)
        return total if total is not None else _ops.mul(_ops.sum(x), 0.0)

    def get_config(self) -> dict:
        return {"l1": self.l1, "l2": self.l2}


class L1(L1L2):
    """``l1 * sum(|x|)`` (Keras 2.3+/3's class)."""

    def __init__(self, l1=0.01):
        super().__init__(l1=l1)

    def get_config(self) -> dict:
        return {"l1": self.l1}


class L2(L1L2):
    """``l2 * sum(x^2)`` (Keras 2.3+/3's class)."""

    def __init__(self, l2=0.01):
        super().__init__(l2=l2)

    def get_config(self) -> dict:
        return {"l2": self.l2}


# Keras 3's aliases: l1 is L1, l2 is L2 and l1_l2 is L1L2 (whose defaults are 0.0, not Keras
# 2's l1_l2(0.01, 0.01): l1_l2(l1=0.1) adds no L2 penalty)
l1, l2, l1_l2 = L1, L2, L1L2


def activity_loss(regularizer, x):
    """The loss a layer's ``activity_regularizer`` adds for its output ``x``: the penalty
    divided by the batch size ``shape(x)[0]`` (0 for an empty batch), as Keras 3's
    ``Layer.__call__`` (and tf.keras 2) do; a 0-d output's penalty as it is."""
    loss = regularizer(x)
    if len(x.aval.shape) == 0:
        return loss
    from ..array_api import shape
    from ..math_long_tail import divide_no_nan
    return divide_no_nan(loss, _ops.cast(shape(x)[0], loss.aval.dtype))


def get(identifier):
    if identifier is None or callable(identifier):
        return identifier
    # Keras 3's names: 'l1' and 'l2' are its L1 and L2 classes (get_config {'l2': 0.01})
    table: dict = {"l1": L1, "l2": L2, "l1_l2": lambda: L1L2(0.01, 0.01),  # (Keras 3 refuses
                   "L1": L1, "L2": L2, "L1L2": L1L2}             # it; tf.keras 2's)
    if identifier not in table:
        raise ValueError(f"Unknown regularizer: {identifier}")
    return table[identifier]()
