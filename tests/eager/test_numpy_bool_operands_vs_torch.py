"""A user's ``np.bool_`` beside a tensor as PyTorch 2.13's argument parser reads it: the
number 1.0 / 0.0 (``int_tensor * np.bool_(True)`` and ``bool_tensor + np.bool_(True)`` are
float32; ``bool_tensor | np.bool_(True)`` is the Float NotImplementedError), where dlcore read
it as a bool (int64 and bool results).  A bool tensor's own ``masked_fill``/``fill_`` with an
``np.bool_`` stays bool."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import dlcore_eager as dl

torch = pytest.importorskip("torch")

CASES = [
    "L.mul(ti, np.bool_(True))", "L.add(bt, np.bool_(True))", "ti.add(np.bool_(True))",
    "bt.mul(np.bool_(False))", "ti * np.bool_(True)", "np.bool_(True) * ti",
    "ti + np.bool_(True)", "bt + np.bool_(True)", "bt * np.bool_(True)", "t * np.bool_(False)",
    "np.bool_(True) + t", "ti - np.bool_(True)", "np.bool_(True) - ti", "bt - np.bool_(True)",
    "ti ** np.bool_(True)", "ti / np.bool_(True)", "ti // np.bool_(True)",
    "bt | np.bool_(True)", "bt & np.bool_(True)", "t == np.bool_(True)",
    "ti.masked_fill(bt, np.bool_(True))", "bt.masked_fill(bt, np.bool_(False))",
    "bt.clone().fill_(np.bool_(False))",
]


def _outcome(L, expr):
    env = {"L": L, "np": np, "ti": L.tensor([1, 2]), "bt": L.tensor([True, False]),
           "t": L.tensor([1., 2.], requires_grad=True)}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = eval(expr, env)   # noqa: S307 - the fixed expressions above
    except Exception as e:       # noqa: BLE001 - the outcome compared, type and message
        return type(e).__name__, str(e).split("\n")[0]
    return str(r.dtype).rsplit(".", 1)[-1], r.tolist(), r.requires_grad


@pytest.mark.parametrize("expr", CASES)
def test_numpy_bool_operand_as_torch(expr):
    assert _outcome(dl, expr) == _outcome(torch, expr)
