"""CPU indexing kernels: basic slicing, its scatter, functional assignment, one_hot, full_like."""

from __future__ import annotations

import numpy as np


def numpy_index(cidx: tuple) -> tuple:
    """dlcore's canonical index (see dlcore.ops.indexing) as a NumPy index."""
    return tuple(slice(*i[1:]) if isinstance(i, tuple) else i for i in cidx)


def getitem(x, *, idx):
    return x[numpy_index(idx)]


def slice_scatter(g, ref, *, idx):
    out = np.zeros(ref.shape, g.dtype)
    out[numpy_index(idx)] = g
    return out


def index_update(x, v, *, idx):
    out = x.copy()
    out[numpy_index(idx)] = v
    return out


def one_hot(x, *, depth, dtype):
    return (x[..., None] == np.arange(depth)).astype(dtype)


def full_like(x, *, value, dtype):
    return np.full(x.shape, value, dtype or x.dtype)
