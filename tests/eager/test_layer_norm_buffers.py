"""nn.LayerNorm's backward on buffers calls the CPU kernels that bind would call (dx, dw, and
db's leading-axes sum): its gradients equal the Tensor path's (anomaly mode's generic routine)
bit for bit and PyTorch's to float32 rounding, with and without the affine parameters."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dl

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("shape,norm", [((64, 128), (128,)), ((3, 5, 8), (5, 8))])
def test_layer_norm_backward_on_buffers(shape, norm, affine):
    a = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    g = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
    got = {}
    for name, L, anomaly in (("torch", torch, False), ("buffers", dl, False),
                             ("tensors", dl, True)):
        L.manual_seed(0)
        ln = L.nn.LayerNorm(norm, elementwise_affine=affine)
        if affine:
            with L.no_grad():
                ln.weight.mul_(1.5)
                ln.bias.add_(0.25)
        x = L.tensor(a, requires_grad=True)
        with L.autograd.set_detect_anomaly(anomaly):
            (ln(x) * L.tensor(g)).sum().backward()
        got[name] = [x.grad.numpy()] + ([ln.weight.grad.numpy(), ln.bias.grad.numpy()]
                                        if affine else [])
    for b, t, w in zip(got["buffers"], got["tensors"], got["torch"]):
        assert np.array_equal(b, t)
        np.testing.assert_allclose(b, w, rtol=2e-4, atol=2e-5)
