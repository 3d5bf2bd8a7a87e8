"""Issue 19: compile time bounded by structure.  A deep training plan (repeated layers, their
gradients and an optimizer's updates) is split into generated Numba functions of bounded size
and arity, and equal layers share their code, so deeper plans add no new segment texts (each a
Numba compilation) and no function grows with the depth.  Asserted on the generated structure,
never on times."""

from __future__ import annotations

import re

import numpy as np

import dlcore_static as tf
from dlcore_static import compiler
from dlcore_static.compiler import source


def _train(depth: int, passes):
    rng = np.random.default_rng(1)
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float64, (3, 4))
        y = tf.placeholder(tf.float64, (3, 4))
        h, ws = x, []
        for _ in range(depth):
            w = tf.Variable(rng.standard_normal((4, 4)) * 0.5)
            b = tf.Variable(rng.standard_normal(4) * 0.1)
            ws += [w, b]
            h = tf.tanh(tf.matmul(h, w) + b)
        loss = tf.reduce_mean((h - y) ** 2)
        step = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
        sess = tf.Session(passes=passes)
        sess.run(tf.global_variables_initializer())
    feed = {x: rng.standard_normal((3, 4)), y: rng.standard_normal((3, 4))}
    return sess, [loss, step], feed, ws


def _segments(sess, fetches, feed):
    rep = compiler.explain(sess, fetches, feed)
    assert rep.compiled
    return rep.codegen


def test_segments_have_bounded_arity_and_deeper_plans_reuse_their_texts():
    shallow = _segments(*_train(36, "all")[:3])
    deep = _segments(*_train(72, "all")[:3])
    # (about twice as many: the plan's fixed segments, the loss's, are not repeated)
    assert deep["segments"] >= 2 * shallow["segments"] - 3
    # a deeper plan of the same layers writes (almost) no new segment text: the chunks of
    # updates and of transposes that the arity bound cuts are equal texts; only a full chunk
    # the shallow plan did not fill and the two remainders differ (before the bound: one
    # segment of all transposes and one of all updates, each with 3 arguments per layer)
    assert deep["distinct_segments"] <= shallow["distinct_segments"] + 2
    new = set(deep["segment_paths"]) - set(shallow["segment_paths"])
    assert len(new) <= 3
    # no generated function grows with the depth
    arity = [max(len(m.group(1).split(", "))
                 for m in re.finditer(r"def segment\(([^)]*)\)", info["source"]))
             for info in (shallow, deep)]
    assert max(arity) <= source.MAX_SEGMENT_ARGS and arity[1] < arity[0] + 8


def test_bounded_segments_give_the_interpreters_values():
    got_sess, fetches, feed, ws = _train(12, "all")
    ref_sess, ref_fetches, ref_feed, ref_ws = _train(12, ())
    for _ in range(2):
        got = got_sess.run(fetches[0], feed)
        got_sess.run(fetches, feed)
        ref = ref_sess.run(ref_fetches[0], ref_feed)
        ref_sess.run(ref_fetches, ref_feed)
        np.testing.assert_allclose(got, ref, rtol=1e-12)
    for w, r in zip(got_sess.run(ws), ref_sess.run(ref_ws)):
        np.testing.assert_allclose(w, r, rtol=1e-12, atol=1e-14)
    codegen = _segments(got_sess, fetches, feed)
    assert codegen["inplace"]               # the updates were written in place


def test_long_float32_activation_chains_keep_few_inlined_forms():
    # each inlined _fast32 form costs LLVM time superlinearly (loops.FAST32_MAX_PER_LOOP)
    from dlcore_static.compiler import loops
    x = tf.placeholder(tf.float32, (4,))
    h = x
    for i in range(15):
        h = tf.tanh(h * 1.1) if i % 2 else tf.sigmoid(h + 0.1)
    sess = tf.Session(passes="all")
    feed = {x: np.linspace(-1, 1, 4).astype(np.float32)}
    src = _segments(sess, h, feed)["source"]
    for seg in src.split("def segment")[1:]:
        calls = seg.count("tanh32(") + seg.count("sigmoid32(")
        assert calls <= loops.FAST32_MAX_PER_LOOP <= 8       # 8 forms: ~5 s of LLVM per loop
