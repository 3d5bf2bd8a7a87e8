"""When a Session optimises a plan (``compiler.Pipeline``): on its second run, whatever the passes.

A plan run once (a graph built for one batch, ``sess.run(init)``) is interpreted and never pays
for the passes and the Numba compilation; a plan run again is optimised on that run and the
compiled code is used from then on; ``after=1`` (``Pipeline(passes, after=1)`` or
``DLCORE_OPTIMIZE_AFTER=1``) optimises before the first run.  Checked by behaviour (how many
times the pipeline's ``optimize`` ran, and the values), never by timings.
"""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static import compiler


@pytest.fixture
def optimized(monkeypatch):
    """Counts the pipeline's ``optimize`` calls; the default policy (no DLCORE_OPTIMIZE_AFTER)."""
    monkeypatch.delenv("DLCORE_OPTIMIZE_AFTER", raising=False)
    calls = []
    real = compiler.optimize

    def counting(session, plan, feed_values, passes):
        calls.append(passes)
        return real(session, plan, feed_values, passes)

    monkeypatch.setattr(compiler, "optimize", counting)
    return calls


def _net():
    x = tf.placeholder(tf.float32, (3, 4))
    w = tf.placeholder(tf.float32, (4, 2))
    loss = tf.reduce_sum(tf.tanh(tf.matmul(x, w)) ** 2)
    return x, w, [loss, *tf.gradients(loss, [x, w])]


def _feed(x, w, seed=0):
    rng = np.random.default_rng(seed)
    return {x: rng.standard_normal((3, 4)).astype(np.float32),
            w: rng.standard_normal((4, 2)).astype(np.float32)}


@pytest.mark.parametrize("passes", ["all", None, ["fusion", "compile"]])
def test_a_plan_run_once_is_not_optimized_and_a_plan_run_three_times_is_once(optimized, passes):
    x, w, fetches = _net()
    feed = _feed(x, w)
    want = tf.Session(passes=()).run(fetches, feed)
    sess = tf.Session(passes=passes)
    got = [sess.run(fetches, feed)]
    assert optimized == []                              # interpreted: nothing optimised
    got += [sess.run(fetches, feed), sess.run(fetches, feed)]
    assert len(optimized) == 1                          # optimised on the 2nd run, kept
    report = sess.plan(fetches, feed).compiler
    assert report.compiled == ("compile" in compiler.resolve_passes(passes))
    assert len(optimized) == 1                          # reading the report optimises no more
    for run in got:
        for g, r in zip(run, want):
            np.testing.assert_allclose(g, r, rtol=1e-5, atol=1e-6)


def test_a_new_graph_per_batch_run_once_each_is_never_optimized(optimized):
    for seed in range(3):
        g = tf.Graph()
        with g.as_default():
            x, w, fetches = _net()
            feed = _feed(x, w, seed)
            want = tf.Session(passes=()).run(fetches, feed)
            with tf.Session(graph=g, passes="all") as sess:
                got = sess.run(fetches, feed)
        for a, b in zip(got, want):
            np.testing.assert_array_equal(a, b)
    assert optimized == []


def test_after_1_optimizes_before_the_first_run_and_the_variable_says_when(optimized,
                                                                            monkeypatch):
    x, w, fetches = _net()
    feed = _feed(x, w)
    sess = tf.Session(pipeline=compiler.Pipeline("all", after=1))
    sess.run(fetches, feed)
    assert len(optimized) == 1
    monkeypatch.setenv("DLCORE_OPTIMIZE_AFTER", "3")
    sess = tf.Session(passes="all")
    sess.run(fetches, feed)
    sess.run(fetches, feed)
    assert len(optimized) == 1
    sess.run(fetches, feed)
    assert len(optimized) == 2


def test_a_training_loop_gives_the_interpreters_values_across_the_switch(optimized):
    x = tf.placeholder(tf.float32, (5, 3))
    v = tf.Variable(np.linspace(-1, 1, 6, dtype=np.float32).reshape(3, 2))
    loss = tf.reduce_mean(tf.square(tf.nn.relu(tf.matmul(x, v)) - 0.5))
    train = tf.train.GradientDescentOptimizer(0.3).minimize(loss)
    data = np.random.default_rng(1).standard_normal((5, 3)).astype(np.float32)
    runs = {}
    for passes in ((), "all"):
        with tf.Session(passes=passes) as sess:
            sess.run(tf.global_variables_initializer())
            runs[passes] = [sess.run([loss, train], {x: data})[0] for _ in range(4)]
            runs[passes].append(sess.run(v))
    assert len(optimized) == 1                          # the "all" training plan, once
    for a, b in zip(runs["all"], runs[()]):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_a_closed_sessions_plan_is_freed_without_the_cyclic_collector(optimized):
    """A TieredPlan's step reaches its plan by a weak reference, so a graph built per batch does
    not leave one plan cycle per step for the garbage collector; the plan still optimises on
    its second run while its Session holds it."""
    import gc
    import weakref

    from dlcore_static.compiler.runner import TieredPlan
    x, w, fetches = _net()
    feed = _feed(x, w)
    sess = tf.Session(passes="all")
    first = sess.run(fetches, feed)
    plan = sess.plan(fetches, feed)
    assert isinstance(plan, TieredPlan) and optimized == []
    second = sess.run(fetches, feed)
    assert len(optimized) == 1                          # the weak reference still optimises
    for a, b in zip(first, second):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    sess2 = tf.Session(passes="all")
    sess2.run(fetches, feed)
    ref = weakref.ref(sess2.plan(fetches, feed))
    step = sess2.plan(fetches, feed).steps[0][0]
    gc.disable()
    try:
        sess2.close()
        assert ref() is None                            # freed by reference counting alone
    finally:
        gc.enable()
    np.testing.assert_allclose(step(*[feed[x], feed[w]])[0], first[0], rtol=1e-5)
