"""``F.pad`` with negative amounts (crops), kept apart from :mod:`.functional_conv`."""

from __future__ import annotations

import numpy as np

from .._graph import labelled
from ..tensor import Tensor


def cropped(input: Tensor, amounts: tuple, mode: str, value, pad) -> Tensor:
    """``pad`` (functional_conv's) with a negative amount: constant, reflect and replicate
    pad by the positive amounts, then narrow; circular crops first (PyTorch's)."""
    if mode == "circular":
        return _cropped_circular(input, amounts)
    out = input if not any(p > 0 for p in amounts) else \
        pad(input, tuple(max(p, 0) for p in amounts), mode, value)
    key = [slice(None)] * out.ndim
    for i in range(len(amounts) // 2):
        d = out.ndim - 1 - i
        lo, hi = -min(amounts[2 * i], 0), -min(amounts[2 * i + 1], 0)
        if out.shape[d] - lo - hi < 0:
            raise RuntimeError("narrow(): length must be non-negative.")
        key[d] = slice(lo, out.shape[d] - hi)
    label = PAD_GRAD_FN.get(mode)
    res = out[tuple(key)]
    return res if label is None else labelled(res, label.format(len(amounts) // 2), input,
                                              edges=(input,))


def _cropped_circular(input: Tensor, amounts: tuple) -> Tensor:
    """PyTorch's circular pad with a negative amount: crops first, then wraps the cropped
    part (an amount over the cropped length keeps wrapping it; over the input's, refused)."""
    out = input
    for i in range(len(amounts) // 2):
        d = input.ndim - 1 - i
        n = input.shape[d]
        left, right = amounts[2 * i], amounts[2 * i + 1]
        if left > n or right > n:
            raise RuntimeError("Padding value causes wrapping around more than once.")
        lo, hi = -min(left, 0), -min(right, 0)
        kept = n - lo - hi
        if kept < 0 or (kept == 0 and (left > 0 or right > 0)):
            raise RuntimeError("narrow(): length must be non-negative.")
        pl = max(left, 0)
        idx = [lo + (j - pl) % kept for j in range(kept + pl + max(right, 0))] if kept else []
        out = out.index_select(d, _index_tensor(idx))
    return out


def _index_tensor(idx: list) -> Tensor:
    return Tensor._wrap(np.asarray(idx, dtype=np.int64))


#: PyTorch's grad_fn names of ``pad`` per mode ({} is the number of padded dimensions)
PAD_GRAD_FN = {"constant": "ConstantPadNdBackward0", "circular": "CopySlices",
               "reflect": "ReflectionPad{}DBackward0",
               "replicate": "ReplicationPad{}DBackward0"}
