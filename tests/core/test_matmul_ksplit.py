"""The CPU matmul kernel's transposed GEMM (``linalg.transposed_shape``: float32, 48-64 rows,
K > 512, at least 256 columns; a K-split product until issue 19's width sweep, hence the file's
name): same values as the whole product (float64 reference), C-contiguous float32 results, the
direct call for the other shapes, and OpenBLAS primed once before the first GEMM."""

from __future__ import annotations

import numpy as np
import pytest

from dlcore.kernels.cpu import gemm_mkl
from dlcore.kernels.cpu import linalg as L

_AS_IMPORTED = L.TRANSPOSED_ON          # (before any test's monkeypatch)


@pytest.fixture(autouse=True)
def _openblas_routes(monkeypatch):
    """These routes are OpenBLAS's: MKL (``gemm_mkl``, where installed) would take the
    products of 1.5M multiply-adds and up before them."""
    monkeypatch.setattr(gemm_mkl, "_STATE", [False])
    monkeypatch.setattr(L, "TRANSPOSED_ON", True)       # (off on Intel CPUs: linalg)


def test_the_transposed_route_is_off_on_intel_cpus(monkeypatch):
    monkeypatch.setattr(L, "TRANSPOSED_ON", False)
    assert not L.transposed_shape(64, 1000, 2048)
    monkeypatch.setattr(L, "TRANSPOSED_ON", True)
    assert L.transposed_shape(64, 1000, 2048)
    assert _AS_IMPORTED == (not gemm_mkl._intel_cpu())      # (set from the CPU's vendor)


@pytest.mark.parametrize("m,k,n", [(64, 1000, 256), (48, 777, 300), (64, 513, 256),
                                   (64, 1000, 100), (16, 1000, 300), (64, 512, 256)])
@pytest.mark.parametrize("layout", ["c", "a_transposed", "b_transposed"])
def test_split_equals_whole_product(m, k, n, layout):
    rng = np.random.default_rng(m + k + n)
    a = rng.standard_normal((m, k)).astype(np.float32)
    b = rng.standard_normal((k, n)).astype(np.float32)
    if layout == "a_transposed":
        a = np.ascontiguousarray(a.T).T
    elif layout == "b_transposed":
        b = np.ascontiguousarray(b.T).T
    out = L.matmul(a, b)
    assert out.dtype == np.float32 and out.shape == (m, n) and out.flags.c_contiguous
    ref = a.astype(np.float64) @ b.astype(np.float64)
    np.testing.assert_allclose(out, ref, rtol=0, atol=2e-4 * np.sqrt(k))


def _spy(monkeypatch, rows=False):
    """Records (function, inner size) of each ``np.matmul`` and ``np.dot`` call (with
    ``rows``, (function, rows of the first operand)): the kernel sends two float matrices of
    one dtype to ``np.dot``'s C product (``L._dot``, ``ndarray.dot``: less call overhead, the
    same gemm; recorded as "dot"), the priming product (``blas_threads.prime``) goes to
    ``np.matmul``."""
    calls = []
    for name in ("matmul", "dot"):
        real = getattr(np, name)

        def spy(x, y, *args, _real=real, _name=name, **kw):
            calls.append((_name, x.shape[0] if rows else x.shape[1]))
            return _real(x, y, *args, **kw)

        monkeypatch.setattr(L.np, name, spy)
        if name == "dot":
            monkeypatch.setattr(L, "_dot", spy)
    return calls


def test_transposed_only_for_wide_outputs(monkeypatch):
    from dlcore.kernels.cpu import blas_threads
    blas_threads.for_gemm(1.0)              # (the priming product, if not made yet)
    calls = _spy(monkeypatch, rows=True)
    a = np.ones((64, 1000), np.float32)
    np.testing.assert_array_equal(L.matmul(a, np.ones((1000, 256), np.float32)),
                                  np.full((64, 256), 1000, np.float32))
    assert calls == [("dot", 256)]        # one call, b^T @ a^T: b^T's 256 rows first
    calls.clear()
    np.testing.assert_array_equal(L.matmul(a, np.ones((1000, 100), np.float32)),
                                  np.full((64, 100), 1000, np.float32))
    assert calls == [("dot", 64)]         # one direct call


def test_prime_runs_once_at_the_first_gemm(monkeypatch):
    from dlcore.kernels.cpu import blas_threads
    monkeypatch.setattr(blas_threads, "_resolved", [False])
    monkeypatch.setattr(blas_threads, "_state", [None, None, None])
    calls = _spy(monkeypatch)
    a = np.ones((4, 3), np.float32)
    L.matmul(a, a.T)
    L.matmul(a, a.T)
    assert calls == [("matmul", 128), ("dot", 3), ("dot", 3)]  # the priming product once
    monkeypatch.setenv("DLCORE_BLAS_PRIME", "0")
    monkeypatch.setattr(blas_threads, "_resolved", [False])
    calls.clear()
    L.matmul(a, a.T)
    assert calls == [("dot", 3)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
@pytest.mark.parametrize("m,k,n", [(3, 1, 4), (4, 4, 4), (5, 0, 2), (20, 100, 40)])
def test_two_matrices_as_np_matmul(dtype, m, k, n):
    """The direct call (np.dot for float matrices of one dtype) gives np.matmul's values bit
    for bit, C-contiguous, for plain, transposed and strided operands."""
    rng = np.random.default_rng(m * k + n)
    a = (rng.standard_normal((m, 2 * k)) * 4).astype(dtype)[:, ::2]      # strided columns
    b = np.ascontiguousarray((rng.standard_normal((n, k)) * 4).astype(dtype)).T   # transposed
    for x, y in ((np.ascontiguousarray(a), np.ascontiguousarray(b)), (a, b)):
        out = L.matmul(x, y)
        assert out.dtype == np.dtype(dtype) and out.flags.c_contiguous
        np.testing.assert_array_equal(out, np.matmul(x, y))
