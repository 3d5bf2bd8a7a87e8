"""The eager engine's fast paths give bit-for-bit what the general paths give.

* Adam/AdamW on NumPy buffers (``Adam._update_host``) against the Tensor-op update it stands in
  for (the same formulas, which tests/eager/test_vs_torch.py checks against PyTorch);
* backward on raw buffers (no ``create_graph``) against backward with ``create_graph=True``,
  which keeps every cotangent a Tensor.
"""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as torch
from dlcore_eager.optim import adam as adam_mod

_REAL_ON_HOST = adam_mod._on_host


def _train(opt_cls, kw, dtype, host: bool, monkeypatch, steps=5):
    if not host:
        monkeypatch.setattr(adam_mod, "_on_host", lambda *a: False)
    else:
        monkeypatch.setattr(adam_mod, "_on_host", _REAL_ON_HOST)
    rng = np.random.default_rng(0)
    w = torch.tensor(rng.standard_normal((7, 5)).astype(dtype), requires_grad=True)
    b = torch.tensor(rng.standard_normal((5,)).astype(dtype), requires_grad=True)
    x = torch.tensor(rng.standard_normal((4, 7)).astype(dtype))
    opt = opt_cls([w, b], **kw)
    for _ in range(steps):
        opt.zero_grad()
        ((x @ w + b).tanh() ** 2).sum().backward()
        opt.step()
    st = [opt.state[p][k].numpy().copy() for p in (w, b) for k in sorted(opt.state[p])
          if k != "step"]
    return [w.detach().numpy().copy(), b.detach().numpy().copy()] + st


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("opt_cls,kw", [
    (torch.optim.Adam, {"lr": 1e-2}),
    (torch.optim.Adam, {"lr": 1e-2, "weight_decay": 0.1, "amsgrad": True}),
    (torch.optim.Adam, {"lr": 1e-2, "maximize": True, "betas": (0.8, 0.99), "eps": 1e-6}),
    (torch.optim.AdamW, {"lr": 1e-2}),
    (torch.optim.AdamW, {"lr": 1e-2, "weight_decay": 0.3, "amsgrad": True, "maximize": True}),
])
def test_adam_host_path_is_bitwise_the_tensor_path(opt_cls, kw, dtype, monkeypatch):
    slow = _train(opt_cls, kw, dtype, False, monkeypatch)
    calls = []
    real = opt_cls._update_host
    monkeypatch.setattr(opt_cls, "_update_host",
                        lambda self, *a: calls.append(1) or real(self, *a))
    fast = _train(opt_cls, kw, dtype, True, monkeypatch)
    assert calls                          # the host path did run
    assert len(slow) == len(fast)
    for a, b in zip(slow, fast):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)


def _grads(create_graph: bool, dtype):
    rng = np.random.default_rng(1)
    x = torch.tensor(rng.standard_normal((6, 5)).astype(dtype))
    y = torch.tensor(rng.standard_normal((6, 3)).astype(dtype))
    w1 = torch.tensor(rng.standard_normal((5, 4)).astype(dtype), requires_grad=True)
    w2 = torch.tensor(rng.standard_normal((4, 3)).astype(dtype), requires_grad=True)
    b = torch.tensor(rng.standard_normal((4,)).astype(dtype), requires_grad=True)
    h = (x.mm(w1) + b).clamp(min=0)
    h2 = h.sigmoid() * h - h.exp() / 7 + h.tanh()
    out = h2.mm(w2)
    loss = ((out - y).pow(2).sum() + out.abs().mean() * 0.5) / 3.0
    loss.backward(create_graph=create_graph)
    return [t.grad.detach().numpy().copy() for t in (w1, w2, b)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_raw_backward_is_bitwise_the_tensor_backward(dtype):
    for a, b in zip(_grads(False, dtype), _grads(True, dtype)):
        np.testing.assert_array_equal(a, b)


def test_raw_backward_accumulates_in_place_into_existing_grad():
    w = torch.ones(3, requires_grad=True)
    (w * 2).sum().backward()
    g = w.grad
    alias = g.data
    (w * 3).sum().backward()
    assert w.grad is g
    np.testing.assert_array_equal(alias.numpy(), [5.0, 5.0, 5.0])


def test_raw_backward_hooks_and_retain_grad_see_tensors():
    seen = []
    x = torch.ones(2, 2, requires_grad=True)
    h = x * 3
    h.retain_grad()
    h.register_hook(lambda g: seen.append(type(g)) or g * 2)
    x.register_hook(lambda g: seen.append(type(g)))
    h.sum().backward()
    assert seen == [torch.Tensor, torch.Tensor]
    np.testing.assert_array_equal(h.grad.numpy(), np.full((2, 2), 2.0))
    np.testing.assert_array_equal(x.grad.numpy(), np.full((2, 2), 6.0))


def test_raw_backward_leaf_grad_owns_its_memory():
    x = torch.ones(2, 3, requires_grad=True)
    x.sum().backward()                  # the cotangent is a read-only broadcast view
    assert x.grad.numpy().flags.writeable and x.grad.numpy().base is None
    x.grad.zero_()


def test_shared_scalar_buffers_keep_the_sign_of_zero():
    x = torch.ones(2)
    assert not np.signbit((x * 0.0).numpy()).any()
    assert np.signbit((x * -0.0).numpy()).all()
    assert not np.signbit((x * 0).numpy()).any()
