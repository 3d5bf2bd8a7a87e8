"""The register-blocked CUDA matmul (dlcore/kernels/cuda/linalg.py ``matmul_blocked``) against
float64 NumPy: ragged edges in every dimension, both operands transposed or not (the k-major and
row-major tile loads), broadcast batches, float32 and float64; and the rule that picks it.

Under Numba's CUDA simulator its tile is 8 x 8 (4 x 4 threads, 2 x 2 outputs each, k steps of
4), so these shapes cross several tiles and k steps; on a GPU (DLCORE_TEST_REAL_GPU=1) the
same products run the 64 x 64 tile.
"""

from __future__ import annotations

import numpy as np
import pytest

import dlcore
from dlcore.kernels.cuda import linalg

pytestmark = [
    pytest.mark.cuda,
    pytest.mark.skipif(not dlcore.cuda_available(),
                       reason="numba.cuda is not usable (no GPU and no simulator)"),
]


@pytest.fixture
def blocked(monkeypatch):
    monkeypatch.setattr(linalg, "CHOICE", "blocked")


def _product(a_shape, b_shape, ta, tb, dtype, seed):
    from numba import cuda
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(a_shape).astype(dtype)
    b = rng.standard_normal(b_shape).astype(dtype)
    got = linalg.matmul(cuda.to_device(a), cuda.to_device(b), ta, tb).copy_to_host()
    A = np.swapaxes(a, -1, -2) if ta else a
    B = np.swapaxes(b, -1, -2) if tb else b
    want = np.matmul(A.astype(np.float64), B.astype(np.float64))
    return got, want


@pytest.mark.parametrize("ta,tb", [(False, False), (True, False), (False, True), (True, True)])
@pytest.mark.parametrize("M,K,N", [(9, 5, 11), (17, 13, 8), (1, 3, 1), (24, 9, 17)])
def test_blocked_matmul_matches_numpy(blocked, M, K, N, ta, tb):
    got, want = _product((K, M) if ta else (M, K), (N, K) if tb else (K, N), ta, tb,
                         np.float32, M * 100 + K * 10 + N)
    assert got.dtype == np.float32 and got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("a_shape,b_shape", [((2, 9, 7), (7, 10)), ((3, 1, 5, 6), (2, 6, 9)),
                                             ((2, 10, 6), (2, 6, 3))])
def test_blocked_matmul_broadcast_batches_float64(blocked, a_shape, b_shape):
    got, want = _product(a_shape, b_shape, False, False, np.float64, 7)
    assert got.dtype == np.float64 and got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_the_rule_picks_the_blocked_kernel_only_for_grids_that_fill_the_gpu(monkeypatch):
    monkeypatch.setattr(linalg, "CHOICE", "auto")
    td, tm, _ = linalg._blocked()
    side = td * tm
    f32 = np.float32

    def kernel_name(ashape, bshape):
        kernel = linalg.matmul_launch(ashape, bshape, f32)[0]
        return getattr(kernel, "py_func", kernel).__name__

    # a grid of BLOCKED_MIN_BLOCKS block tiles, and one row of tiles fewer
    cols_in_tiles = 32
    rows_in_tiles = -(-linalg.BLOCKED_MIN_BLOCKS // cols_in_tiles)
    rows, cols = rows_in_tiles * side, cols_in_tiles * side
    assert rows_in_tiles * cols_in_tiles >= linalg.BLOCKED_MIN_BLOCKS > \
        (rows_in_tiles - 1) * cols_in_tiles
    assert kernel_name((rows, 3), (3, cols)) == "matmul_blocked"
    assert kernel_name((rows - side, 3), (3, cols)) == "matmul"
    # batches count: BLOCKED_MIN_BLOCKS products of one tile each
    assert kernel_name((linalg.BLOCKED_MIN_BLOCKS, side, 3), (3, side)) == "matmul_blocked"
    assert kernel_name((linalg.BLOCKED_MIN_BLOCKS - 1, side, 3), (3, side)) == "matmul"
    monkeypatch.setattr(linalg, "CHOICE", "tiled")
    assert kernel_name((rows, 3), (3, cols)) == "matmul"
