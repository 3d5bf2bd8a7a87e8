"""``torch.searchsorted``'s positions: NumPy's ``searchsorted``, except where a NaN is in the
sequence or among the values, where ATen's binary search decides (its comparisons with a NaN
are all false: a NaN value goes past every element, a NaN in the sequence sends the search
right), so the positions equal PyTorch's where NumPy's NaN-last ordering differed."""

from __future__ import annotations

import numpy as np


def positions(seq: np.ndarray, vals: np.ndarray, side: str) -> np.ndarray:
    """Insertion positions of ``vals`` in the last dimension of ``seq`` (``side`` 'left' or
    'right'); a batched ``seq`` pairs its rows with ``vals``' rows."""
    if seq.ndim == 1:
        return _one(seq, vals, side)
    flat_s = seq.reshape(-1, seq.shape[-1])
    flat_v = vals.reshape(-1, vals.shape[-1])
    return np.stack([_one(a, b, side) for a, b in zip(flat_s, flat_v)]).reshape(vals.shape)


def _one(a: np.ndarray, v, side: str) -> np.ndarray:
    v = np.asarray(v)
    if a.dtype.kind != "f" or not (np.isnan(a).any() or np.isnan(v).any()):
        return np.asarray(np.searchsorted(a, v, side=side))     # type: ignore[call-overload]
    flat = v.reshape(-1)
    n = a.shape[0]
    start = np.zeros(flat.shape, np.int64)
    end = np.full(flat.shape, n, np.int64)
    while True:
        active = start < end
        if not active.any():
            return start.reshape(v.shape)
        mid = start + ((end - start) >> 1)
        mv = a[np.minimum(mid, n - 1)]
        right = ~(mv >= flat) if side == "left" else ~(mv > flat)   # (ATen's comparisons)
        start = np.where(active & right, mid + 1, start)
        end = np.where(active & ~right, mid, end)
