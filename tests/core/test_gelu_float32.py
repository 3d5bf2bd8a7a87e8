"""The exact GELU and its gradient on float32 CPU arrays (``_fast32.gelu32`` / ``gelu_grad32``
in one Numba pass, ``erf32`` and ``exp32``: PyTorch's float32 forms, in its order) against a
float64 reference and against PyTorch's ``gelu`` / ``gelu_backward``; the other dtypes and
layouts keep the generated ``math.erf`` loops."""

import math

import numpy as np
import pytest

import dlcore_eager as E
from dlcore.ops.activations import gelu_grad_p, gelu_p

SPECIAL = np.array([0.0, -0.0, np.nan, 1e-45, -1e-30, 3e-4, -0.5, 1.0, -2.9, 4.0, -4.0, 5.5,
                    -6.0, 12.0, 80.0, -80.0, 1e30], np.float32)


def _x(n=4096, seed=0):
    x = (np.random.default_rng(seed).standard_normal(n) * 3).astype(np.float32)
    x[:SPECIAL.size] = SPECIAL
    return x


def _erf(a):
    return np.vectorize(math.erf)(a)


def _gelu64(x):
    x = x.astype(np.float64)
    return x * 0.5 * (1.0 + _erf(x / math.sqrt(2.0)))


def _gelu_grad64(g, x):
    g, x = g.astype(np.float64), x.astype(np.float64)
    return g * (0.5 * (1.0 + _erf(x / math.sqrt(2.0))) + x * np.exp(-0.5 * x * x)
                / math.sqrt(2.0 * math.pi))


def test_forward_within_float32_rounding_of_float64():
    x = _x()
    y = gelu_p.kernels["cpu"](x)
    assert y.dtype == np.float32 and y.shape == x.shape
    want = _gelu64(x)
    np.testing.assert_array_equal(np.isnan(y), np.isnan(want))
    ok = ~np.isnan(want)
    # (1 + erf) cancels below x ~ -4 as PyTorch's float32 form does: an absolute bound there
    np.testing.assert_allclose(y[ok], want[ok], rtol=3e-7, atol=2.5e-7 * 4)
    assert np.signbit(y[1]) and y[0] == 0 and np.signbit(gelu_p.kernels["cpu"](x[1:2])[0])


def test_gradient_within_float32_rounding_of_float64():
    x = _x()
    g = np.random.default_rng(1).standard_normal(x.size).astype(np.float32)
    dx = gelu_grad_p.kernels["cpu"](g, x)
    assert dx.dtype == np.float32
    want = _gelu_grad64(g, x)
    ok = ~np.isnan(want)
    np.testing.assert_allclose(dx[ok], want[ok], rtol=5e-7, atol=1e-6)
    assert np.isnan(dx[2])


def test_the_float32_loops_agree_with_the_generated_ones_and_other_layouts():
    x = _x(600).reshape(20, 30)
    entry = gelu_p.kernels["cpu"]
    y64 = entry(x.astype(np.float64))                 # (the generated math.erf loops)
    assert y64.dtype == np.float64
    np.testing.assert_allclose(entry(x), y64, rtol=3e-7, atol=1e-6)
    nc = x.T                                          # (not C-contiguous: copied first)
    np.testing.assert_array_equal(entry(nc), entry(np.ascontiguousarray(nc)))
    assert entry(np.float32(1.5) * np.ones((), np.float32)).shape == ()
    assert entry(np.zeros((0, 3), np.float32)).shape == (0, 3)
    g = np.ones((1, 30), np.float32)                  # (broadcast g: the generated loop)
    dx = gelu_grad_p.kernels["cpu"](g, x)
    np.testing.assert_allclose(dx, gelu_grad_p.kernels["cpu"](np.ones_like(x), x), rtol=3e-7,
                               atol=1e-7)


def test_values_and_gradients_are_torchs():
    torch = pytest.importorskip("torch")
    x = _x()
    t = torch.from_numpy(x.copy()).requires_grad_()
    torch.nn.functional.gelu(t).backward(torch.ones_like(t))
    e = E.tensor(x, requires_grad=True)
    y = E.nn.functional.gelu(e)
    y.backward(E.ones_like(y))
    ok = np.isfinite(x)
    np.testing.assert_allclose(y.detach().numpy()[ok], torch.nn.functional.gelu(
        torch.from_numpy(x)).numpy()[ok], rtol=1e-6, atol=2e-6)
    np.testing.assert_allclose(e.grad.numpy()[ok], t.grad.numpy()[ok], rtol=1e-6, atol=1e-6)
    assert y.grad_fn.name() == "GeluBackward0"


def test_float32_takes_the_vectorised_loops():
    from dlcore.kernels.cpu import _fast32_loops, transcendental
    assert gelu_p.kernels["cpu"].float32_fn is transcendental.gelu
    x = _x(1000, seed=2)
    g = np.random.default_rng(3).standard_normal(x.size).astype(np.float32)
    want = np.empty_like(x)
    _fast32_loops.gelu_grad32_into(g, x, want)          # (the loop's bits, not the libm loop's)
    assert gelu_grad_p.kernels["cpu"](g, x).tobytes() == want.tobytes()
    assert gelu_grad_p.kernels["cpu"](g.astype(np.float64), x.astype(np.float64)).dtype == \
        np.float64
