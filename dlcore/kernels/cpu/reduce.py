"""CPU reduction kernels: sum, max, min, argmax over normalised axes, and sum_to."""

from __future__ import annotations

import numpy as np


def sum(x, *, axes, keepdims):  # noqa: A001
    return np.asarray(np.sum(x, axis=axes, keepdims=keepdims,
                             dtype=np.int64 if x.dtype == np.bool_ else x.dtype))


def max(x, *, axes, keepdims):  # noqa: A001
    return np.asarray(np.max(x, axis=axes, keepdims=keepdims))


def min(x, *, axes, keepdims):  # noqa: A001
    return np.asarray(np.min(x, axis=axes, keepdims=keepdims))


def argmax(x, *, axis, keepdims):
    return np.asarray(np.argmax(x, axis=axis, keepdims=keepdims), dtype=np.int64)


def sum_to(x, ref):
    return sum_to_shape(x, ref.shape)


def sum_to_shape(x: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum a broadcast result back down to ``shape``."""
    if x.shape == tuple(shape):
        return x
    lead = x.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, d in enumerate(shape) if d == 1 and x.shape[lead + i] != 1)
    out = np.sum(x, axis=axes, keepdims=True, dtype=x.dtype)
    return out.reshape(shape)
