"""float32 normal draws through ``_torch_rng._normal_blocks``: the fused Numba kernel
(``normal_blocks``: uniforms and Box-Muller in one call) and its NumPy twin give PyTorch's bits
at sizes with and without a tail of fewer than 16 (PyTorch redraws the last 16)."""
import numpy as np
import pytest

import dlcore_eager as dt
from dlcore_eager import _torch_rng as R

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("numpy_first", [True, False])
@pytest.mark.parametrize("shape", [(16,), (17,), (31,), (64, 2), (5, 7), (1000,), (33, 3)])
def test_randn_and_normal_bits_as_torch(monkeypatch, numpy_first, shape):
    monkeypatch.setattr(R, "_NORMAL_NUMPY", [0, not numpy_first])
    for seed in (0, 11):
        dt.manual_seed(seed)
        torch.manual_seed(seed)
        got = [dt.randn(*shape), dt.randn_like(dt.zeros(*shape)),
               dt.normal(2.0, 0.5, shape)]
        want = [torch.randn(*shape), torch.randn_like(torch.zeros(*shape)),
                torch.normal(2.0, 0.5, shape)]
        for g, w in zip(got, want):
            assert g.numpy().tobytes() == w.numpy().tobytes()
    assert (R._NORMAL_NUMPY[0] > 0) == numpy_first
