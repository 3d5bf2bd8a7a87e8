"""``gemm_direct``: OpenBLAS's unpacked SkylakeX float32 GEMM for the glue's small products
(issue 19, the control-flow step).  The kernel against ``np.dot`` bit for bit on the shapes
of its rule (where NumPy's OpenBLAS runs its SkylakeX kernels; skipped elsewhere), the rule
itself, and the glue: the kernel for C-contiguous operands of direct shapes, ``np.dot`` for a
view fed at run time, for other shapes and where the kernel is not there; a compiled plan's
values bit for bit against the interpreter's and NumPy's either way."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf
from dlcore.kernels.cpu import gemm_mkl
from dlcore_static import compiler
from dlcore_static.compiler import gemm_direct, gemm_in_numba

from .openblas_child import run_without_coretype


@pytest.fixture(autouse=True)
def _openblas_products(monkeypatch):
    """These products are OpenBLAS's (its direct kernel, W^T copies): MKL (``gemm_mkl``, where
    installed) would take those of 2^20 multiply-adds and up first."""
    from dlcore.kernels.cpu import gemm_mkl
    monkeypatch.setattr(gemm_mkl, "_STATE", [False])


RNG = np.random.default_rng(2026)

needs_kernel = pytest.mark.skipif(not gemm_direct.available(),
                                  reason="NumPy's OpenBLAS does not run its SkylakeX kernels")


@pytest.mark.parametrize("m,k,n,want", [
    (64, 128, 128, True), (64, 256, 128, True), (128, 64, 128, True), (32, 384, 64, False),
    (64, 128, 10, False), (64, 128, 100, False), (16, 128, 128, False), (8, 64, 64, False),
    (128, 128, 256, False), (64, 512, 64, False), (64, 64, 64, False), (256, 64, 64, True),
    (256, 64, 128, True), (512, 64, 64, True), (64, 128, 256, True), (128, 256, 128, False),
    # plan23: from 8 rows (the LSTM LM's loop body, 20x200x400), products of 1M mnk and up
    (20, 200, 400, True), (8, 128, 1024, True), (16, 256, 256, True), (4, 256, 1024, False),
    (20, 400, 200, False), (20, 100, 400, False)])
def test_direct_shape_rule(m, k, n, want):
    assert gemm_direct.direct_shape(m, k, n) == want


@needs_kernel
@pytest.mark.parametrize("m,k,n", [(64, 128, 128), (64, 256, 128), (128, 64, 128),
                                   (256, 64, 64), (32, 256, 128), (48, 384, 64),
                                   (33, 200, 144), (100, 97, 160), (20, 200, 400),
                                   (8, 384, 512), (12, 256, 400)])
def test_kernel_is_np_dot_bit_for_bit(m, k, n):
    for scale in (1.0, 1e-30, 1e30):
        a = (RNG.standard_normal((m, k)) * scale).astype(np.float32)
        b = RNG.standard_normal((k, n)).astype(np.float32)
        got = gemm_direct._gemm(a, b)
        assert got.flags.c_contiguous and got.dtype == np.float32
        np.testing.assert_array_equal(got, np.dot(a, b))


@needs_kernel
def test_kernel_on_read_only_operands_and_special_values():
    a = RNG.standard_normal((64, 128)).astype(np.float32)
    b = RNG.standard_normal((128, 128)).astype(np.float32)
    a[3, 7], a[10, 0], b[5, 9] = np.nan, np.inf, -0.0
    a.flags.writeable = False
    np.testing.assert_array_equal(gemm_direct._gemm(a, b), np.dot(a, b))


def _plan(feed_view: bool):
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, (64, 128))
        w = tf.Variable((RNG.standard_normal((128, 128)) / 11).astype(np.float32))
        v = tf.placeholder(tf.float32, (128, 128))
        loss = tf.reduce_sum(tf.tanh(tf.matmul(tf.matmul(x, w), v)))
        grads = tf.gradients(loss, [x, w])
        init = tf.global_variables_initializer()
    x0 = RNG.standard_normal((64, 128)).astype(np.float32)
    v0 = (RNG.standard_normal((128, 128)) / 11).astype(np.float32)
    fv = np.asfortranarray(v0) if feed_view else v0
    out = {}
    for passes in ((), "all"):
        with tf.Session(graph=g, passes=passes) as sess:
            sess.run(init)
            for _ in range(3):                     # compiled on the second run
                got = sess.run([loss] + grads, {x: x0, v: fv})
            src = compiler.explain(sess, [loss] + grads, {x: x0, v: fv}).codegen.get(
                "source", "")
            out[passes] = (got, src, sess.run(w))
    return out, x0, v0


def _check(out, x0, v0):
    (plain, _, w0), (comp, src, _) = out[()], out["all"]
    for a, b in zip(plain, comp):
        np.testing.assert_array_equal(b, a)
    h = x0.astype(np.float64) @ w0 @ v0
    np.testing.assert_allclose(comp[0], np.tanh(h).sum(), rtol=1e-4)
    return src


@pytest.mark.parametrize("feed_view", [False, True])
def test_glue_uses_the_kernel_where_it_applies(monkeypatch, feed_view):
    calls: list = []
    real = gemm_direct._gemm if gemm_direct.available() else \
        (lambda a, b: np.dot(a, b))          # (a stand-in where the kernel is not there)

    def spy(a, b):
        calls.append((a.shape, b.shape))
        return real(a, b)
    monkeypatch.setattr(gemm_direct, "_STATE", [True])
    monkeypatch.setattr(gemm_direct, "_gemm", spy)
    # the products in the glue (with the kernel they run inside the segments instead:
    # tests/compiler/test_gemm_in_numba.py)
    monkeypatch.setattr(gemm_in_numba, "ENABLED", False)
    out, x0, v0 = _plan(feed_view)
    src = _check(out, x0, v0)
    assert "_gd(" in src
    if feed_view:        # (64,128) @ v: v fed Fortran-ordered, so np.dot for that product
        assert ((64, 128), (128, 128)) in calls and len(calls) >= 1
        assert "_dot(" in src
    else:
        assert len(calls) >= 2


def test_without_the_kernel_the_glue_calls_np_dot(monkeypatch):
    monkeypatch.setattr(gemm_direct, "_STATE", [False])
    out, x0, v0 = _plan(False)
    src = _check(out, x0, v0)
    assert "_gd(" not in src and "_dot(" in src


@pytest.mark.parametrize("pairs", [1, 2, 3])
def test_stacked_product_is_the_stacked_dot_bit_for_bit(monkeypatch, pairs):
    from dlcore_static.compiler import accumulators
    calls: list = []
    real = accumulators._direct if gemm_direct.available() else (lambda a, b: np.dot(a, b))

    def spy(a, b):
        calls.append(a.shape)
        assert a.flags.c_contiguous
        return real(a, b)
    monkeypatch.setattr(accumulators, "_direct", spy)
    monkeypatch.setattr(accumulators, "available", lambda: True)
    xs = [RNG.standard_normal((64, 128)).astype(np.float32) for _ in range(pairs)]
    gs = [RNG.standard_normal((64, 128)).astype(np.float32) for _ in range(pairs)]
    got = accumulators.stacked_product(xs, gs, xs[0])
    x, g = np.concatenate(xs), np.concatenate(gs)
    np.testing.assert_allclose(got, x.T.astype(np.float64) @ g, rtol=1e-5, atol=1e-4)
    if 64 * pairs <= accumulators.DIRECT_STACK_K:
        np.testing.assert_array_equal(got, np.dot(x.T, g))
        assert calls == [(128, 64 * pairs)]
    else:               # a longer stack: the product ``linalg.matmul`` makes (MKL's where
        assert calls == []      # it is installed and takes the shape, else np.dot's)
        expected = gemm_mkl.sgemm(x.T, g) if gemm_mkl.takes(128, 64 * pairs, 128) else \
            np.dot(x.T, g)
        np.testing.assert_array_equal(got, expected)


def test_a_large_stacked_product_takes_mkl_where_matmul_does(monkeypatch):
    """The LSTM language model's weight gradient, (700, 400)^T @ (700, 800): MKL's sgemm where
    ``gemm_mkl.takes`` the shape (as ``linalg.matmul`` routes x^T @ g), not NumPy's OpenBLAS."""
    from dlcore_static.compiler import accumulators
    calls: list = []
    monkeypatch.setattr(gemm_mkl, "takes",
                        lambda m, k, n, bt=False: calls.append((m, k, n)) or True)
    monkeypatch.setattr(gemm_mkl, "sgemm", lambda a, b: calls.append("sgemm") or np.dot(a, b))
    xs = [RNG.standard_normal((350, 400)).astype(np.float32) for _ in range(2)]
    gs = [RNG.standard_normal((350, 800)).astype(np.float32) for _ in range(2)]
    got = accumulators.stacked_product(xs, gs, xs[0])
    assert calls == [(400, 700, 800), "sgemm"]
    np.testing.assert_allclose(got, np.concatenate(xs).T.astype(np.float64) @ np.concatenate(gs),
                               rtol=1e-4, atol=1e-3)
    monkeypatch.setattr(gemm_mkl, "takes", lambda m, k, n, bt=False: False)
    calls.clear()
    np.testing.assert_array_equal(accumulators.stacked_product(xs, gs, xs[0]),
                                  np.dot(np.concatenate(xs).T, np.concatenate(gs)))
    assert calls == []


def test_the_kernel_tests_run_where_openblas_picks_its_own_kernels():
    """Where this process cannot use the kernel only because the environment forces OpenBLAS's
    core type (this project's CI machine sets OPENBLAS_CORETYPE=Haswell on an AVX-512 CPU),
    the tests above run in a child process without that setting, so CI runs them too."""
    run_without_coretype(__file__, gemm_direct.available(),
                         "from dlcore_static.compiler import gemm_direct; "
                         "print(gemm_direct.available())",
                         "openblas_picks_its_own")
