"""Keras activations by name: 'relu', 'sigmoid', 'tanh', 'softmax', 'linear'."""

from __future__ import annotations

from dlcore import ops as _ops


def linear(x):
    return x


def relu(x):
    return _ops.relu(x)


def sigmoid(x):
    return _ops.sigmoid(x)


def tanh(x):
    return _ops.tanh(x)


def softmax(x):
    return _ops.softmax(x, -1)


_TABLE = {"linear": linear, "relu": relu, "sigmoid": sigmoid, "tanh": tanh, "softmax": softmax,
          None: linear}


def get(identifier):
    if callable(identifier):
        return identifier
    try:
        return _TABLE[identifier]
    except KeyError:
        raise ValueError(f"Unknown activation function: {identifier}") from None
