"""F.interpolate(mode='area') as PyTorch 2.13: adaptive average pooling to the new size (1-, 2-
and 3-d), values, gradients and grad_fn names against real torch; align_corners refused."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dl

torch = pytest.importorskip("torch")

CASES = [((2, 3, 7), {"size": 4}), ((2, 3, 7, 5), {"size": (3, 2)}),
         ((1, 2, 4, 6, 5), {"scale_factor": 0.5}), ((2, 3, 7, 5), {"size": 1}),
         ((2, 3, 7, 5), {"scale_factor": (0.6, 1.5)})]


@pytest.mark.parametrize(("shape", "kw"), CASES)
def test_area_is_torchs(shape, kw):
    g = np.random.default_rng(0)
    a = g.standard_normal(shape).astype(np.float32)
    got = {}
    for lib in (torch, dl):
        x = lib.tensor(a, requires_grad=True)
        y = lib.nn.functional.interpolate(x, mode="area", **kw)
        c = np.random.default_rng(1).standard_normal(tuple(y.shape)).astype(np.float32)
        (y * lib.tensor(c)).sum().backward()
        got[lib] = (y.detach().numpy(), x.grad.numpy(), y.grad_fn.name())
    np.testing.assert_allclose(got[dl][0], got[torch][0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got[dl][1], got[torch][1], rtol=1e-5, atol=1e-6)
    assert got[dl][2] == got[torch][2]


def test_area_refuses_align_corners():
    for lib in (torch, dl):
        with pytest.raises(ValueError, match="align_corners option can only be set with the "
                                             "interpolating modes"):
            lib.nn.functional.interpolate(lib.ones(1, 1, 4), size=2, mode="area",
                                          align_corners=True)
