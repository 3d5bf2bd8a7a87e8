"""``torch.cat``/``torch.stack``'s general entries (``_joins``) against PyTorch 2.13: the legacy
skip of 1-d empty tensors in ``cat`` (values, dtype, gradients, next_functions), stack's dim
check before its shapes, the result dtype over all tensors, and the errors."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dl

torch = pytest.importorskip("torch")

CASES = [
    "T.cat([a, T.zeros(0)], 0)", "T.cat([a, T.zeros(0)], 1)", "T.cat([T.zeros(0), a], -1)",
    "T.cat([T.zeros(0), a, T.zeros(0)], 1)", "T.cat([T.zeros(0), T.zeros(0)], 5)",
    "T.cat([T.zeros(0), T.zeros(0, dtype=T.int64)])", "T.cat([ai, T.zeros(0)], 0)",
    "T.cat([ai, T.zeros(0, dtype=T.float64)], 1)", "T.cat([T.zeros(0), T.ones(3)])",
    "T.cat([a, T.zeros(0), T.ones(2)], 0)", "T.cat([a, T.zeros(0), T.ones(3, 3)], 1)",
    "T.cat([T.zeros(0), a], 7)", "T.cat([T.tensor(1.), T.zeros(0)])",
    "T.cat([T.zeros(0), T.tensor(1.)])", "T.cat([a, b3], 1)", "T.cat([a, a], -3)",
    "T.cat([a, e], 1)", "T.cat([a, ai], 0)", "T.stack([a, a], 3)", "T.stack([a, b3], 5)",
    "T.stack([a, b3])", "T.stack([a, ai], -3)", "T.stack([s, s])", "T.stack([s, s], 2)",
]


def _run(T, expr):
    env = {"T": T, "a": T.ones(2, 3), "b3": T.ones(3, 2), "s": T.tensor(1.0),
           "ai": T.ones(2, 3, dtype=T.int64), "e": T.ones(2, 0)}
    try:
        y = eval(expr, env)
    except Exception as ex:  # noqa: BLE001 - compared with torch's
        return type(ex).__name__, str(ex).split("\n")[0]
    return tuple(y.shape), str(y.dtype).replace("dlcore_eager", "torch"), y.numpy().tolist()


@pytest.mark.parametrize("expr", CASES)
def test_join_is_torchs(expr):
    assert _run(dl, expr) == _run(torch, expr)


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cat_skipping_empty_tensors_gradients_are_torchs(dim):
    out = []
    for T in (torch, dl):
        a = T.arange(6.0).reshape(2, 3).requires_grad_(True)
        z = T.zeros(0, requires_grad=True)
        z64 = T.zeros(0, dtype=T.float64, requires_grad=True)
        y = T.cat([z, a, z64], dim)
        w = T.arange(float(y.numel()), dtype=T.float64).reshape(tuple(y.shape))
        (y * w).sum().backward()
        name = type(y.grad_fn).__name__ if T is torch else y.grad_fn.name()
        nexts = [type(n).__name__.split("::")[-1] for n, _ in y.grad_fn.next_functions] \
            if T is torch else [n.name().split("::")[-1] for n, _ in y.grad_fn.next_functions]
        out.append((name, nexts, str(y.dtype).replace("dlcore_eager", "torch"),
                    y.detach().numpy().tolist(), a.grad.numpy().tolist(),
                    tuple(z.grad.shape), str(z.grad.dtype).replace("dlcore_eager", "torch"),
                    tuple(z64.grad.shape), str(z64.grad.dtype).replace("dlcore_eager", "torch")))
    assert out[0] == out[1]


def test_promoted_joins_show_the_tensors_given_as_next_functions():
    for op in ("cat", "stack"):
        names = []
        for T in (torch, dl):
            a = T.ones(2, 3, requires_grad=True)
            b = T.ones(2, 3, dtype=T.float64, requires_grad=True)
            y = getattr(T, op)([a, b])
            names.append([(type(n).__name__ if T is torch else n.name()).split("::")[-1]
                          for n, _ in y.grad_fn.next_functions])
        assert names[0] == names[1] == ["AccumulateGrad", "AccumulateGrad"]
    np.testing.assert_array_equal(dl.cat([dl.ones(2), dl.zeros(0)]).numpy(), np.ones(2))
