"""Feeds whose shapes keep changing: after ``session.MEGAMORPHIC_AFTER`` shapes of the same
fetches and fed tensors, new shapes share one plan built for any shape (not optimised and
compiled per shape), with the same values and variable updates."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static import session as _session


def _model():                      # (tests/static/conftest.py: a fresh default graph)
    x = tf.placeholder(tf.float32, [None, 3])
    w = tf.Variable(np.arange(6, dtype=np.float32).reshape(3, 2) / 10)
    y = tf.tanh(tf.matmul(x, w))
    loss = tf.reduce_mean(tf.square(y))
    step = tf.train.GradientDescentOptimizer(0.5).minimize(loss)
    return x, w, y, loss, step


def _np_step(xv, wv):
    y = np.tanh(xv @ wv)
    g = xv.T @ ((1 - y * y) * 2 * y / y.size)
    return y, float(np.mean(y * y)), wv - 0.5 * g


def test_shapes_after_the_limit_share_one_plan_with_the_same_values():
    x, w, y, loss, step = _model()
    limit = _session.MEGAMORPHIC_AFTER
    rng = np.random.default_rng(0)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        wv = sess.run(w)
        plans = []
        for n in range(1, limit + 6):
            xv = rng.standard_normal((n, 3)).astype(np.float32)
            for _ in range(2):                      # a plan optimises on its second run
                want_y, want_loss, want_w = _np_step(xv, wv)
                got_y, got_loss, _ = sess.run([y, loss, step], {x: xv})
                np.testing.assert_allclose(got_y, want_y, rtol=1e-5, atol=1e-6)
                assert got_loss == pytest.approx(want_loss, rel=1e-5)
                wv = sess.run(w)
                np.testing.assert_allclose(wv, want_w, rtol=1e-5, atol=1e-6)
            plans.append(sess.plan([y, loss, step], {x: xv}))
        # one plan per shape up to the limit, then one shared plan for every new shape
        assert len({id(p) for p in plans[:limit]}) == limit
        assert all(p is plans[limit] for p in plans[limit:])
        assert all(p is not plans[limit] for p in plans[:limit])
        # the early shapes keep their own plans; a shape seen before the limit is not shared
        assert sess.plan([y, loss, step], {x: np.zeros((1, 3), np.float32)}) is plans[0]
        lines = [ln for ln in getattr(sess, "recompile_log", []) if "megamorphic" in ln]
        assert len(lines) == 1 and f"more than {limit} shapes" in lines[0]


def test_other_fetches_count_their_own_shapes():
    x, w, y, loss, _step = _model()
    limit = _session.MEGAMORPHIC_AFTER
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for n in range(1, limit + 1):
            sess.run(y, {x: np.ones((n, 3), np.float32)})
        # y has used up its shapes; loss has its own count and still gets a plan per shape
        a = sess.plan(loss, {x: np.ones((1, 3), np.float32)})
        b = sess.plan(loss, {x: np.ones((2, 3), np.float32)})
        assert a is not b
        c = sess.plan(y, {x: np.ones((limit + 1, 3), np.float32)})
        d = sess.plan(y, {x: np.ones((limit + 2, 3), np.float32)})
        assert c is d
        np.testing.assert_allclose(sess.run(y, {x: np.ones((limit + 3, 3), np.float32)}),
                                   np.tanh(np.ones((limit + 3, 3)) @ sess.run(w)), rtol=1e-5)
