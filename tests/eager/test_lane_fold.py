"""The eager lane's folds (helper-Q8): ops whose hand-written fast paths went into the one lane
(``dlcore_eager/_lane.py``) keep PyTorch's values, grad_fn names, views and errors; and
NumPy-style keyword aliases given with the name they stand for raise PyTorch's TypeError."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dl

torch = pytest.importorskip("torch")


def _both(fn):
    """``fn`` run on torch and dlcore: (kind, message) of the error, or the result."""
    out = []
    for T in (torch, dl):
        x = T.ones(2, 3)
        try:
            out.append(("ok", tuple(fn(T, x).shape)))
        except Exception as e:  # noqa: BLE001 - compared by type and message
            out.append((type(e).__name__, str(e)))
    return out


@pytest.mark.parametrize("call", [
    lambda T, x: x.sum(dim=1, axis=1),
    lambda T, x: T.sum(x, dim=1, axis=1),
    lambda T, x: x.mean(dim=1, axis=1),
    lambda T, x: x.argmax(dim=1, axis=1),
    lambda T, x: x.sum(1, keepdim=True, keepdims=True),
    lambda T, x: x.sum(axis=1, keepdims=True, keepdim=True),
    lambda T, x: T.cat([x, x], dim=0, axis=0),
    lambda T, x: x.sum(axis=1, keepdims=True),
])
def test_alias_with_its_name(call):
    t, d = _both(call)
    assert t == d
