"""Eager matmul backward on CUDA: the transposes in ``g b^T`` and ``a^T g`` are the CUDA
kernel's flags (it reads the operand through swapped strides), not transpose kernels; the
gradients equal NumPy's.  (The seed's eager step: 30 -> 27 launches per step,
benchmarks/cuda_counts.py.)"""

from __future__ import annotations

import numpy as np
import pytest

import dlcore
from dlcore.ops import shape as _shape

pytestmark = [
    pytest.mark.cuda,
    pytest.mark.skipif(not dlcore.cuda_available(),
                       reason="numba.cuda is not usable (no GPU and no simulator)"),
]


@pytest.mark.parametrize("transposed_weight", [False, True])
def test_matmul_backward_on_cuda_launches_no_transpose_and_matches_numpy(
        monkeypatch, transposed_weight):
    import dlcore_eager as torch
    rng = np.random.default_rng(3)
    xv = rng.standard_normal((3, 4)).astype(np.float32)
    wv = rng.standard_normal((2, 4) if transposed_weight else (4, 2)).astype(np.float32)
    x = torch.tensor(xv).cuda().requires_grad_()
    w = torch.tensor(wv).cuda().requires_grad_()
    y = x @ (w.t() if transposed_weight else w)
    calls: list = []
    real = _shape.matrix_transpose
    monkeypatch.setattr(_shape, "matrix_transpose", lambda v: calls.append(v) or real(v))
    (y * y).sum().backward()
    W = wv.T if transposed_weight else wv
    g = 2 * (xv @ W)
    np.testing.assert_allclose(x.grad.cpu().numpy(), g @ W.T, rtol=1e-5, atol=1e-5)
    dw = xv.T @ g
    np.testing.assert_allclose(w.grad.cpu().numpy(), dw.T if transposed_weight else dw,
                               rtol=1e-5, atol=1e-5)
    assert x.grad.is_cuda and w.grad.is_cuda
    assert calls == []
