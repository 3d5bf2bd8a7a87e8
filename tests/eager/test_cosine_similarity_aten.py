"""F.cosine_similarity and F.cosine_embedding_loss computed as ATen computes them (each input
divided by its clamped norm, then a sum; the loss's 1e-12 added to the squared norms), checked
against torch 2.13: values, gradients, and SimCLR's ``cos.masked_fill_(self_mask, -9e15)``
before backward, which dlcore refused ("modified by an inplace operation": its result was a
division's saved output)."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import dlcore_eager as T

RNG = np.random.default_rng(3)
F8 = RNG.standard_normal((6, 5)).astype(np.float32)


def _simclr_step(L, feats_np):
    feats = L.tensor(feats_np, requires_grad=True)
    cos = L.nn.functional.cosine_similarity(feats[:, None, :], feats[None, :, :], dim=-1)
    self_mask = L.eye(cos.shape[0], dtype=L.bool)
    cos.masked_fill_(self_mask, -9e15)
    pos_mask = self_mask.roll(shifts=cos.shape[0] // 2, dims=0)
    cos = cos / 0.1
    nll = (-cos[pos_mask] + L.logsumexp(cos, dim=-1)).mean()
    nll.backward()
    return nll.item(), feats.grad.numpy()


def test_masked_fill_of_the_similarity_before_backward():
    (lt, gt), (ld, gd) = _simclr_step(torch, F8), _simclr_step(T, F8)
    np.testing.assert_allclose(ld, lt, rtol=1e-5)
    np.testing.assert_allclose(gd, gt, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("scale", [1.0, 1e-5, 0.0])
@pytest.mark.parametrize("shapes", [((4, 3), (4, 3), 1), ((4, 1, 3), (1, 5, 3), -1),
                                    ((2, 3), (3,), -1)])
def test_cosine_similarity_values_and_grads(shapes, scale):
    s1, s2, dim = shapes
    a = (RNG.standard_normal(s1) * scale).astype(np.float32)
    b = RNG.standard_normal(s2).astype(np.float32)
    out = []
    for L in (torch, T):
        x1, x2 = L.tensor(a, requires_grad=True), L.tensor(b, requires_grad=True)
        y = L.nn.functional.cosine_similarity(x1, x2, dim=dim)
        (y * L.arange(y.numel()).reshape(y.shape).float()).sum().backward()
        out.append((y.detach().numpy(), x1.grad.numpy(), x2.grad.numpy(), type(y.grad_fn).__name__))
    for g, w in zip(out[1][:3], out[0][:3]):
        np.testing.assert_allclose(g, w, rtol=2e-5, atol=1e-6)
    assert out[1][3] == out[0][3] == "SumBackward1"


@pytest.mark.parametrize("scale", [1.0, 1e-7, 0.0])
def test_cosine_embedding_loss_adds_eps_to_the_squared_norms(scale):
    a = (RNG.standard_normal((5, 4)) * scale).astype(np.float32)
    b = RNG.standard_normal((5, 4)).astype(np.float32)
    t = np.array([1, -1, 1, -1, 1], np.float32)
    out = []
    for L in (torch, T):
        x1, x2 = L.tensor(a, requires_grad=True), L.tensor(b, requires_grad=True)
        loss = L.nn.functional.cosine_embedding_loss(x1, x2, L.tensor(t), margin=0.1,
                                                     reduction="sum")
        loss.backward()
        out.append((loss.item(), x1.grad.numpy(), x2.grad.numpy()))
    np.testing.assert_allclose(out[1][0], out[0][0], rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(out[1][1], out[0][1], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(out[1][2], out[0][2], rtol=1e-4, atol=1e-6)
