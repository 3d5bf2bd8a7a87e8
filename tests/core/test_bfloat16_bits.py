"""bfloat16 <-> float32 on the bits (dlcore/kernels/_bf16_scalar.py, compiled for the CPU and for
CUDA): every rounding case against ml_dtypes' ``astype`` bit for bit (ties to even, the largest
finite values overflowing to infinity, subnormals, signed zeros, NaN of either sign and any
payload), arrays on both sides of the CPU's small-array threshold, strided views, and the
cast op that routes to them; CUDA's kernels against the CPU's under the simulator."""

from __future__ import annotations

import numpy as np
import pytest

from dlcore import ops
from dlcore.kernels.cpu import bfloat16 as B

ml_dtypes = pytest.importorskip("ml_dtypes")
BF16 = np.dtype(ml_dtypes.bfloat16)
EDGES = np.array([0x7FC00001, 0xFFC00001, 0x7F800001, 0xFF800001, 0x7FE00000, 0x7F7FFFFF,
                  0x7F7F8000, 0x7F7F7FFF, 0x3F808000, 0x3F818000, 0x3F808001, 0x00000001,
                  0x80008000, 0x00018000, 0x007FFFFF, 0x7F800000, 0xFF800000, 0, 0x80000000],
                 np.uint32)


def _bits32(n, seed=0):
    u = np.random.default_rng(seed).integers(0, 2 ** 32, n, dtype=np.uint64).astype(np.uint32)
    u[:EDGES.size] = EDGES
    return u


def _want(f32):
    with np.errstate(all="ignore"):
        return f32.astype(BF16)


@pytest.mark.parametrize("n", [EDGES.size, B.SMALL - 1, B.SMALL, 200_000])
def test_float32_to_bfloat16_as_ml_dtypes_bit_for_bit(n):
    f = _bits32(n).view(np.float32)
    got = B.from_float32(f, BF16)
    assert got.dtype == BF16
    np.testing.assert_array_equal(got.view(np.uint16), _want(f).view(np.uint16))


@pytest.mark.parametrize("n", [5, B.SMALL, 70_000])
def test_bfloat16_to_float32_is_exact(n):
    h = np.random.default_rng(1).integers(0, 2 ** 16, n).astype(np.uint16)
    got = B.to_float32(h.view(BF16))
    np.testing.assert_array_equal(got.view(np.uint32), h.astype(np.uint32) << 16)


def test_strided_views_and_shapes_are_kept():
    f = _bits32(64 * 48, seed=2).view(np.float32).reshape(64, 48)[:, ::3].T
    np.testing.assert_array_equal(B.from_float32(f, BF16).view(np.uint16),
                                  _want(f).view(np.uint16))
    h = _want(f)
    assert B.to_float32(h[::2]).shape == h[::2].shape
    np.testing.assert_array_equal(B.to_float32(h[::2]), h[::2].astype(np.float32))


def test_the_cast_op_uses_them():
    f = np.random.default_rng(3).standard_normal((70, 30)).astype(np.float32)
    down = ops.cast(f, BF16)
    np.testing.assert_array_equal(down.view(np.uint16), _want(f).view(np.uint16))
    np.testing.assert_array_equal(ops.cast(down, np.float32), down.astype(np.float32))
    np.testing.assert_array_equal(ops.cast(down, np.float64), down.astype(np.float64))


def test_cuda_kernels_as_the_cpu():
    import dlcore
    if not dlcore.cuda_available():
        pytest.skip("numba.cuda is not usable (no GPU and no simulator)")
    from dlcore.kernels.cuda import bfloat16 as C
    f = _bits32(300, seed=4).view(np.float32)
    dev = dlcore.to_device(f, "cuda")
    down = np.asarray(dlcore.to_host(C.cast(dev, BF16, None)))
    np.testing.assert_array_equal(down.view(np.uint16), B.from_float32(f, BF16).view(np.uint16))
    up = np.asarray(dlcore.to_host(C.cast(dlcore.to_device(down, "cuda"), np.dtype(np.float32),
                                           None)))
    np.testing.assert_array_equal(up.view(np.uint32), B.to_float32(down).view(np.uint32))
