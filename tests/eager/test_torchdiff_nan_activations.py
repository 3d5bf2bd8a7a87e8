"""Activations at NaN, infinities, signed zeros and their bounds against PyTorch 2.13 (values,
gradients and grad_fn names) on a 64-element tensor, the NaN in the body of PyTorch's
vectorized loop (its scalar tail differs: 1 where the body gives 0 or NaN): threshold keeps a
NaN and passes its gradient (``x <= t ? v : x``); hardtanh, relu6, hardshrink give 0 there and
elu, selu, celu, hardswish NaN, as PyTorch's AVX-512 body (other machines: NaN positions not
compared)."""

import math

import numpy as np
import pytest

import dlcore_eager as dl

torch = pytest.importorskip("torch")

_AVX512 = torch.backends.cpu.get_cpu_capability() == "AVX512"
EDGE = [math.nan, -math.inf, math.inf, -4.0, -3.0, -1.0, -0.5, -0.0, 0.0, 0.5, 1.0, 3.0, 4.0,
        6.0, 7.0]
VALS = EDGE + [0.25 * k - 4.0 for k in range(49)]    # (64 values: the NaN in a SIMD body)
FNS = {
    "threshold": lambda T, x: T.nn.functional.threshold(x, 0.5, -2.0),
    "hardtanh": lambda T, x: T.nn.functional.hardtanh(x),
    "hardtanh_26": lambda T, x: T.nn.functional.hardtanh(x, -2.0, 6.0),
    "relu6": lambda T, x: T.nn.functional.relu6(x),
    "relu6_module": lambda T, x: T.nn.ReLU6()(x),
    "elu": lambda T, x: T.nn.functional.elu(x),
    "elu_2": lambda T, x: T.nn.functional.elu(x, 2.0),
    "selu": lambda T, x: T.nn.functional.selu(x),
    "celu": lambda T, x: T.nn.functional.celu(x, 0.5),
    "hardswish": lambda T, x: T.nn.functional.hardswish(x),
    "hardsigmoid": lambda T, x: T.nn.functional.hardsigmoid(x),
    "hardshrink": lambda T, x: T.nn.functional.hardshrink(x),
}


def _case(lib, name, dtype):
    x = lib.tensor(VALS, dtype=dtype, requires_grad=True)
    y = FNS[name](lib, x)
    y.sum().backward()
    return y.detach().numpy(), x.grad.numpy(), type(y.grad_fn).__name__


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(FNS))
def test_values_and_gradients_as_torch(name, dtype):
    yd, gd, nd = _case(dl, name, getattr(dl, dtype))
    yt, gt, nt = _case(torch, name, getattr(torch, dtype))
    tol = 1e-4 if dtype == "float32" else 1e-7    # (float64 hardsigmoid: a float32 1/6)
    np.testing.assert_allclose(yd, yt, rtol=tol, atol=0)
    assert np.array_equal(np.signbit(yd[yd == 0]), np.signbit(yt[yt == 0])), (yd, yt)
    if not _AVX512:
        gd, gt = gd[1:], gt[1:]
    np.testing.assert_allclose(gd, gt, rtol=tol, atol=0)
    assert nd == nt
