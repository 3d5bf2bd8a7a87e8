"""The SGD update of a weight read by one branch of a ``cond`` only (issue 19, helper H10): for
the branch not taken its gradient is ``zeros_like``, and ``w - lr * 0 == w``, so the compiled
glue skips the update's loop and staged write (``source._zero_update``).  Values equal the
interpreter's bit for bit, -0.0 and NaN weights included; a learning rate that is negative,
infinite or NaN (``w - lr * 0`` may differ from ``w``) keeps the update."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static.compiler import source


def _graph(lr, special: bool):
    g = tf.Graph()
    rng = np.random.default_rng(0)
    with g.as_default():
        x = tf.placeholder(tf.float32, shape=(4, 6))
        wa0 = rng.standard_normal((6, 5)).astype(np.float32)
        wb0 = rng.standard_normal((6, 5)).astype(np.float32)
        if special:                          # values whose update by "- lr * 0" is visible
            wa0[0, :3] = [-0.0, np.nan, np.inf]
            wb0[0, :3] = [-0.0, np.nan, -np.inf]
        wa = tf.Variable(wa0, name="wa")
        wb = tf.Variable(wb0, name="wb")
        h = tf.cond(tf.greater(tf.reduce_mean(x), 0.0),
                    lambda: tf.matmul(x, wa), lambda: tf.matmul(x, wb))
        loss = tf.reduce_sum(tf.tanh(h) ** 2)
        train = tf.train.GradientDescentOptimizer(lr).minimize(loss)
        init = tf.global_variables_initializer()
    return g, x, wa, wb, loss, train, init


def _run(passes, lr, special, steps=6, skip=True, monkeypatch=None):
    if not skip:
        monkeypatch.setattr(source, "_zero_update", lambda *a: None)
    g, x, wa, wb, loss, train, init = _graph(lr, special)
    rng = np.random.default_rng(1)
    feeds = [(rng.standard_normal((4, 6)) + (0.5 if i % 2 == 0 else -0.5)).astype(np.float32)
             for i in range(steps)]
    out = []
    with tf.Session(graph=g, passes=passes) as sess:
        sess.run(init)
        for f in feeds:
            out.append(sess.run(loss, {x: f}))
            sess.run(train, {x: f})
            out += list(sess.run([wa, wb]))
        # the glue of every compiled plan of the session (the train step's among them)
        src = "".join(getattr(getattr(plan, "compiler", None), "codegen", {}).get("source", "")
                      for plan, _ in sess._cache.values())
    return out, src


def _same(got, want):
    """Equal values, the sign of every zero included; a NaN's sign bit is not compared: x86
    gives ``NaN - (0 * inf)`` the sign of one operand or the other depending on which code
    path a vectorised loop takes, which depends on the arrays' alignment (a folded loop over
    30 floats, ``compiler/loop_fold.py``), and no IEEE 754 value is told apart by it."""
    assert len(got) == len(want)
    with np.errstate(invalid="ignore"):
        for a, b in zip(got, want):
            nan = np.isnan(a)
            np.testing.assert_array_equal(nan, np.isnan(b))
            np.testing.assert_array_equal(np.signbit(a)[~nan], np.signbit(b)[~nan])
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("special", [False, True])
@pytest.mark.parametrize("lr", [0.05, 0.0])
def test_skipped_update_changes_no_value(lr, special, monkeypatch):
    got, src = _run("all", lr, special)
    assert src.count("_truthy(") == 2, src         # one test per branch's weight
    interp, _ = _run((), lr, special)              # (the fused plan may differ in the last bit)
    for a, b in zip(got, interp):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    want, src = _run("all", lr, special, skip=False, monkeypatch=monkeypatch)
    assert "_truthy(" not in src
    _same(got, want)                               # the same plan with the updates: bit for bit


@pytest.mark.parametrize("lr", [-0.05, float("inf"), float("nan")])
def test_update_kept_when_lr_times_zero_may_change_w(lr, monkeypatch):
    got, src = _run("all", lr, True, steps=3)
    assert "_truthy(" not in src
    want, _ = _run("all", lr, True, steps=3, skip=False, monkeypatch=monkeypatch)
    _same(got, want)
    if lr < 0:          # w - (-0.05 * 0) turns the -0.0 weight into +0.0: not skipped
        assert not np.signbit(got[1][0, 0]) or not np.signbit(got[2][0, 0])


def test_gradient_fetched_with_the_skipped_update():
    """The zero gradient read elsewhere too (fetched in the same run): the skip keeps it and
    the weights as they were."""
    g, x, wa, wb, loss, train, init = _graph(0.05, False)
    with g.as_default():
        gwa, gwb = tf.gradients(loss, [wa, wb])
    rng = np.random.default_rng(2)
    with tf.Session(graph=g, passes="all") as sess:
        sess.run(init)
        for i in range(5):
            f = (rng.standard_normal((4, 6)) + (0.5 if i % 2 else -0.5)).astype(np.float32)
            before = sess.run([wa, wb])
            ga, gb, _ = sess.run([gwa, gwb, train], {x: f})
            after = sess.run([wa, wb])
            zero = gb if np.mean(f) > 0 else ga
            untouched = 1 if np.mean(f) > 0 else 0
            np.testing.assert_array_equal(zero, np.zeros_like(zero))
            np.testing.assert_array_equal(after[untouched], before[untouched])
            moved = 1 - untouched
            np.testing.assert_allclose(after[moved], before[moved] - np.float32(0.05) *
                                       (ga if moved == 0 else gb), rtol=1e-6, atol=1e-7)
