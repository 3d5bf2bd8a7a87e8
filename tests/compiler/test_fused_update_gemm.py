"""The SGD update folded into its weight-gradient GEMM in a compiled CPU plan
(``dlcore_static/compiler/gemm_fold.py``, ``dlcore/kernels/cpu/gemm_update.py``, issue 19):
the values of the unfused plan and of NumPy, nothing committed by a failing step, and the
gate's edges.  Tiny shapes: the gate's size threshold is lowered for them."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf
from dlcore.kernels.cpu import gemm_update
from dlcore.kernels.cpu import linalg as cpu_linalg

pytestmark = pytest.mark.skipif(not gemm_update.available(),
                                reason="NumPy's OpenBLAS cblas_sgemm not found")
LR = 0.05


def _mlp(N=4, D=6, H=5, O=3, scale=1.0):
    rng = np.random.default_rng(3)
    xv, yv, w1v, w2v = ((rng.standard_normal(s) * scale).astype(np.float32)
                        for s in ((N, D), (N, O), (D, H), (H, O)))
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, shape=(N, D))
        y = tf.placeholder(tf.float32, shape=(N, O))
        w1 = tf.Variable(w1v, name="w1")
        w2 = tf.Variable(w2v, name="w2")
        h = tf.maximum(tf.matmul(x, w1), 0)
        loss = tf.reduce_sum((tf.matmul(h, w2) - y) ** 2)
        step = tf.train.GradientDescentOptimizer(LR).minimize(loss)
        init = tf.global_variables_initializer()
    sess = tf.Session(graph=g, passes="all")
    sess.run(init)
    return sess, {x: xv, y: yv}, loss, step, w1, w2, (xv, yv, w1v, w2v)


def _numpy_steps(xv, yv, w1, w2, k):
    for _ in range(k):
        z = xv @ w1
        h = np.maximum(z, 0)
        d = 2 * (h @ w2 - yv)
        dw2 = h.T @ d
        dw1 = xv.T @ ((d @ w2.T) * (z >= 0))
        w1, w2 = w1 - np.float32(LR) * dw1, w2 - np.float32(LR) * dw2
    return w1, w2


def _run(monkeypatch, fold: bool, steps=3):
    monkeypatch.setattr(cpu_linalg, "FUSED_UPDATE_MIN_OUT", 1)
    monkeypatch.setenv("DLCORE_FOLD_UPDATE_GEMM", "1" if fold else "0")
    sess, feed, loss, step, w1, w2, arrays = _mlp()
    with sess:
        for _ in range(steps):
            sess.run([loss, step], feed)
        names = sess.plan([loss, step], feed).compiled_run.__code__.co_varnames
        return sess.run(w1), sess.run(w2), "_gu" in names, arrays


def test_folded_values_equal_the_unfused_plan_and_numpy(monkeypatch):
    a1, a2, folded, (xv, yv, w1v, w2v) = _run(monkeypatch, True)
    b1, b2, unfolded, _ = _run(monkeypatch, False)
    assert folded and not unfolded
    np.testing.assert_allclose(a1, b1, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(a2, b2, rtol=1e-5, atol=1e-5)
    r1, r2 = _numpy_steps(xv, yv, w1v, w2v, 3)
    np.testing.assert_allclose(a1, r1, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(a2, r2, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("in_place", [False, True])
def test_a_failing_step_commits_nothing(monkeypatch, in_place):
    """Copying into the spare buffer (in-place writes off): a failure after the folded GEMM has
    written it.  In place (``gemm_fold.in_place``: the GEMM adds into the variable's own
    buffer, the last thing that can fail in the step): a failure before it writes."""
    real = gemm_update.sgemm_update
    fail = [False]

    def flaky(out, w, a, b, lr):
        if fail[0] and in_place:
            raise RuntimeError("injected failure before the folded GEMM")
        real(out, w, a, b, lr)                 # the spare buffer written, then a failure
        if fail[0]:
            raise RuntimeError("injected failure after the folded GEMM")
        return out

    monkeypatch.setenv("DLCORE_FOLD_IN_PLACE", "1" if in_place else "0")
    monkeypatch.setattr(gemm_update, "sgemm_update", flaky)
    monkeypatch.setattr(cpu_linalg, "FUSED_UPDATE_MIN_OUT", 1)
    sess, feed, loss, step, w1, w2, (xv, yv, w1v, w2v) = _mlp()
    with sess:
        for _ in range(2):
            sess.run([loss, step], feed)
        names = sess.plan([loss, step], feed).compiled_run.__code__.co_varnames
        assert "_gu" in names and ("_dh" in names) == in_place
        fail[0] = True
        # the runner re-runs a failed compiled step in the interpreter (runner.py), which is
        # sound only when the failed run committed nothing: one step more, not two
        sess.run([loss, step], feed)
        r1, r2 = _numpy_steps(xv, yv, w1v, w2v, 3)
        np.testing.assert_allclose(sess.run(w1), r1, rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(sess.run(w2), r2, rtol=1e-4, atol=1e-4)


def test_the_gate_edges():
    lo = cpu_linalg.FUSED_UPDATE_MIN_OUT
    assert cpu_linalg.fused_update_shape(1000, 64, 2048)
    # the seed static step's two weight gradients, x^T @ dh and h^T @ dy (issue 19)
    assert cpu_linalg.fused_update_shape(1000, 64, 100)
    assert cpu_linalg.fused_update_shape(100, 64, 1000)
    assert cpu_linalg.fused_update_shape(1, cpu_linalg.SMALL_K, lo)
    assert not cpu_linalg.fused_update_shape(1, cpu_linalg.SMALL_K, lo - 1)
    assert not cpu_linalg.fused_update_shape(1000, cpu_linalg.SMALL_K + 1, 512)
    # wide outputs take up to FUSED_UPDATE_WIDE_K inner columns (the LSTM LM's decoder)
    wide_k, wide_n = cpu_linalg.FUSED_UPDATE_WIDE_K, cpu_linalg.FUSED_UPDATE_WIDE_N
    assert cpu_linalg.fused_update_shape(100, 200, 2000)
    assert cpu_linalg.fused_update_shape(lo // wide_n + 1, wide_k, wide_n)
    assert not cpu_linalg.fused_update_shape(lo // wide_n + 1, wide_k + 1, wide_n)
    assert not cpu_linalg.fused_update_shape(lo, wide_k, wide_n - 1)
    assert not cpu_linalg.fused_update_shape(1000, 0, 2048)


def test_not_folded_when_the_product_is_fetched_too(monkeypatch):
    monkeypatch.setattr(cpu_linalg, "FUSED_UPDATE_MIN_OUT", 1)
    rng = np.random.default_rng(4)
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, shape=(4, 6))
        w = tf.Variable(rng.standard_normal((6, 5)).astype(np.float32), name="w")
        loss = tf.reduce_sum(tf.tanh(tf.matmul(x, w)) ** 2)
        opt = tf.train.GradientDescentOptimizer(LR)
        (grad, var), = opt.compute_gradients(loss, [w])
        step = opt.apply_gradients([(grad, var)])
        init = tf.global_variables_initializer()
    xv = rng.standard_normal((4, 6)).astype(np.float32)
    with tf.Session(graph=g, passes="all") as sess:
        sess.run(init)
        folded = sess.plan([loss, step], {x: xv})
        for fetches in ([loss, step], [loss, step, grad]):
            for _ in range(2):
                got = sess.run(fetches, {x: xv})
        plan = sess.plan([loss, step, grad], {x: xv})
        assert plan.compiler.compiled
        assert "_gu" not in plan.compiled_run.__code__.co_varnames      # dW has two readers
        assert "_gu" in folded.compiled_run.__code__.co_varnames
        before = sess.run(w)
        got = sess.run([loss, step, grad], {x: xv})
        np.testing.assert_allclose(sess.run(w), before - np.float32(LR) * got[2], rtol=1e-5,
                                   atol=1e-6)


def test_sgemm_update_reads_transposed_views_without_copying():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 7)).astype(np.float32)
    g = rng.standard_normal((4, 5)).astype(np.float32)
    w = rng.standard_normal((7, 5)).astype(np.float32)
    out = np.empty_like(w)
    got = gemm_update.sgemm_update(out, w, x.T, g, 0.25)
    assert got is out
    np.testing.assert_allclose(out, w - np.float32(0.25) * (x.T @ g), rtol=1e-5, atol=1e-6)
    nc = np.asfortranarray(rng.standard_normal((10, 8)).astype(np.float32))[::2, ::2]
    out2 = np.empty((5, 5), np.float32)        # a strided operand: copied first
    b = rng.standard_normal((4, 5)).astype(np.float32)
    gemm_update.sgemm_update(out2, np.zeros((5, 5), np.float32), nc[:, :4], b, 1.0)
    np.testing.assert_allclose(out2, -(nc[:, :4] @ b), rtol=1e-5, atol=1e-5)


def _in_place_session(monkeypatch):
    monkeypatch.setattr(cpu_linalg, "FUSED_UPDATE_MIN_OUT", 1)
    monkeypatch.setenv("DLCORE_FOLD_UPDATE_GEMM", "1")
    monkeypatch.setenv("DLCORE_FOLD_IN_PLACE", "1")
    return _mlp(scale=0.5)          # (the unscaled net diverges past 3 steps)


def _bases_over_steps(sess, fetches, feed, w1, w2, steps=5) -> list:
    """The buffers (ids) the two weights' committed values view after each of ``steps``."""
    store = sess.variables._values
    out = []
    for _ in range(steps):
        sess.run(fetches, feed)
        out.append((id(store[w1.op].base), id(store[w2.op].base)))
    return out


def test_in_place_writes_the_committed_buffer_and_gives_the_copys_values(monkeypatch):
    """From the second compiled step on, both folded updates add their GEMM into the buffer
    the committed value views (the same buffer every step: no copy, no alternating spares),
    with the values of the copying plan and of NumPy."""
    sess, feed, loss, step, w1, w2, (xv, yv, w1v, w2v) = _in_place_session(monkeypatch)
    with sess:
        bases = _bases_over_steps(sess, [loss, step], feed, w1, w2)
        names = sess.plan([loss, step], feed).compiled_run.__code__.co_varnames
        assert "_dh" in names and "_gu" in names
        assert bases[2] == bases[3] == bases[4], bases          # in place, step after step
        got = sess.run(w1), sess.run(w2)
    r1, r2 = _numpy_steps(xv, yv, w1v, w2v, 5)
    np.testing.assert_allclose(got[0], r1, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(got[1], r2, rtol=1e-4, atol=1e-4)
    monkeypatch.setenv("DLCORE_FOLD_IN_PLACE", "0")
    sess, feed, loss, step, w1, w2, _ = _mlp(scale=0.5)
    with sess:
        bases = _bases_over_steps(sess, [loss, step], feed, w1, w2)
        assert "_dh" not in sess.plan([loss, step], feed).compiled_run.__code__.co_varnames
        assert bases[3][0] != bases[4][0] and bases[3][1] != bases[4][1]   # spares alternate
        np.testing.assert_allclose(sess.run(w1), got[0], rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(sess.run(w2), got[1], rtol=1e-6, atol=1e-6)


def test_in_place_leaves_a_fetched_value_the_caller_holds_unchanged(monkeypatch):
    sess, feed, loss, step, w1, w2, _ = _in_place_session(monkeypatch)
    with sess:
        for _ in range(3):
            sess.run([loss, step], feed)
        held = sess.run(w1)
        kept = np.array(held, copy=True)
        for _ in range(3):
            sess.run([loss, step], feed)
        np.testing.assert_array_equal(held, kept)
        assert not np.array_equal(sess.run(w1), kept)


def test_not_in_place_when_the_weight_is_fetched_with_the_step(monkeypatch):
    """A weight fetched by the step is updated through the spares (its buffer alternates),
    the fetched value staying what the step fetched (its updated value, as with in-place
    writes off) after later steps; the other weight, in place."""
    sess, feed, loss, step, w1, w2, (xv, yv, w1v, w2v) = _in_place_session(monkeypatch)
    store = sess.variables._values
    with sess:
        seen, bases = [], []
        for _ in range(5):
            _, _, before = sess.run([loss, step, w1], feed)
            seen.append(before)
            bases.append((id(store[w1.op].base), id(store[w2.op].base)))
        assert "_gu" in sess.plan([loss, step, w1], feed).compiled_run.__code__.co_varnames
        assert bases[3][0] != bases[4][0] and bases[3][1] == bases[4][1], bases
        for k in (2, 3, 4):            # after k + 1 steps, unchanged by the later ones
            r1, _ = _numpy_steps(xv, yv, w1v, w2v, k + 1)
            np.testing.assert_allclose(seen[k], r1, rtol=1e-4, atol=1e-4)


def test_a_ctrl_c_during_the_in_place_updates_lands_after_all_of_them(monkeypatch):
    """A SIGINT arriving between the first in-place write and the end of the step is held
    back (``source._held``): the step's updates are all committed, then KeyboardInterrupt."""
    import signal
    real = gemm_update.sgemm_update
    armed = [False]

    def interrupted(out, w, a, b, lr):
        real(out, w, a, b, lr)
        if armed[0]:
            armed[0] = False
            signal.raise_signal(signal.SIGINT)      # (Python runs the handler right here)
        return out

    monkeypatch.setattr(gemm_update, "sgemm_update", interrupted)
    sess, feed, loss, step, w1, w2, (xv, yv, w1v, w2v) = _in_place_session(monkeypatch)
    with sess:
        for _ in range(3):
            sess.run([loss, step], feed)
        assert "_dh" in sess.plan([loss, step], feed).compiled_run.__code__.co_varnames
        armed[0] = True
        with pytest.raises(KeyboardInterrupt):
            sess.run([loss, step], feed)
        r1, r2 = _numpy_steps(xv, yv, w1v, w2v, 4)
        np.testing.assert_allclose(sess.run(w1), r1, rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(sess.run(w2), r2, rtol=1e-4, atol=1e-4)
