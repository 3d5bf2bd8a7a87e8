"""PyTorch 2.13's ``bias`` keyword of the normalisation layers (``BatchNorm*``,
``SyncBatchNorm``, ``LazyBatchNorm*``, ``GroupNorm``; ``InstanceNorm*`` had it): ``bias=False``
keeps the learnt scale without a shift, and the reprs print ``bias=`` as torch's do."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as D

T = pytest.importorskip("torch")

LAYERS = [
    lambda L, **kw: L.nn.BatchNorm1d(3, **kw),
    lambda L, **kw: L.nn.BatchNorm2d(8, **kw),
    lambda L, **kw: L.nn.BatchNorm3d(2, momentum=None, **kw),
    lambda L, **kw: L.nn.SyncBatchNorm(3, **kw),
    lambda L, **kw: L.nn.LazyBatchNorm2d(**kw),
    lambda L, **kw: L.nn.GroupNorm(2, 4, **kw),
    lambda L, **kw: L.nn.InstanceNorm2d(3, **{"affine": True, **kw}),
]


@pytest.mark.parametrize("make", LAYERS)
@pytest.mark.parametrize("kw", [{}, {"bias": False}, {"affine": False}])
def test_repr_and_parameters_as_torch(make, kw):
    t, d = make(T, **kw), make(D, **kw)
    assert repr(d) == repr(t)
    assert [n for n, _ in d.named_parameters()] == [n for n, _ in t.named_parameters()]


@pytest.mark.parametrize("make, shape", [(LAYERS[0], (4, 3)), (LAYERS[1], (2, 8, 3, 3)),
                                         (LAYERS[3], (4, 3, 2)), (LAYERS[5], (2, 4, 3))])
def test_bias_false_forward_and_gradient_as_torch(make, shape):
    x = np.random.default_rng(0).standard_normal(shape)
    outs = []
    for lib in (T, D):
        m = make(lib, bias=False).double()
        with lib.no_grad():
            m.weight.copy_(lib.tensor(np.linspace(0.5, 2.0, m.weight.shape[0])))
        xt = lib.tensor(x, requires_grad=True)
        y = m(xt)
        (y * y).sum().backward()
        outs.append((y.detach().numpy(), xt.grad.numpy(), m.weight.grad.numpy(),
                     sorted(m.state_dict())))
    for a, b in zip(*outs):
        if isinstance(a, list):
            assert a == b
        else:
            np.testing.assert_allclose(b, a, rtol=1e-10, atol=1e-12)
