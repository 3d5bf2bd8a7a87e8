"""The sparse cross-entropy and its gradient in one row loop of a compiled segment
(``dlcore_static/compiler/emit_xent.py``, ``dlcore/kernels/cpu/_jit_xent.xent_loss_grad_rows``,
issue 19): the compiled plan's loss and weights equal the interpreter's bit for bit, the loss
alone compiles too, a label out of range raises the interpreter's error and changes nothing,
and the fused row loop gives the two loops' bits (NaN, infinite and float64 rows too)."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf
from dlcore.kernels.cpu._jit_xent import xent_grad_rows, xent_loss_grad_rows, xent_rows

N, D, C = 24, 16, 40


def _graph(seed=5):
    rng = np.random.default_rng(seed)
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, (N, D))
        lab = tf.placeholder(tf.int64, (N,))
        w = tf.Variable((rng.standard_normal((D, C)) * 0.5).astype(np.float32), name="w")
        b = tf.Variable(np.zeros(C, np.float32), name="b")
        logits = tf.matmul(x, w) + b
        per_row = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=lab, logits=logits)
        loss = tf.reduce_mean(per_row)
        train = tf.train.GradientDescentOptimizer(0.5).minimize(loss)
        init = tf.global_variables_initializer()
    feeds = [{x: rng.standard_normal((N, D)).astype(np.float32),
              lab: rng.integers(0, C, N)} for _ in range(4)]
    return g, init, {"x": x, "lab": lab, "w": w, "b": b, "per_row": per_row,
                     "loss": loss, "train": train}, feeds


def _steps(passes):
    g, init, t, feeds = _graph()
    w, b, per_row, loss, train = t["w"], t["b"], t["per_row"], t["loss"], t["train"]
    with tf.Session(graph=g, passes=passes) as sess:
        sess.run(init)
        losses = [sess.run([loss, train], f)[0] for f in feeds]
        rows = sess.run(per_row, feeds[0])
        info = sess.plan([loss, train], feeds[0]).compiler.codegen if passes else None
        return losses, sess.run([w, b]), rows, info


def test_loss_and_gradient_in_one_row_loop_equal_the_interpreter():
    plain_l, plain_w, plain_rows, _ = _steps(())
    comp_l, comp_w, comp_rows, info = _steps("all")
    assert len(set(plain_l)) == len(plain_l)                # (the steps train)
    assert comp_l == plain_l
    for a, c in zip(plain_w, comp_w):
        np.testing.assert_array_equal(c, a)
    np.testing.assert_array_equal(comp_rows, plain_rows)   # the loss alone, in a segment too
    src = info["source"]
    # (the bias add folded in too: test_xent_bias_fold.py)
    assert src.count("xent_loss_grad_rows_bias(") == 1
    assert "xent_rows(" not in src and "xent_grad_rows(" not in src
    assert not any("xent" in n.lower() for n in info["python_nodes"])


def test_the_loss_alone_compiles_into_a_segment():
    g, init, t, feeds = _graph()
    x, lab, w, b, loss = t["x"], t["lab"], t["w"], t["b"], t["loss"]
    with tf.Session(graph=g, passes="all") as sess:
        sess.run(init)
        for _ in range(2):
            got = sess.run(loss, feeds[1])
        info = sess.plan(loss, feeds[1]).compiler.codegen
        wv, bv = sess.run([w, b])
    assert "xent_rows(" in info["source"] and "xent_loss_grad_rows(" not in info["source"]
    logits = (feeds[1][x] @ wv + bv).astype(np.float64)
    m = logits.max(1, keepdims=True)
    ref = (np.log(np.exp(logits - m).sum(1)) + m[:, 0] -
           logits[np.arange(N), feeds[1][lab]]).mean()
    np.testing.assert_allclose(got, ref, rtol=1e-5)


def test_a_label_out_of_range_raises_the_interpreters_error_and_changes_nothing():
    g, init, t, feeds = _graph()
    lab, w, b, loss, train = t["lab"], t["w"], t["b"], t["loss"], t["train"]
    with tf.Session(graph=g, passes="all") as sess:
        sess.run(init)
        for f in feeds[:2]:
            sess.run([loss, train], f)
        assert "xent_loss_grad_rows_bias(" in sess.plan([loss, train], feeds[0]).compiler.codegen[
            "source"]
        before = sess.run([w, b])
        bad = dict(feeds[2])
        bad[lab] = bad[lab].copy()
        bad[lab][7] = C + 3
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=rf"Received a label value of {C + 3} which is outside the "
                                 rf"valid range of \[0, {C}\)"):
            sess.run([loss, train], bad)
        for a, c in zip(before, sess.run([w, b])):
            np.testing.assert_array_equal(c, a)
        sess.run([loss, train], feeds[2])           # the compiled plan still runs


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_fused_row_loop_gives_the_two_loops_bits(dtype):
    rng = np.random.default_rng(11)
    x = (rng.standard_normal((9, 300)) * 4).astype(dtype)
    x[2, 5] = np.nan
    x[3, 7] = np.inf
    x[4, :] = -np.inf
    x[5, 9] = -np.inf
    x[6, :] = 80.0                                           # a row of equal logits
    k = rng.integers(0, 300, 9).astype(np.int64)
    g = rng.standard_normal(9).astype(dtype)
    loss, grad = np.empty(9, dtype), np.empty(x.shape, dtype)
    ref_loss, ref_grad = np.empty(9, dtype), np.empty(x.shape, dtype)
    assert xent_loss_grad_rows(g, x, k, loss, grad) == -1
    assert xent_rows(x, k, ref_loss) == -1
    assert xent_grad_rows(g, x, k, ref_grad) == -1
    np.testing.assert_array_equal(loss, ref_loss)
    np.testing.assert_array_equal(grad, ref_grad)
    assert np.isnan(loss[[2, 3, 4]]).all() and np.isfinite(loss[[0, 1, 5, 6, 7, 8]]).all()
    np.testing.assert_allclose(loss[6], np.log(300.0), rtol=1e-6)
    xd = x[[0, 1, 7, 8]].astype(np.float64)
    m = xd.max(1, keepdims=True)
    p = np.exp(xd - m) / np.exp(xd - m).sum(1, keepdims=True)
    np.testing.assert_allclose(loss[[0, 1, 7, 8]],
                               -np.log(p[np.arange(4), k[[0, 1, 7, 8]]]), rtol=1e-5)


def test_the_fused_row_loop_reports_the_first_bad_label():
    x = np.zeros((4, 6), np.float32)
    k = np.array([1, 2, 6, -1], np.int64)
    loss, grad = np.empty(4, np.float32), np.empty((4, 6), np.float32)
    assert xent_loss_grad_rows(np.ones(4, np.float32), x, k, loss, grad) == 2
    np.testing.assert_allclose(loss[:2], np.log(6.0), rtol=1e-6)  # rows before it written
