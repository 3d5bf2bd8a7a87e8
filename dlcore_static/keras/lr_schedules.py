"""``keras.optimizers.schedules``: learning rates as functions of the optimizer's step ``t``
(the number of updates applied so far), given to an optimizer as ``learning_rate=``:

    ExponentialDecay       lr0 * rate^(t / steps)                 (staircase: floor(t / steps))
    InverseTimeDecay       lr0 / (1 + rate * t / steps)           (staircase: floor)
    PiecewiseConstantDecay values[i] for boundaries[i-1] < t <= boundaries[i]
    PolynomialDecay        (lr0 - end) (1 - min(t, steps) / steps)^power + end
                           (cycle: steps * ceil(t / steps), ceil(0) taken as 1)
    CosineDecay            lr0 ((1 - alpha) (1 + cos(pi min(t, steps) / steps)) / 2 + alpha)

Called with a number they give a number (NumPy); with a graph tensor (the optimizer's
``iterations``), graph ops, so the rate follows the step inside the training graph.
"""

from __future__ import annotations

import numpy as np

from dlcore import ops as _ops

__all__ = ["CosineDecay", "ExponentialDecay", "InverseTimeDecay", "LearningRateSchedule",
           "PiecewiseConstantDecay", "PolynomialDecay"]


def _is_graph(t) -> bool:
    from ..graph import Tensor
    return isinstance(t, Tensor)


class LearningRateSchedule:
    """Base class: ``schedule(step) -> learning rate``."""

    def __call__(self, step):
        raise NotImplementedError

    def get_config(self) -> dict:
        raise NotImplementedError

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _f(step):
    return _ops.cast(step, np.float32) if _is_graph(step) else np.float32(step)


def _floor(x):
    return _ops.floor(x) if _is_graph(x) else np.floor(x)


class ExponentialDecay(LearningRateSchedule):
    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="ExponentialDecay"):
        if decay_steps <= 0:
            raise ValueError(f"Argument `decay_steps` must be > 0. Received: decay_steps="
                             f"{decay_steps}")
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.decay_rate, self.staircase, self.name = decay_rate, staircase, name

    def __call__(self, step):
        p = _ops.div(_f(step), float(self.decay_steps))
        if self.staircase:
            p = _floor(p)
        return _ops.mul(_ops.pow(float(self.decay_rate), p), float(self.initial_learning_rate))

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class InverseTimeDecay(ExponentialDecay):
    def __call__(self, step):
        p = _ops.div(_f(step), float(self.decay_steps))
        if self.staircase:
            p = _floor(p)
        return _ops.div(float(self.initial_learning_rate),
                        _ops.add(_ops.mul(p, float(self.decay_rate)), 1.0))


class PiecewiseConstantDecay(LearningRateSchedule):
    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        if len(boundaries) != len(values) - 1:
            raise ValueError("The length of boundaries should be 1 less than the length of "
                             f"values. Received: boundaries={boundaries} of length "
                             f"{len(boundaries)}, and values={values} of length {len(values)}.")
        self.boundaries, self.values, self.name = list(boundaries), list(values), name

    def __call__(self, step):
        s = _f(step)
        out = float(self.values[-1])
        if not _is_graph(s):
            for b, v in zip(self.boundaries, self.values):
                if s <= b:
                    return np.float32(v)
            return np.float32(out)
        out = _ops.add(_ops.mul(s, 0.0), out)
        for b, v in reversed(list(zip(self.boundaries, self.values))):
            out = _ops.where(_ops.less_equal(s, float(b)), _ops.add(_ops.mul(s, 0.0), float(v)),
                             out)
        return out

    def get_config(self) -> dict:
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0,
                 cycle=False, name="PolynomialDecay"):
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.end_learning_rate, self.power, self.cycle = end_learning_rate, power, cycle
        self.name = name

    def __call__(self, step):
        s = _f(step)
        steps = float(self.decay_steps)
        if self.cycle:
            c = _ops.ceil(_ops.div(s, steps)) if _is_graph(s) else np.ceil(s / steps)
            c = _ops.maximum(c, 1.0)                # (step 0: one cycle)
            steps = _ops.mul(c, steps)
        else:
            s = _ops.minimum(s, steps)
        frac = _ops.sub(1.0, _ops.div(s, steps))
        lr0, end = float(self.initial_learning_rate), float(self.end_learning_rate)
        return _ops.add(_ops.mul(_ops.pow(frac, float(self.power)), lr0 - end), end)

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "end_learning_rate": self.end_learning_rate,
                "power": self.power, "cycle": self.cycle, "name": self.name}


class CosineDecay(LearningRateSchedule):
    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay"):
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.alpha, self.name = alpha, name

    def __call__(self, step):
        s = _ops.minimum(_f(step), float(self.decay_steps))
        cos = _ops.cos(_ops.mul(_ops.div(s, float(self.decay_steps)), np.pi))
        decayed = _ops.add(_ops.mul(_ops.mul(_ops.add(cos, 1.0), 0.5), 1.0 - self.alpha),
                           float(self.alpha))
        return _ops.mul(decayed, float(self.initial_learning_rate))

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "alpha": self.alpha, "name": self.name}
