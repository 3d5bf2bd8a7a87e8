"""print(optimizer) as PyTorch 2.13: ``SGD (\\nParameter Group 0\\n    lr: 0.1\\n...\\n)``
with a blank line between parameter groups (dlcore joined the groups without it).
Compared with torch's repr for one and two groups and several optimizers."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

import dlcore_eager as T

MAKERS = {
    "SGD two groups": lambda L, a, b: L.optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}],
                                                  lr=0.1, momentum=0.9),
    "Adam": lambda L, a, b: L.optim.Adam([a, b], lr=1e-3),
    "AdamW three groups": lambda L, a, b: L.optim.AdamW(
        [{"params": [a]}, {"params": [b], "weight_decay": 0.0}, {"params": []}]),
    "RMSprop": lambda L, a, b: L.optim.RMSprop([a], lr=0.01),
}


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_optimizer_repr_as_torch(name):
    out = []
    for L in (torch, T):
        a, b = L.nn.Parameter(L.ones(2)), L.nn.Parameter(L.zeros(1))
        out.append(repr(MAKERS[name](L, a, b)))
    assert out[1] == out[0]
