"""The CPU matmul kernel's K-split transposed GEMM (float32, 32-64 rows, K > 512): same values
as the whole product (float64 reference), C-contiguous float32 results, and the first such
product in a process computed whole (``_WHOLE_DONE``)."""

from __future__ import annotations

import numpy as np
import pytest

from dlcore.kernels.cpu import linalg as L


@pytest.mark.parametrize("m,k,n", [(64, 1000, 100), (32, 513, 64), (48, 777, 80),
                                   (64, 1024, 65), (16, 1000, 100), (64, 512, 100)])
@pytest.mark.parametrize("layout", ["c", "a_transposed", "b_transposed"])
def test_split_equals_whole_product(m, k, n, layout):
    rng = np.random.default_rng(m + k + n)
    a = rng.standard_normal((m, k)).astype(np.float32)
    b = rng.standard_normal((k, n)).astype(np.float32)
    if layout == "a_transposed":
        a = np.ascontiguousarray(a.T).T
    elif layout == "b_transposed":
        b = np.ascontiguousarray(b.T).T
    L.matmul(a, b)                       # (the first product with K > 512 is computed whole)
    out = L.matmul(a, b)
    assert out.dtype == np.float32 and out.shape == (m, n) and out.flags.c_contiguous
    ref = a.astype(np.float64) @ b.astype(np.float64)
    np.testing.assert_allclose(out, ref, rtol=0, atol=2e-4 * np.sqrt(k))


def test_first_long_product_is_whole_then_split(monkeypatch):
    monkeypatch.setattr(L, "_WHOLE_DONE", [])
    calls = []
    real = np.matmul

    def spy(x, y, *args, **kw):
        calls.append(x.shape[1])
        return real(x, y, *args, **kw)

    monkeypatch.setattr(L.np, "matmul", spy)
    a = np.ones((64, 1000), np.float32)
    b = np.ones((1000, 100), np.float32)
    np.testing.assert_array_equal(L.matmul(a, b), np.full((64, 100), 1000, np.float32))
    assert calls == [1000]               # whole
    calls.clear()
    np.testing.assert_array_equal(L.matmul(a, b), np.full((64, 100), 1000, np.float32))
    assert calls == [250, 250, 250, 250]  # four equal slices of K, at most SPLIT_CHUNK wide
