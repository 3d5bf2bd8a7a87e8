"""CPU shape kernels: views where NumPy can make one (zero-copy), copies otherwise."""

from __future__ import annotations

import numpy as np


def transpose(x, *, perm):
    return np.transpose(x, perm)


def reshape(x, *, shape):
    return np.reshape(x, shape)


def reshape_like(x, ref):
    return np.reshape(x, ref.shape)


def broadcast_to(x, *, shape):
    return np.broadcast_to(x, shape)


def broadcast_like(x, ref):
    return np.broadcast_to(x, ref.shape)


def expand_dims(x, *, axes):
    return np.expand_dims(x, axes)


def squeeze(x, *, axes):
    return np.squeeze(x, axes)


def concatenate(*xs, axis):
    return np.concatenate(xs, axis=axis)
