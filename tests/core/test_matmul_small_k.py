"""The CPU matmul kernel's row-blocked GEMM for a short inner dimension and a large output
(``linalg.small_k_shape``: float32, K <= 64, at least 1.5M output elements, at least two
blocks of rows; a weight gradient x^T @ g): NumPy's float32 product within rounding, C-contiguous
float32, for the operand layouts a vjp passes; the shapes just outside the rule take the direct
``np.dot`` (bit for bit); the static compiler leaves these products to the kernel."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf
from dlcore.kernels.cpu import gemm_mkl
from dlcore.kernels.cpu import linalg as L


@pytest.fixture(autouse=True)
def _openblas_routes(monkeypatch):
    """These routes are OpenBLAS's: MKL (``gemm_mkl``, where installed) would take the
    products of 1.5M multiply-adds and up before them."""
    monkeypatch.setattr(gemm_mkl, "_STATE", [False])

INSIDE = [(300, 16, 5000), (1000, 64, 1500), (256, 1, 6000), (1001, 8, 1500)]
OUTSIDE = [(300, 65, 5000), (255, 16, 6000), (1000, 16, 1499)]


def _operands(m, k, n, layout):
    rng = np.random.default_rng(m + k + n)
    a = rng.standard_normal((k, m)).astype(np.float32).T       # x^T: a transposed view
    b = rng.standard_normal((k, n)).astype(np.float32)
    if layout == "c":
        a = np.ascontiguousarray(a)
    elif layout == "b_transposed":
        b = np.ascontiguousarray(b.T).T
    return a, b


@pytest.mark.parametrize("m,k,n", INSIDE)
@pytest.mark.parametrize("layout", ["a_transposed", "c", "b_transposed"])
def test_blocked_product_equals_numpy(m, k, n, layout):
    assert L.small_k_shape(m, k, n) and L.routed_shape(m, k, n)
    a, b = _operands(m, k, n, layout)
    out = L.matmul(a, b)
    assert out.dtype == np.float32 and out.shape == (m, n) and out.flags.c_contiguous
    np.testing.assert_allclose(out, np.dot(a, b), rtol=0, atol=2e-6 * np.sqrt(k) * 4)
    ref = a.astype(np.float64) @ b.astype(np.float64)
    np.testing.assert_allclose(out, ref, rtol=0, atol=2e-6 * np.sqrt(k) * 4)


@pytest.mark.parametrize("m,k,n", OUTSIDE)
def test_just_outside_the_rule_is_the_direct_product(m, k, n, monkeypatch):
    assert not L.small_k_shape(m, k, n)
    a, b = _operands(m, k, n, "a_transposed")
    calls = []
    real = np.dot

    def spy(x, y, *args, **kw):
        calls.append("out" in kw)
        return real(x, y, *args, **kw)

    monkeypatch.setattr(L.np, "dot", spy)
    monkeypatch.setattr(L, "_dot", spy)                     # (ndarray.dot: the direct call)
    out = L.matmul(a, b)
    assert calls == [False]                                 # one direct call
    np.testing.assert_array_equal(out, real(a, b))


def test_inside_the_rule_calls_one_gemm_per_block(monkeypatch):
    a, b = _operands(300, 16, 5000, "a_transposed")
    calls = []
    real = np.dot

    def spy(x, y, *args, **kw):
        calls.append(x.shape[0])
        return real(x, y, *args, **kw)

    monkeypatch.setattr(L.np, "dot", spy)
    monkeypatch.setattr(L, "_dot", spy)
    L.matmul(a, b)
    assert calls == [128, 128, 44]                           # blocks of SMALL_K_ROWS rows


def test_static_weight_gradient_takes_the_kernel():
    k, m, n = 16, 300, 5000
    g = tf.Graph()
    rng = np.random.default_rng(4)
    xv = rng.standard_normal((k, m)).astype(np.float32)
    gv = rng.standard_normal((k, n)).astype(np.float32)
    with g.as_default():
        x = tf.placeholder(tf.float32, (k, m))
        y = tf.placeholder(tf.float32, (k, n))
        w = tf.matmul(x, y, transpose_a=True)
        with tf.Session(graph=g, passes="all") as sess:
            got = sess.run(w, {x: xv, y: gv})
            src = sess.plan([w], {x: xv, y: gv}).compiler.codegen["source"]
    assert "_dot(" not in src                                 # not inlined: matmul's route
    np.testing.assert_allclose(got, np.dot(xv.T, gv), rtol=0, atol=2e-5)
