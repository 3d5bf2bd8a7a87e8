"""SGD on float32 parameters equals PyTorch 2.13's bit for bit: each ``a + c * b`` of the update
is ``torch.add(a, b, alpha=c)``, a fused multiply-add in PyTorch's CPU loop (one rounding), and
dlcore's host pass rounds the same way (dlcore.kernels.cpu._jit_sgd).  The tensor operations'
two roundings left about half the elements one ulp away after one step."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as D

T = pytest.importorskip("torch")

RNG_SEED = 0


def _run(lib, w0, grads, make=None, **kw):
    p = lib.nn.Parameter(lib.tensor(w0))
    opt = lib.optim.SGD([p], **kw)
    for g in grads:
        p.grad = lib.tensor(g)
        opt.step()
    return p.detach().numpy().copy(), opt.state[p].get("momentum_buffer")


@pytest.mark.parametrize("kw", [
    {"lr": 0.1}, {"lr": 0.1, "momentum": 0.9}, {"lr": 0.1, "momentum": 0.9, "nesterov": True},
    {"lr": 0.05, "momentum": 0.8, "dampening": 0.1, "weight_decay": 0.01},
    {"lr": 0.1, "weight_decay": 0.01, "maximize": True}])
def test_float32_steps_equal_torch_bit_for_bit(kw):
    rng = np.random.default_rng(RNG_SEED)
    w0 = rng.standard_normal((40, 25)).astype(np.float32)
    grads = [rng.standard_normal((40, 25)).astype(np.float32) for _ in range(6)]
    (want, tb), (got, db) = _run(T, w0, grads, **kw), _run(D, w0, grads, **kw)
    np.testing.assert_array_equal(got, want)
    if "momentum" in kw:
        np.testing.assert_array_equal(db.numpy(), tb.numpy())


def test_momentum_buffer_is_updated_in_place_as_torch():
    p = D.nn.Parameter(D.ones(3))
    opt = D.optim.SGD([p], lr=0.1, momentum=0.9)
    p.grad = D.ones(3)
    opt.step()
    buf = opt.state[p]["momentum_buffer"]
    opt.step()
    assert opt.state[p]["momentum_buffer"] is buf
    np.testing.assert_allclose(buf.numpy(), 1.9, rtol=1e-6)


def test_float64_and_non_contiguous_take_the_tensor_path():
    rng = np.random.default_rng(1)
    w0 = rng.standard_normal((4, 5))
    g = rng.standard_normal((4, 5))
    (want, _), (got, _) = (_run(lib, w0, [g, g], lr=0.1, momentum=0.9) for lib in (T, D))
    np.testing.assert_allclose(got, want, rtol=1e-15, atol=1e-15)
    p = D.nn.Parameter(D.tensor(w0.astype(np.float32)).t())        # a transposed view
    opt = D.optim.SGD([p], lr=0.1, momentum=0.9)
    p.grad = D.tensor(g.T.astype(np.float32))
    opt.step()
    np.testing.assert_allclose(p.detach().numpy(), (w0 - 0.1 * g).T, rtol=1e-6, atol=1e-6)
