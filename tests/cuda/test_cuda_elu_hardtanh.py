"""elu/elu_grad (dlcore/kernels/cuda/elu.py) and hardtanh_grad (dlcore/kernels/cuda/clamp.py) on
CUDA, the elementwise factory's kernels with their coefficients and bounds as host scalars,
against the CPU kernels: hardtanh's bit for bit (a selection), elu's within an ulp or two of
float32 (the device's expm1/exp against NumPy's SIMD loops) with NaN and signed zeros where the
CPU has them; and eager tensors on the device (F.elu, F.selu, F.relu6: one node each, their
backward).  Numba's CUDA simulator in CI."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore
from dlcore.ops.activations import elu_grad_p, elu_p
from dlcore.ops.clamp import hardtanh_grad_p, hardtanh_p

from _cuda_bits import dev as _dev  # noqa: E402 - tests/cuda/_cuda_bits.py
from _cuda_bits import same as _same  # noqa: E402

pytestmark = [
    pytest.mark.cuda,
    pytest.mark.skipif(not dlcore.cuda_available(),
                       reason="numba.cuda is not usable (no GPU and no simulator)"),
]

COEFS = [{"alpha": 1.0, "scale": 1.0, "input_scale": 1.0},
         {"alpha": 1.6732632423543772, "scale": 1.0507009873554805, "input_scale": 1.0},
         {"alpha": 0.7, "scale": 1.0, "input_scale": 1 / 0.7}]


def _sample(dtype, shape=(3, 5), seed=0):
    a = (np.random.default_rng(seed).standard_normal(shape) * 3).astype(dtype)
    a.flat[:6] = [np.nan, -0.0, 0.0, 6.0, -1.0, 1.0]
    return a


def _close(got, want, dtype):
    host = got.copy_to_host()
    assert host.dtype == want.dtype and host.shape == want.shape
    assert np.array_equal(np.isnan(host), np.isnan(want))
    assert np.array_equal(np.signbit(host[host == 0]), np.signbit(want[host == 0]))
    tol = 1e-6 if dtype == np.float32 else 1e-14
    np.testing.assert_allclose(host, want, rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_hardtanh_grad_matches_the_cpu_bit_for_bit(dtype):
    x, g = _sample(dtype), _sample(dtype, seed=1)
    for lo, hi in ((0.0, 6.0), (-1.0, 1.0), (-0.5, 0.5)):
        params = {"lo": lo, "hi": hi}
        _same(hardtanh_p.kernels["cuda"](_dev(x), **params),
              hardtanh_p.kernels["cpu"](x, **params))
        _same(hardtanh_grad_p.kernels["cuda"](_dev(g), _dev(x), **params),
              hardtanh_grad_p.kernels["cpu"](g, x, **params))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_elu_and_its_gradient_match_the_cpu(dtype):
    x, g = _sample(dtype), _sample(dtype, seed=1)
    for coefs in COEFS:
        _close(elu_p.kernels["cuda"](_dev(x), **coefs), elu_p.kernels["cpu"](x, **coefs), dtype)
        _close(elu_grad_p.kernels["cuda"](_dev(g), _dev(x), **coefs),
               elu_grad_p.kernels["cpu"](g, x, **coefs), dtype)


def test_eager_on_the_device():
    import dlcore_eager as torch
    a = _sample(np.float32, (2, 4))
    g = np.random.default_rng(2).standard_normal((2, 4)).astype(np.float32)
    for f, name in ((torch.nn.functional.elu, "EluBackward0"),
                    (torch.nn.functional.selu, "EluBackward0"),
                    (torch.nn.functional.relu6, "HardtanhBackward0")):
        xc = torch.tensor(a, requires_grad=True)
        yc = f(xc)
        yc.backward(torch.tensor(g))
        x = torch.tensor(a).cuda().requires_grad_(True)
        y = f(x)
        assert type(y.grad_fn).__name__ == name and y.device.type == "cuda"
        y.backward(torch.tensor(g).cuda())
        for got, want in ((y.detach().cpu().numpy(), yc.detach().numpy()),
                          (x.grad.cpu().numpy(), xc.grad.numpy())):
            assert np.array_equal(np.isnan(got), np.isnan(want))
            np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)
