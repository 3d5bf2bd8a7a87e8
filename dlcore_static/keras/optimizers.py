"""Keras optimizers, mapped onto the static engine's ``tf.train`` optimizers.

Keras' SGD with momentum (``v = m v - lr g; w += v``) is TensorFlow's Momentum optimizer
(``a = m a + g; w -= lr a``) for a constant learning rate; Adam is the same algorithm.
"""

from __future__ import annotations

from .. import train as _train
from . import legacy


class Optimizer:
    def build(self):
        raise NotImplementedError


class SGD(Optimizer):
    def __init__(self, learning_rate=0.01, momentum=0.0, decay=0.0, nesterov=False, **kwargs):
        kwargs = legacy.convert("SGD", kwargs, {"lr": "learning_rate"})
        self.learning_rate = kwargs.pop("learning_rate", learning_rate)
        if kwargs:
            raise TypeError(f"Unrecognized keyword arguments: {kwargs}")
        self.momentum, self.nesterov, self.decay = momentum, nesterov, decay
        if decay:
            raise NotImplementedError("SGD(decay=...) is not supported")

    @property
    def lr(self):
        return self.learning_rate

    def build(self):
        if self.momentum:
            return _train.MomentumOptimizer(self.learning_rate, self.momentum,
                                            use_nesterov=self.nesterov)
        return _train.GradientDescentOptimizer(self.learning_rate)


class Adam(Optimizer):
    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        kwargs = legacy.convert("Adam", kwargs, {"lr": "learning_rate"})
        self.learning_rate = kwargs.pop("learning_rate", learning_rate)
        if kwargs:
            raise TypeError(f"Unrecognized keyword arguments: {kwargs}")
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon

    @property
    def lr(self):
        return self.learning_rate

    def build(self):
        return _train.AdamOptimizer(self.learning_rate, self.beta_1, self.beta_2, self.epsilon)


sgd = SGD
adam = Adam


def get(identifier) -> Optimizer:
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, _train.Optimizer):
        class _Wrapped(Optimizer):
            def build(self_inner):
                return identifier
        return _Wrapped()
    table = {"sgd": SGD, "adam": Adam}
    if not isinstance(identifier, str) or identifier.lower() not in table:
        raise ValueError(f"Unknown optimizer: {identifier}")
    return table[identifier.lower()]()
