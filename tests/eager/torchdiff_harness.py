"""What the torchdiff tables compare (test_torchdiff_table.py, test_torchdiff_table2.py): a call's
result or exception on ``dlcore_eager`` and on torch, reduced to plain values: the value,
dtype, shape, requires_grad and grad_fn name of each tensor (its values rounded to 5 decimals,
NaN as a word, -0.0 keeping its sign), or the exception's type and words."""

from __future__ import annotations

import math

import numpy as np


def run(f, lib):
    """``f(lib)`` described, or the exception it raised."""
    try:
        r = f(lib)
    except Exception as e:                  # noqa: BLE001 (compared with PyTorch's)
        return ("raises", type(e).__name__, str(e))
    return ("value", describe(r))


def describe(r):
    if isinstance(r, (tuple, list)):
        return tuple(describe(v) for v in r)
    if hasattr(r, "grad_fn") and hasattr(r, "dtype"):
        g = r.grad_fn
        return ("tensor", tuple(r.shape), str(r.dtype), r.requires_grad,
                None if g is None else type(g).__name__,
                rounded(np.asarray(r.detach().tolist())))
    if isinstance(r, float) and math.isnan(r):
        return "nan"
    return r


def rounded(a):
    if a.dtype.kind in "bc":
        return a.tolist()
    a = a.round(5)
    # NaN never equals itself: as a word; -0.0 keeps its sign
    return [str(v) for v in a.ravel().tolist()] + [str(a.shape)]
