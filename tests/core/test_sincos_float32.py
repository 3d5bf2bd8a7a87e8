"""sin and cos on the CPU by NumPy's ufuncs (``simd=True``: the elementwise kernels'
``_simd_entry``, as exp and log): float32 within 1.5 ulp of the float64 results (PyTorch's are
within 1), -0.0 kept by sin, +-inf and NaN giving NaN without a warning, any rank and layout,
float64 NumPy's (libm-accurate) values."""

import warnings

import numpy as np
import pytest

import dlcore_eager as E
from dlcore.ops.math_unary import cos_p, sin_p


def _ulps(got, want64):
    want = want64.astype(np.float32)
    return np.abs(got.astype(np.float64) - want64) / np.spacing(np.abs(want)).astype(np.float64)


@pytest.mark.parametrize("prim,ref", [(sin_p, np.sin), (cos_p, np.cos)], ids=["sin", "cos"])
def test_within_one_and_a_half_ulp_of_float64(prim, ref):
    x = (np.random.default_rng(0).standard_normal(1 << 16) * 30).astype(np.float32)
    x[:4] = [1e5, -7e4, 3e38, 1e-30]                 # (beyond NumPy's SIMD range: its libm)
    got = prim.kernels["cpu"](x)
    assert got.dtype == np.float32 and got.shape == x.shape
    assert _ulps(got, ref(x.astype(np.float64))).max() <= 1.5
    # (NumPy's float32 loop, bit for bit: the route taken)
    assert got.tobytes() == ref(x).tobytes()


def test_special_values_silently():
    x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan], np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s, c = sin_p.kernels["cpu"](x), cos_p.kernels["cpu"](x)
    assert s[0] == 0 and not np.signbit(s[0]) and s[1] == 0 and np.signbit(s[1])
    assert np.isnan(s[2:]).all() and np.isnan(c[2:]).all() and (c[:2] == 1).all()


def test_layouts_and_float64():
    x = np.arange(24, dtype=np.float32).reshape(4, 6) / 7
    k = sin_p.kernels["cpu"]
    np.testing.assert_array_equal(k(x.T), np.sin(x.T))
    y0 = k(np.float32(0.5) * np.ones((), np.float32))
    assert type(y0) is np.ndarray and y0.shape == ()
    assert k(np.zeros((0, 2), np.float32)).shape == (0, 2)
    x64 = x.astype(np.float64)
    np.testing.assert_allclose(k(x64), np.sin(x64), rtol=1e-15)
    assert k(x64).dtype == np.float64


def test_eager_values_and_gradients_are_torchs():
    torch = pytest.importorskip("torch")
    a = (np.random.default_rng(1).standard_normal((16, 32)) * 4).astype(np.float32)
    xd, xt = E.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    (E.sin(xd) * E.cos(xd)).sum().backward()
    (torch.sin(xt) * torch.cos(xt)).sum().backward()
    np.testing.assert_allclose(E.sin(xd).detach().numpy(), torch.sin(xt).detach().numpy(),
                               rtol=0, atol=3e-7)
    np.testing.assert_allclose(xd.grad.numpy(), xt.grad.numpy(), rtol=0, atol=6e-7)
