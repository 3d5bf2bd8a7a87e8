"""view/reshape/expand size errors as PyTorch 2.13 raises them: ``infer_size``'s checks in
its order (a negative size other than -1, two -1s, the ambiguous -1 of an empty tensor, the
element count, before a view's stride check), and expand's error for too few sizes (with the
tensor's legacy type name)."""

from __future__ import annotations

import pytest

import dlcore_eager as dl

torch = pytest.importorskip("torch")

CASES = [
    "a.view(-2, 3)", "a.view(-1, -2)", "a.view(-1, -1, -2)", "a.view(-3, -1)", "a.view(-1, -1)",
    "a.view(4, -1)", "a.view(7)", "a.view((-1, -2))", "a.reshape(-2, 3)", "a.reshape(4, -1)",
    "a.reshape(-1, -1)", "a.reshape(-1, -3)", "T.zeros(0).view(0, -1)",
    "T.zeros(0).reshape(-1, 0)", "T.zeros(0).view(-1, 0, 2)", "T.zeros(2, 0).view(-1)",
    "T.zeros(0).view(0, 0)", "a.view(6, 0)", "T.zeros(0).view(0, 5)", "a.reshape(3, -1)",
    "a.t().reshape(-1, -2)", "a.t().view(-1, 4)", "a.t().view(-1)", "a.t().view(3, 2)",
    "a.t().view(-2)", "a.expand(1)", "ai.expand(3)", "a.expand(2, 3, -1)", "a.expand(-1, 2, 3)",
    "a.expand(3, 3)",
]


def _run(T, expr):
    env = {"T": T, "a": T.arange(6.0).reshape(2, 3), "ai": T.ones(2, 2, dtype=T.int64)}
    for _ in range(2):                      # (a second call: the entries' plans, if any)
        try:
            y = eval(expr, env)
            out = ("ok", tuple(y.shape))
        except Exception as ex:  # noqa: BLE001 - compared with torch's
            out = (type(ex).__name__, str(ex).split("\n")[0])
    return out


@pytest.mark.parametrize("expr", CASES)
def test_size_errors_are_torchs(expr):
    assert _run(dl, expr) == _run(torch, expr)
