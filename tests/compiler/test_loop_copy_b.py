"""A compiled while_loop's gradient on a BLAS whose GEMM is slower with a transposed right
operand (issue 19, helper H5): the body's ``g @ W^T`` gets ``W^T`` as a C-contiguous copy, made
once per run, when the loop ran at least ``COPY_B_MIN_ITERATIONS`` times; as a view otherwise
and on other BLAS cores.  And a loop body whose only array is its ``tanh`` (beside the counter
and the predicate) fills an array the glue passes in.  Values and gradients against NumPy in
float64 for several trip counts (0 included), whichever layout the invariant takes."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static import compiler
from dlcore_static.compiler import loop_invariants

RNG = np.random.default_rng(19)
N, H = 8, 64           # (8, 64) @ (64, 64): above SMALL_MATMUL, so BLAS in the glue


def _ref(w, x, k):
    """loss = sum(h_k ** 2), h_{j+1} = tanh(h_j @ w); its gradients by w and x."""
    hs = [x]
    for _ in range(k):
        hs.append(np.tanh(hs[-1] @ w))
    g = 2 * hs[-1]
    gw = np.zeros_like(w)
    for j in range(k, 0, -1):
        g = g * (1 - hs[j] ** 2)
        gw += hs[j - 1].T @ g
        g = g @ w.T
    return (hs[-1] ** 2).sum(), gw, g


def _graph(dtype=tf.float64):
    x = tf.placeholder(dtype, (N, H))
    n = tf.placeholder(tf.int32, ())
    w = tf.Variable((RNG.standard_normal((H, H)) * H ** -0.5).astype(dtype.as_numpy_dtype))
    _, h = tf.while_loop(lambda i, h: i < n,
                         lambda i, h: (i + 1, tf.tanh(tf.matmul(h, w))),
                         [tf.constant(0), x])
    loss = tf.reduce_sum(h ** 2)
    return x, n, w, loss, tf.gradients(loss, [w, x])


@pytest.mark.parametrize("slow", [True, False])
def test_values_and_gradients_with_and_without_the_copy(monkeypatch, slow):
    monkeypatch.setattr(loop_invariants, "_CORE", [slow])
    layouts: list = []
    real = loop_invariants.Prologue.__call__

    def spy(self, args, copy_b=False):
        out = real(self, args, copy_b)
        layouts.append((copy_b, [v.flags.c_contiguous for v in out]))
        return out
    monkeypatch.setattr(loop_invariants.Prologue, "__call__", spy)
    x, n, w, loss, grads = _graph()
    x0 = RNG.standard_normal((N, H))
    with tf.Session(passes="all") as sess:
        sess.run(tf.global_variables_initializer())
        w0 = sess.run(w)
        for k in (3, 1, 0, 2, 4, 2):
            got = sess.run([loss] + grads, {x: x0, n: k})
            for g, r in zip(got, _ref(w0, x0, k)):
                np.testing.assert_allclose(g, r, rtol=1e-10, atol=1e-12)
    # the gradient's prologue (the one called with copy_b) once the plan was compiled: a
    # C-contiguous W^T exactly when the BLAS is slow with a transposed B and the loop ran
    # twice or more (the runs of k = 2, 4, 2 after the first two)
    grad_calls = [c for c in layouts if c[1]]
    assert grad_calls, layouts
    copies = [b for b, _ in grad_calls]
    assert any(copies) == slow
    for copy_b, contiguous in grad_calls:
        assert contiguous == [copy_b]


def test_copy_b_needs_a_loop_of_several_iterations(monkeypatch):
    monkeypatch.setattr(loop_invariants, "_CORE", [True])
    seen: list = []
    real = loop_invariants.Prologue.__call__
    monkeypatch.setattr(loop_invariants.Prologue, "__call__",
                        lambda self, args, copy_b=False: seen.append(copy_b) or
                        real(self, args, copy_b))
    x, n, w, loss, grads = _graph()
    x0 = RNG.standard_normal((N, H))
    with tf.Session(passes="all") as sess:
        sess.run(tf.global_variables_initializer())
        for k in (1, 1, 1):
            sess.run(grads, {x: x0, n: k})
        assert True not in seen
        sess.run(grads, {x: x0, n: loop_invariants.COPY_B_MIN_ITERATIONS})
        assert seen[-1] is True


def test_openblas_core_is_asked_once_and_is_a_bool(monkeypatch):
    monkeypatch.setattr(loop_invariants, "_CORE", [])
    calls: list = []
    monkeypatch.setattr(loop_invariants, "_openblas_core",
                        lambda: calls.append(1) or "skylakex")
    assert loop_invariants.transposed_b_slow() is True
    assert loop_invariants.transposed_b_slow() is True
    assert calls == [1]
    monkeypatch.setattr(loop_invariants, "_CORE", [])
    monkeypatch.setattr(loop_invariants, "_openblas_core", lambda: "haswell")
    assert loop_invariants.transposed_b_slow() is False


def test_the_real_core_name_is_a_string():
    name = loop_invariants._openblas_core()
    assert isinstance(name, str) and name == name.lower()


def test_a_counted_tanh_body_fills_the_glues_array(monkeypatch):
    # (float32: its tanh is a compiled loop, float64's a kernel call; the product in the
    # glue: with OpenBLAS's SkylakeX kernel the segment runs it, ``gemm_in_numba``, and the
    # whole loop compiles, test_segment_schedule.py)
    from dlcore_static.compiler import gemm_in_numba
    monkeypatch.setattr(gemm_in_numba, "ENABLED", False)
    x, n, w, loss, grads = _graph(tf.float32)
    x0 = RNG.standard_normal((N, H)).astype(np.float32)
    with tf.Session(passes="all") as sess:
        sess.run(tf.global_variables_initializer())
        feed = {x: x0, n: 3}
        w0 = sess.run(w)
        for _ in range(2):                      # compiled on the second run
            got = sess.run([loss] + grads, feed)
            for g, r in zip(got, _ref(w0.astype(np.float64), x0.astype(np.float64), 3)):
                np.testing.assert_allclose(g, r, rtol=1e-4, atol=1e-5)
        status = compiler.explain(sess, [loss] + grads, feed).codegen["control"]
        body = [s for s in status.values() if s.type == "While"][0]
        src = body.programs["body keeping a history"].codegen["source"]
        segment = src[src.index("def segment"):]
        assert "np.empty" not in segment, segment     # the tanh writes the glue's array
        assert "_empty((8, 64), " in src or "_empty((8, 64, ), " in src, src


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32])
@pytest.mark.parametrize("shape", [(128, 128), (3, 5), (1, 7), (7, 1), (0, 4), (96, 256)])
def test_transposed_copy_is_a_c_contiguous_transpose(dtype, shape):
    x = (RNG.standard_normal(shape) * 100).astype(dtype)
    y = loop_invariants.transposed_copy(x)
    assert y.flags.c_contiguous and y.dtype == x.dtype and y.shape == shape[::-1]
    np.testing.assert_array_equal(y, x.T)
    assert np.shares_memory(x, y) == (x.T.flags.c_contiguous and x.size > 0)


def test_transposed_copy_of_a_view_and_of_special_values():
    x = RNG.standard_normal((6, 8)).astype(np.float32)[:, ::2]       # not C-contiguous
    np.testing.assert_array_equal(loop_invariants.transposed_copy(x), x.T)
    s = np.array([[np.nan, -0.0, np.inf], [-np.inf, 0.0, 1e-45]], np.float32)
    y = loop_invariants.transposed_copy(s)
    np.testing.assert_array_equal(y, s.T)
    assert np.signbit(y[1, 0]) and not np.signbit(y[1, 1])


def test_transposed_copy_without_omatcopy_falls_back_to_numpy(monkeypatch):
    monkeypatch.setattr(loop_invariants, "_OMATCOPY", {np.dtype(np.float32): None})
    x = RNG.standard_normal((4, 3)).astype(np.float32)
    y = loop_invariants.transposed_copy(x)
    assert y.flags.c_contiguous
    np.testing.assert_array_equal(y, x.T)
