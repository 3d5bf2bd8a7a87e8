"""``x.topk`` of a CPU tensor that requires grad through the lane (the kernels' order and the
gather's node through the eager plan): PyTorch's values, indices, ties' order, gradients, node
name and result type, first and second use of a shape; the lane's gather is asserted taken."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dl

torch = pytest.importorskip("torch")

CASES = [((32, 10), 3, 1, True), ((4, 6), 2, 0, False), ((5,), 5, 0, True),
         ((3, 4, 5), 1, -1, True), ((3, 3), 0, 1, True)]


@pytest.mark.parametrize("shape,k,dim,largest", CASES)
def test_topk_with_a_gradient_matches_torch(shape, k, dim, largest, monkeypatch):
    from dlcore_eager import _shape_lanes
    taken = []
    plan = _shape_lanes.small_many
    monkeypatch.setattr(_shape_lanes, "small_many",
                        lambda *a, **kw: taken.append(a[0].name) or plan(*a, **kw))
    a = np.random.default_rng(len(shape) + k).standard_normal(shape).astype(np.float32)
    a.reshape(-1)[:3] = 0.5                     # (ties)
    for _ in range(2):
        got = {}
        for L in (torch, dl):
            x = L.tensor(a, requires_grad=True)
            out = x.topk(k, dim, largest=largest)
            v, i = out
            w = np.arange(v.numel(), dtype=np.float32).reshape(tuple(v.shape))
            (v * L.tensor(w)).sum().backward()
            got[L] = (v.detach().numpy(), i.numpy(), x.grad.numpy(), v.grad_fn.name(),
                      type(out).__name__, i.requires_grad)
        for u, t in zip(got[dl][:3], got[torch][:3]):
            assert np.array_equal(u, t)
        assert got[dl][3:] == got[torch][3:] == ("TopkBackward0", "topk", False)
    assert taken == ["take_along_axis"] * 2          # (the lane's gather, once a call)
