"""norm2 and norm2_grad on CUDA (dlcore/kernels/cuda/norm2.py: one thread per row, squares
summed in float64) against their CPU kernels: equal norms, gradients with a zero row (0, or
NaN with masked=False), reduced axes not last (a transpose first), an empty operand.  Numba's
CUDA simulator in CI."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore
from dlcore.device import is_cuda_array
from dlcore.kernels.cpu import norm2 as cpu
from dlcore.kernels.cuda import norm2 as gpu

pytestmark = [
    pytest.mark.cuda,
    pytest.mark.skipif(not dlcore.cuda_available(),
                       reason="numba.cuda is not usable (no GPU and no simulator)"),
]


def _dev(a):
    return dlcore.to_device(np.ascontiguousarray(a), "cuda")


def _host(d):
    assert is_cuda_array(d)
    return d.copy_to_host()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape,axes,keepdims", [((4, 6), (1,), False), ((3, 4, 2), (0, 2), True),
                                                 ((4, 3), (0,), False), ((0, 3), (1,), False)])
@pytest.mark.parametrize("masked", [True, False])
def test_cuda_matches_cpu(dtype, shape, axes, keepdims, masked):
    x = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    if x.size:
        x[(0,) * x.ndim] = 0.0
        if axes == (1,):
            x[0] = 0.0                                  # a zero norm
    y = cpu.norm2(x, axes=axes, keepdims=keepdims)
    # (float32: 1 ulp apart under the simulator, whose arithmetic is NumPy's scalars')
    np.testing.assert_allclose(_host(gpu.norm2(_dev(x), axes=axes, keepdims=keepdims)), y,
                               rtol=3e-7 if dtype == np.float32 else 1e-15)
    if not x.size:
        return
    g = np.random.default_rng(1).standard_normal(y.shape).astype(dtype)
    want = cpu.norm2_grad(g, x, axes=axes, keepdims=keepdims, masked=masked)
    with np.errstate(all="ignore"):
        got = _host(gpu.norm2_grad(_dev(g), _dev(x), axes=axes, keepdims=keepdims,
                                   masked=masked))
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_allclose(got, want, rtol=1e-6 if dtype == np.float32 else 1e-14,
                               equal_nan=True)
    assert np.isnan(got).any() == (not masked and axes == (1,))
