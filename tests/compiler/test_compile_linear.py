"""Issue 19: compiling a plan is linear in its size.  Structure, not timing: constant folding
redirects its uses in one scan and still folds chains, classify() reuses the trial emission of
an equal node (and only of an equal one), tf.group keeps one control input per op, and the
cyclic collector is paused around plan building and restored as it was."""

from __future__ import annotations

import gc

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static import _gc_pause, compiler
from dlcore_static.compiler import codegen


def test_constant_folding_folds_a_chain_in_one_walk():
    x = tf.placeholder(tf.float64, (3,))
    c = tf.constant(np.array([1.0, 2.0, 3.0]))
    for k in range(6):                   # each link reads the one before: folded in order
        c = c * 2.0 + float(k)
    y = x * c + c
    sess = tf.Session(passes=["constant_folding", "prune"])
    ref = tf.Session(passes=())
    feed = {x: np.array([0.5, -1.0, 2.0])}
    np.testing.assert_array_equal(sess.run(y, feed), ref.run(y, feed))
    rep = compiler.explain(sess, y, feed)
    assert "constant_folding: 12 change(s)" in rep.log
    after = dict(rep.counts)["constant_folding"]
    assert after["nodes"] == 3 and after.get("prim", 0) == 2      # c (folded), x * c, + c


def _compiled_nodes(sess, fetches, feed):
    rep = compiler.explain(sess, fetches, feed)
    assert rep.compiled
    return rep.codegen


def test_equal_nodes_share_their_trial_key_and_different_ones_do_not():
    x = tf.placeholder(tf.float32, (4, 8))
    a = tf.nn.relu(x * 2.0)
    b = tf.nn.relu(x * 3.0)
    c = tf.reduce_sum(x * 2.0, axis=1)
    d = tf.reduce_sum(x * 2.0, axis=0)
    sess = tf.Session(passes=["compile"])
    feed = {x: np.linspace(-1, 1, 32, dtype=np.float32).reshape(4, 8)}
    got = sess.run([a, b, c, d], feed)
    ref = tf.Session(passes=()).run([a, b, c, d], feed)
    for g, r in zip(got, ref):
        np.testing.assert_allclose(g, r, rtol=1e-6)
    prog = sess.plan([a, b, c, d], feed).program
    by_type: dict = {}
    for n in prog.nodes:
        by_type.setdefault(n.type, []).append(codegen._trial_key(n))
    assert len(set(by_type["Relu"])) == 1                   # equal: one key
    assert len(set(by_type["Sum"])) == 2                    # axis 1 and axis 0 differ
    assert all(k is None for k in by_type.get("Const", []))     # constants are always tried
    assert codegen._value_key(1) != codegen._value_key(1.0) != codegen._value_key(True)


def test_group_keeps_one_control_input_per_op_in_order():
    v = tf.Variable(np.zeros(2))
    ops = [v.assign_add(np.ones(2)) for _ in range(3)]
    ops = [o.op if hasattr(o, "op") else o for o in ops]
    g = tf.group(ops[0], ops[1], ops[0], ops[2], ops[1])
    assert g.control_inputs == [ops[0], ops[1], ops[2]]


def test_collector_paused_for_a_plan_and_restored_as_it_was():
    x = tf.placeholder(tf.float64, (2,))
    y = x * 2.0 + 1.0
    feed = {x: np.array([1.0, 2.0])}
    seen = []
    real = compiler.optimize

    def spy(*a, **k):
        seen.append(gc.isenabled())
        return real(*a, **k)
    was = gc.isenabled()
    try:
        gc.enable()
        compiler.optimize, restore = spy, compiler.optimize
        try:
            sess = tf.Session(passes="all")
            sess.plan(y, feed)
            seen_pipeline = list(seen)
        finally:
            compiler.optimize = restore
        assert gc.isenabled()
        np.testing.assert_allclose(sess.run(y, feed), [3.0, 5.0])
        gc.disable()                         # a user who switched it off keeps it off
        _gc_pause.call(lambda: None)
        assert not gc.isenabled()
        gc.enable()
        seen_states = []

        def inner():
            seen_states.append(gc.isenabled())
            _gc_pause.call(lambda: seen_states.append(gc.isenabled()))
            seen_states.append(gc.isenabled())
            return "value"

        assert _gc_pause.call(inner) == "value"
        assert seen_states == [False, False, False]
        assert gc.isenabled()

        def boom():
            raise KeyError("boom")

        with pytest.raises(KeyError):
            _gc_pause.call(boom)
        assert gc.isenabled()
    finally:
        (gc.enable if was else gc.disable)()
    assert seen_pipeline == [False]      # the plan was optimised with the collector off
