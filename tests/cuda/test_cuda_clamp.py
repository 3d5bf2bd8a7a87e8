"""clamp and clamp_grad on CUDA (dlcore/kernels/cuda/clamp.py: the elementwise factory's kernels
with the bounds as host scalars) against their CPU kernels bit for bit: NaN in x or a bound,
signed zeros at ties, infinities, lo > hi, a bound absent, a strided device view, and eager
tensors on the device (one node, its backward).  Numba's CUDA simulator in CI."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore
from dlcore import ops

from _cuda_bits import dev as _dev  # noqa: E402 - tests/cuda/_cuda_bits.py
from _cuda_bits import same as _same  # noqa: E402

pytestmark = [
    pytest.mark.cuda,
    pytest.mark.skipif(not dlcore.cuda_available(),
                       reason="numba.cuda is not usable (no GPU and no simulator)"),
]

BOUNDS = [(-0.5, 0.5), (-0.0, 0.0), (0.0, -0.0), (None, 0.25), (-0.25, None), (0.5, -0.5),
          (float("nan"), 0.5), (-1, 1)]


def _sample(dtype, shape=(3, 5), seed=0):
    a = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    a.flat[:8] = [np.nan, -0.0, 0.0, np.inf, -np.inf, 0.5, -0.5, 0.25]
    return a


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_forward_and_grad_match_the_cpu_bit_for_bit(dtype):
    x, g = _sample(dtype), _sample(dtype, seed=1)
    for lo, hi in BOUNDS:
        _same(ops.clamp(_dev(x), lo, hi), ops.clamp(x, lo, hi))
        _same(ops.clamp_grad(_dev(g), _dev(x), lo, hi), ops.clamp_grad(g, x, lo, hi))


def test_strided_device_view_and_broadcast_cotangent():
    x = _sample(np.float32, (4, 6))
    _same(ops.clamp(_dev(x)[:, ::2], -0.5, 0.5), ops.clamp(x[:, ::2], -0.5, 0.5))
    g = np.arange(6, dtype=np.float32)
    _same(ops.clamp_grad(_dev(g), _dev(x), -0.5, None), ops.clamp_grad(g, x, -0.5, None))


def test_eager_on_the_device():
    import dlcore_eager as torch
    a = _sample(np.float32, (2, 4))
    x = torch.tensor(a).cuda().requires_grad_(True)
    y = x.clamp(-0.5, 0.5)
    assert type(y.grad_fn).__name__ == "ClampBackward1" and y.device.type == "cuda"
    np.testing.assert_array_equal(y.detach().cpu().numpy(), ops.clamp(a, -0.5, 0.5))
    g = np.random.default_rng(2).standard_normal((2, 4)).astype(np.float32)
    y.backward(torch.tensor(g).cuda())
    np.testing.assert_array_equal(x.grad.cpu().numpy(), ops.clamp_grad(g, a, -0.5, 0.5))
