"""The host Adam/AdamW step as one Numba pass (``dlcore.kernels.cpu._jit_adam``): the NumPy
steps' bits for every option and layout (a transposed gradient, 0-d, 1-d and 4-d
parameters), PyTorch's values, and the NumPy steps where no common 2-D view exists."""

import numpy as np
import pytest

import dlcore_eager as dt
from dlcore_eager.optim import adam as adam_module

torch = pytest.importorskip("torch")


def _train(lib, opt_name, kw, steps=4):
    lib.manual_seed(0)
    rng = np.random.default_rng(0)
    conv = lib.nn.Conv2d(2, 3, 3)
    lin = lib.nn.Linear(5, 4)
    temp = lib.nn.Parameter(lib.tensor(np.float32(0.7)))
    with lib.no_grad():
        for q in (*conv.parameters(), *lin.parameters()):
            q.copy_(lib.tensor(rng.standard_normal(tuple(q.shape)).astype(np.float32)))
    params = [*conv.parameters(), *lin.parameters(), temp]
    opt = getattr(lib.optim, opt_name)(params, lr=0.05, **kw)
    x = lib.tensor(rng.standard_normal((2, 2, 5, 7)).astype(np.float32))
    for _ in range(steps):
        opt.zero_grad()
        h = conv(x).mean((1, 2))                      # (2, 5)
        loss = (lin(h) * temp).pow(2).sum()
        loss.backward()
        opt.step()
    return [q.detach().numpy().copy() for q in params]


@pytest.mark.parametrize("opt_name,kw", [
    ("Adam", {}), ("Adam", {"weight_decay": 0.1}), ("Adam", {"amsgrad": True}),
    ("Adam", {"maximize": True, "betas": (0.8, 0.9)}), ("AdamW", {}),
    ("AdamW", {"weight_decay": 0.3, "amsgrad": True})])
def test_the_kernel_has_the_numpy_steps_bits_and_pytorchs_values(monkeypatch, opt_name, kw):
    calls = []
    real = adam_module._planes
    monkeypatch.setattr(adam_module, "_planes", lambda *a: calls.append(1) or real(*a))
    fused = _train(dt, opt_name, kw)
    assert len(calls) == 4 * 5
    monkeypatch.setattr(adam_module, "_planes", lambda *a: None)
    steps = _train(dt, opt_name, kw)
    want = _train(torch, opt_name, kw)
    for f, s, w in zip(fused, steps, want):
        np.testing.assert_array_equal(f, s)
        np.testing.assert_allclose(f, w, rtol=1e-5, atol=1e-6)


def test_planes_pair_elements_or_decline():
    c = np.zeros((2, 3, 4), np.float32)
    f = np.asfortranarray(c)
    assert adam_module._planes(c, c, c, c, None) is not None
    assert adam_module._planes(f, f, f, f, None) is not None
    assert adam_module._planes(c, f, c, c, None) is None          # (no common order)
    w = np.zeros((3, 4), np.float32)
    got = adam_module._planes(w, w.T.copy().T, w, w, None)        # (2-D: any layout)
    assert [a.shape for a in got] == [(3, 4)] * 5
