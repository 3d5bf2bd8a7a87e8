"""The CUDA kernels of this round's activation primitives (log_sigmoid, mish, GELU's tanh form,
BCE with logits: generated from their expressions; hardshrink, softshrink, threshold and their
gradients: host-scalar bounds) against the CPU kernels (``_fast32``'s float32 forms, the
shrinks' Numba loops): the selections bit for bit, the transcendental ones within float32's
rounding.  Numba's CUDA simulator in CI."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore
from dlcore.ops import gelu_tanh, shrink, softplus_family

from _cuda_bits import dev as _dev  # noqa: E402 - tests/cuda/_cuda_bits.py
from _cuda_bits import same as _same  # noqa: E402

pytestmark = [
    pytest.mark.cuda,
    pytest.mark.skipif(not dlcore.cuda_available(),
                       reason="numba.cuda is not usable (no GPU and no simulator)"),
]


def _sample(dtype, shape=(3, 5), seed=0):
    a = (np.random.default_rng(seed).standard_normal(shape) * 3).astype(dtype)
    a.flat[:6] = [np.nan, -0.0, 0.0, 0.5, -0.5, 30.0]
    return a


SMOOTH = [(softplus_family.logsigmoid_p, softplus_family.logsigmoid_grad_p),
          (softplus_family.mish_p, softplus_family.mish_grad_p),
          (gelu_tanh.gelu_tanh_p, gelu_tanh.gelu_tanh_grad_p)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("prim,grad_p", SMOOTH, ids=lambda p: p.name)
def test_smooth_activations_match_the_cpu(prim, grad_p, dtype):
    x, g = _sample(dtype), _sample(dtype, seed=1)
    tol = 1e-6 if dtype == np.float32 else 1e-13
    for got, want in ((prim.kernels["cuda"](_dev(x)), prim.kernels["cpu"](x)),
                      (grad_p.kernels["cuda"](_dev(g), _dev(x)), grad_p.kernels["cpu"](g, x))):
        host = got.copy_to_host()
        assert host.dtype == want.dtype and host.shape == want.shape
        np.testing.assert_allclose(host, want, rtol=tol, atol=tol, equal_nan=True)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bce_logits_matches_the_cpu(dtype):
    x = _sample(dtype)
    z = (np.random.default_rng(2).random((3, 5)) > 0.5).astype(dtype)
    got = softplus_family.bce_logits_p.kernels["cuda"](_dev(x), _dev(z)).copy_to_host()
    want = softplus_family.bce_logits_p.kernels["cpu"](x, z)
    tol = 1e-6 if dtype == np.float32 else 1e-13
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol, equal_nan=True)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_shrinks_and_threshold_match_the_cpu_bit_for_bit(dtype):
    x, g = _sample(dtype), _sample(dtype, seed=1)
    for prim in (shrink.hardshrink_p, shrink.softshrink_p):
        _same(prim.kernels["cuda"](_dev(x), lambd=0.5), prim.kernels["cpu"](x, lambd=0.5))
    _same(shrink.shrink_grad_p.kernels["cuda"](_dev(g), _dev(x), lambd=0.5),
          shrink.shrink_grad_p.kernels["cpu"](g, x, lambd=0.5))
    _same(shrink.threshold_p.kernels["cuda"](_dev(x), threshold=0.5, value=-2.0),
          shrink.threshold_p.kernels["cpu"](x, threshold=0.5, value=-2.0))
    _same(shrink.threshold_grad_p.kernels["cuda"](_dev(g), _dev(x), threshold=0.5),
          shrink.threshold_grad_p.kernels["cpu"](g, x, threshold=0.5))
