"""relu's CPU kernel below CONST_FULL elements: NumPy's maximum with a zero array of x's shape
(a read-only view of one buffer per dtype; ``elementwise.CONST_FULL``), above it the Numba
loop: bit for bit the primitive's expression ``x if (x > 0 or x != x) else 0`` (NaN payloads
kept, -0.0 -> +0.0), every size and dtype, a fresh writable result, the zeros left alone."""

from __future__ import annotations

import numpy as np
import pytest

from dlcore import ops
from dlcore.kernels.cpu import elementwise as E

KERNEL = ops.elementwise.relu_p.kernels["cpu"]
N = E.CONST_FULL


def _expression(x: np.ndarray) -> np.ndarray:
    return np.array([v if (v > 0 or v != v) else x.dtype.type(0) for v in x.ravel()],
                    x.dtype).reshape(x.shape)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.int8, np.uint8])
@pytest.mark.parametrize("shape", [(1,), (7,), (3, 5), (32, 64), (N,), (N + 1,), (2, N // 2),
                                   (0, 4), (2, 3, 4)])
def test_bit_for_bit_the_expression(dtype, shape):
    n = int(np.prod(shape))
    rng = np.random.default_rng(n)
    x = (rng.standard_normal(n) * 5).astype(dtype)
    if np.dtype(dtype).kind == "f":
        special = np.array([-0.0, 0.0, np.nan, np.inf, -np.inf, -1e-45, 1e-45], dtype)
        special.view(np.uint32 if dtype == np.float32 else np.uint64)[2] |= 5  # a payload
        x[:min(n, 7)] = special[:min(n, 7)]
    x = x.reshape(shape)
    out = KERNEL(x)
    ref = _expression(x)
    assert out.dtype == x.dtype and out.shape == shape
    assert out.tobytes() == ref.tobytes()
    assert out.flags.writeable and out.flags.c_contiguous
    out.fill(3)                                     # (a fresh array: the zeros stay zeros)
    if np.dtype(dtype).kind != "u":
        assert KERNEL(np.full(shape, -1, dtype)).tobytes() == np.zeros(shape, dtype).tobytes()


def test_the_shape_cache_is_bounded():
    for n in range(1, 300):
        assert not KERNEL(np.full((n, 1), -2.0, np.float32)).any()
    assert KERNEL(np.full((3, 2), -2.0, np.float32)).tobytes() == bytes(24)


def test_strided_and_bool_operands_take_the_loop():
    x = np.arange(-6, 6, dtype=np.float32).reshape(3, 4).T
    np.testing.assert_array_equal(KERNEL(x), np.maximum(x, 0))
    b = np.array([True, False])
    np.testing.assert_array_equal(KERNEL(b), b)
