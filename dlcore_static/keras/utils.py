"""``keras.utils``: ``to_categorical``, ``normalize``, ``Sequence`` (also as ``np_utils``)."""

from __future__ import annotations

import numpy as np


def to_categorical(y, num_classes=None, dtype="float32") -> np.ndarray:
    """Class indices -> one-hot rows (``num_classes`` defaults to ``max(y) + 1``)."""
    y = np.array(y, dtype="int")
    shape = y.shape
    if shape and shape[-1] == 1 and len(shape) > 1:
        shape = shape[:-1]
    y = y.ravel()
    if num_classes is None:
        num_classes = int(np.max(y)) + 1
    out = np.zeros((y.shape[0], num_classes), dtype=dtype)
    out[np.arange(y.shape[0]), y] = 1
    return out.reshape(shape + (num_classes,))


def normalize(x, axis=-1, order=2) -> np.ndarray:
    n = np.atleast_1d(np.linalg.norm(x, order, axis))
    n[n == 0] = 1
    return x / np.expand_dims(n, axis)


class Sequence:
    """Base class of batch sources for ``fit_generator``: ``__len__`` batches per epoch,
    ``__getitem__(i)`` -> ``(x, y)``; ``on_epoch_end`` after each epoch."""

    def __getitem__(self, index):
        raise NotImplementedError

    def __len__(self):
        raise NotImplementedError

    def on_epoch_end(self):
        pass

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]


class _NpUtils:
    to_categorical = staticmethod(to_categorical)
    normalize = staticmethod(normalize)


np_utils = _NpUtils()
