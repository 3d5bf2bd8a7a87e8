"""``transpose.transpose32`` (16x16 register tiles) and its two users (issue 19, the control-flow
step): a loop gradient's invariant ``W^T`` (``loop_invariants.transposed_copy``) and a cond
branch's gradient ``g @ W^T`` in a compiled sub-program, copied for a BLAS slow with a
transposed right operand (``loop_invariants.copy_b_text``).  Values against NumPy and, bit
for bit, against the interpreter and the view form, with the BLAS taken as slow and as not."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static import compiler
from dlcore_static.compiler import gemm_in_numba, loop_invariants, transpose


@pytest.fixture(autouse=True)
def _openblas_products(monkeypatch):
    """These products are OpenBLAS's (its direct kernel, W^T copies): MKL (``gemm_mkl``, where
    installed) would take those of 2^20 multiply-adds and up first."""
    from dlcore.kernels.cpu import gemm_mkl
    monkeypatch.setattr(gemm_mkl, "_STATE", [False])


RNG = np.random.default_rng(1919)


@pytest.mark.parametrize("shape", [(128, 128), (8, 8), (1, 1), (3, 5), (9, 17), (16, 3),
                                   (100, 10), (10, 128), (256, 64), (0, 5), (5, 0), (7, 64),
                                   (32, 48), (48, 32), (33, 17), (16, 16), (31, 129)])
def test_transpose32_is_the_c_contiguous_transpose(shape):
    x = RNG.standard_normal(shape).astype(np.float32)
    y = transpose.transpose32(x)
    assert y.flags.c_contiguous and y.dtype == np.float32 and y.shape == shape[::-1]
    np.testing.assert_array_equal(y, x.T)
    assert not np.shares_memory(x, y)


def test_transpose32_moves_special_values_bit_for_bit():
    x = RNG.standard_normal((24, 40)).astype(np.float32)
    x[3, 5], x[7, 9], x[20, 39], x[0, 0] = np.nan, -0.0, np.inf, 1e-45
    y = transpose.transpose32(x)
    assert (y.view(np.int32) == np.ascontiguousarray(x.T).view(np.int32)).all()


def test_transposed_copy_of_float32_uses_the_tiles(monkeypatch):
    calls: list = []
    real = transpose.transpose32

    def spy(x):
        calls.append(x.shape)
        return real(x)
    monkeypatch.setattr(loop_invariants, "transpose32", spy)
    x = RNG.standard_normal((64, 48)).astype(np.float32)
    np.testing.assert_array_equal(loop_invariants.transposed_copy(x), x.T)
    np.testing.assert_array_equal(loop_invariants.transposed_copy(x.astype(np.float64)), x.T)
    assert calls == [(64, 48)]                     # float64 still goes to omatcopy


def _cond_step(w_fed: bool):
    """A cond whose gradient holds g @ W^T at 64x128x128 (above COPY_B_MIN_MACS)."""
    x = tf.placeholder(tf.float32, (64, 128))
    wa: Any
    if w_fed:
        wa = tf.placeholder(tf.float32, (128, 128))
    else:
        wa = tf.Variable((RNG.standard_normal((128, 128)) / 12).astype(np.float32))
    wb = tf.Variable((RNG.standard_normal((128, 128)) / 12).astype(np.float32))
    h = tf.cond(tf.reduce_mean(x) > 0, lambda: tf.matmul(x, wa), lambda: tf.matmul(x, wb))
    loss = tf.reduce_sum(tf.tanh(h) ** 2)
    return x, wa, wb, loss, tf.gradients(loss, [x, wa, wb])


def _ref(x, wa, wb):
    x, wa, wb = (v.astype(np.float64) for v in (x, wa, wb))
    w = wa if x.mean() > 0 else wb
    t = np.tanh(x @ w)
    g = 2 * t * (1 - t * t)
    gw = x.T @ g
    zero = np.zeros_like(gw)
    return (t ** 2).sum(), g @ w.T, gw if x.mean() > 0 else zero, zero if x.mean() > 0 else gw


def _run(passes, slow, monkeypatch, w_fed=False, views=False):
    monkeypatch.setattr(loop_invariants, "_CORE", [slow])
    # the cond's gradient as sub-programs with their products in the glue (with the unpacked
    # kernel the cond compiles whole instead: tests/compiler/test_gemm_in_numba.py)
    monkeypatch.setattr(gemm_in_numba, "ENABLED", False)
    g = tf.Graph()
    with g.as_default():
        x, wa, wb, loss, grads = _cond_step(w_fed)
        init = tf.global_variables_initializer()
    out = []
    with tf.Session(graph=g, passes=passes) as sess:
        sess.run(init)
        wb0 = sess.run(wb)
        wa0 = (RNG.standard_normal((128, 128)) / 12).astype(np.float32) if w_fed else \
            sess.run(wa)
        for k in range(4):
            x0 = (RNG.standard_normal((64, 128)) + (0.5 if k % 2 else -0.5)).astype(np.float32)
            feed = {x: x0}
            if w_fed:
                # a C-contiguous weight, or (views) a transposed view: the copy, or the view
                feed[wa] = np.ascontiguousarray(wa0.T).T if views and k >= 2 else wa0
            got = sess.run([loss] + grads, feed)
            for a, r in zip(got, _ref(x0, wa0, wb0)):
                np.testing.assert_allclose(a, r, rtol=2e-4, atol=2e-4)
            out.append(got)
        src = "".join(r.codegen.get("source", "") for st in
                      compiler.explain(sess, [loss] + grads, feed).codegen.get(
                          "control", {}).values() for r in st.programs.values())
    return out, src


@pytest.mark.parametrize("w_fed,views", [(False, False), (True, False), (True, True)])
def test_cond_gradient_copy_matches_the_view_and_the_interpreter(monkeypatch, w_fed, views):
    RNG.bit_generator.state = np.random.default_rng(7).bit_generator.state
    plain, _ = _run((), True, monkeypatch, w_fed, views)
    RNG.bit_generator.state = np.random.default_rng(7).bit_generator.state
    copied, src = _run("all", True, monkeypatch, w_fed, views)
    RNG.bit_generator.state = np.random.default_rng(7).bit_generator.state
    viewed, src_view = _run("all", False, monkeypatch, w_fed, views)
    assert "_b = (_t32(" in src and "_b = (_t32(" not in src_view    # (W^T: the right operand)
    for a, b, c in zip(plain, copied, viewed):
        for u, v, w in zip(a, b, c):
            np.testing.assert_array_equal(v, u)          # the interpreter's values, bit for bit
            np.testing.assert_array_equal(v, w)


@pytest.mark.parametrize("m,k,n,want", [(64, 128, 128, True), (16, 256, 256, True),
                                        (8, 128, 128, False), (64, 64, 64, False),
                                        (64, 512, 512, False)])
def test_copy_b_sizes(monkeypatch, m, k, n, want):
    monkeypatch.setattr(loop_invariants, "_CORE", [True])
    from dlcore.ops.shape import transpose_p
    from dlcore.registry import AVal
    from dlcore_static.compiler.emit_numba import IN_SUB_PROGRAM
    from dlcore_static.compiler.ir import Node
    w = Node("feed", "w", "Feed", avals=[AVal((n, k), np.dtype(np.float32))])
    t = Node("prim", "t", "transpose", prim=transpose_p, inputs=[w.out()], params={"perm": (1, 0)},
             avals=[AVal((k, n), np.dtype(np.float32))])
    py = {w.out(): "f0", t.out(): "v1_0"}
    token = IN_SUB_PROGRAM.set(True)
    try:
        got = loop_invariants.copy_b_text(t.out(), py, {}, m, k, n)
    finally:
        IN_SUB_PROGRAM.reset(token)
    assert (got is not None) == want
    assert loop_invariants.copy_b_text(t.out(), py, {}, m, k, n) is None    # not in a sub-program


@pytest.mark.parametrize("n,h,once", [(64, 128, True), (8, 64, False)])
def test_a_loop_of_one_iteration_copies_w_t_where_the_kernel_runs_it(monkeypatch, n, h, once):
    from dlcore_static.compiler import gemm_direct
    monkeypatch.setattr(loop_invariants, "_CORE", [True])
    monkeypatch.setattr(gemm_direct, "_STATE", [True])
    if not gemm_direct._find():                     # (a stand-in for the kernel)
        from dlcore_static.compiler import accumulators
        monkeypatch.setattr(gemm_direct, "_gemm", lambda a, b: np.dot(a, b))
        monkeypatch.setattr(accumulators, "_direct", lambda a, b: np.dot(a, b))
    seen: list = []
    real = loop_invariants.Prologue.__call__

    def spy(self, args, copy_b=False):
        seen.append(copy_b)
        return real(self, args, copy_b)
    monkeypatch.setattr(loop_invariants.Prologue, "__call__", spy)
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, (n, h))
        k = tf.placeholder(tf.int32, ())
        w0 = (RNG.standard_normal((h, h)) * h ** -0.5).astype(np.float32)
        w = tf.Variable(w0)
        _, out = tf.while_loop(lambda i, v: i < k,
                               lambda i, v: (i + 1, tf.tanh(tf.matmul(v, w))),
                               [tf.constant(0), x])
        loss = tf.reduce_sum(out ** 2)
        grads = tf.gradients(loss, [w, x])
        init = tf.global_variables_initializer()
    x0 = RNG.standard_normal((n, h)).astype(np.float32)
    with tf.Session(graph=g, passes="all") as sess:
        sess.run(init)
        for _ in range(3):
            got = sess.run([loss] + grads, {x: x0, k: 1})
    y = np.tanh(x0.astype(np.float64) @ w0)
    gz = 2 * y * (1 - y * y)
    for a, r in zip(got, ((y ** 2).sum(), x0.T @ gz, gz @ w0.T)):
        np.testing.assert_allclose(a, r, rtol=2e-4, atol=2e-4)
    assert seen and seen[-1] is once
