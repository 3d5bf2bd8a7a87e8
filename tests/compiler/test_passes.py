"""Each pass on its own: what it changes, and what it must never touch."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static import compiler


def _report(sess, fetches, feed=None):
    return compiler.explain(sess, fetches, feed)


def _counts(rep) -> dict:
    return {name: c["nodes"] for name, c in rep.counts}


def test_options_resolve_and_unknown_names_are_refused():
    assert compiler.resolve_passes("all") == compiler.PASSES
    assert compiler.resolve_passes(True) == compiler.PASSES
    assert compiler.resolve_passes(()) == ()
    assert compiler.resolve_passes(False) == ()
    assert compiler.resolve_passes({"compile": False}) == compiler.PASSES[:-1]
    assert compiler.resolve_passes("cse,fusion") == ("cse", "fusion")
    with pytest.raises(ValueError, match="unknown graph pass"):
        compiler.resolve_passes(["fold"])


def test_constant_folding_folds_constants_and_shape_only_ops():
    x = tf.placeholder(tf.float32, shape=(4, 3))
    c = tf.constant(2.0) - tf.constant(1.0)              # folds to 1.0
    ones = tf.ones_like(x)                                 # shape known: a constant
    y = x * c + ones
    sess = tf.Session(passes=["constant_folding", "prune"])
    feed = {x: np.arange(12, dtype=np.float32).reshape(4, 3)}
    np.testing.assert_allclose(sess.run(y, feed), feed[x] * 1.0 + 1.0)
    rep = _report(sess, y, feed)
    assert "constant_folding: 2 change(s)" in rep.log


def test_constant_folding_never_folds_random_ops_or_variables():
    r = tf.random_normal((3,)) * tf.constant(2.0)
    v = tf.Variable(np.ones(3, np.float32))
    out = v * tf.constant(3.0)
    sess = tf.Session(passes="all")
    sess.run(tf.global_variables_initializer())
    a, b = sess.run(r), sess.run(r)
    assert not np.array_equal(a, b), "a random op must give a new sample on every run"
    np.testing.assert_allclose(sess.run(out), 3.0)
    sess.run(v.assign(v * 2.0))
    np.testing.assert_allclose(sess.run(out), 6.0)


def test_cse_merges_pure_duplicates_but_never_random_ops_variables_or_placeholders():
    x = tf.placeholder(tf.float32, shape=(3,))
    a = tf.exp(x) + tf.exp(x)                               # the two exps merge
    r1, r2 = tf.random_uniform((3,)), tf.random_uniform((3,))
    v1 = tf.Variable(np.zeros(3, np.float32))
    v2 = tf.Variable(np.zeros(3, np.float32))
    p1 = tf.placeholder(tf.float32, shape=(3,))
    p2 = tf.placeholder(tf.float32, shape=(3,))
    sess = tf.Session(passes=["cse", "prune"])
    sess.run(tf.global_variables_initializer())
    feed = {x: np.ones(3, np.float32), p1: np.zeros(3, np.float32),
            p2: np.ones(3, np.float32)}
    fetches = [a, r1, r2, v1 + 1.0, v2 + 2.0, p1, p2]
    got = sess.run(fetches, feed)
    np.testing.assert_allclose(got[0], 2 * np.e, rtol=1e-6)
    assert not np.array_equal(got[1], got[2])
    np.testing.assert_allclose(got[3], 1.0)
    np.testing.assert_allclose(got[4], 2.0)
    np.testing.assert_array_equal(got[5], 0.0)
    np.testing.assert_array_equal(got[6], 1.0)
    rep = _report(sess, fetches, feed)
    assert "cse: 1 change(s)" in rep.log


def test_simplify_removes_identities_and_double_transposes():
    x = tf.placeholder(tf.float32, shape=(2, 3))
    y = tf.transpose(tf.transpose(x)) * 1.0 + 0.0
    z = y ** 1.0
    sess = tf.Session(passes=["simplify", "prune"])
    feed = {x: np.arange(6, dtype=np.float32).reshape(2, 3)}
    np.testing.assert_array_equal(sess.run(z, feed), feed[x])
    counts = _counts(_report(sess, z, feed))
    assert counts["input"] > counts["simplify"]
    assert counts["simplify"] == 0          # the fetch is the fed tensor itself: nothing runs


def test_fusion_makes_one_kernel_of_the_seed_chains():
    x = tf.placeholder(tf.float32, shape=(8, 5))
    y = tf.placeholder(tf.float32, shape=(8, 4))
    w1 = tf.Variable(np.full((5, 6), 0.1, np.float32))
    w2 = tf.Variable(np.full((6, 4), 0.1, np.float32))
    h = tf.maximum(tf.matmul(x, w1), 0)
    diff = tf.matmul(h, w2) - y
    loss = tf.reduce_sum(diff ** 2)
    train = tf.train.GradientDescentOptimizer(0.01).minimize(loss)
    sess = tf.Session(passes=["constant_folding", "simplify", "cse", "prune", "fusion"])
    sess.run(tf.global_variables_initializer())
    feed = {x: np.ones((8, 5), np.float32), y: np.zeros((8, 4), np.float32)}
    md = tf.RunMetadata()
    sess.run([loss, train], feed, run_metadata=md)
    plan = sess.plan([loss, train], feed)
    fused = [op for *_, op in plan.optimized_steps if getattr(op, "members", None)]
    kinds = sorted(op.type for op in fused)
    # the loss with its gradient (sub, square, sum, 2*), relu's backward, two SGD updates
    assert len(fused) == 4, kinds
    assert any("sum" in k for k in kinds)
    assert sum("mul+sub" in k for k in kinds) == 2
    # run metadata names the fused ops' members, the user's op names
    assert "sub" in md.executed_ops and "Sum" in md.executed_ops     # (TF1: "-" is sub)
