"""A Session's default tiering is adaptive (``compiler.runner.TieredPlan``, issue 19).

On its second run a plan is optimised and its code generated.  Where every generated segment
has compiled code in Numba's disk cache (a program run before), the compiled plan is used from
that run on.  Otherwise the plan keeps running as built until those runs have taken as long as
its compilation is expected to (``cold_compile_seconds``: the rent-or-buy rule), then switches.
``Pipeline(after=N)`` and ``DLCORE_OPTIMIZE_AFTER`` fix the run instead, as before.

The disk cache's state is set by monkeypatching ``segment_on_disk`` (the suite's cache is
warm); the estimate's constants are monkeypatched so that a test waits milliseconds, not the
seconds a real compilation is costed at.  Checked by behaviour: the plan's ``tier``, how many
runs ran before the switch, and the values against the interpreter's.
"""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf
from dlcore.jitcache import load_generated_module
from dlcore_static import compiler
from dlcore_static.compiler import runner


@pytest.fixture
def default_policy(monkeypatch):
    monkeypatch.delenv("DLCORE_OPTIMIZE_AFTER", raising=False)


def _train():
    """A small training step (variables, so each run's values differ)."""
    rng = np.random.default_rng(0)
    x = tf.placeholder(tf.float32, (8, 5))
    y = tf.placeholder(tf.float32, (8, 3))
    w = tf.Variable(rng.standard_normal((5, 3)).astype(np.float32) * 0.5)
    b = tf.Variable(np.zeros(3, np.float32))
    loss = tf.reduce_mean((tf.tanh(tf.matmul(x, w) + b) - y) ** 2)
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    feed = {x: rng.standard_normal((8, 5)).astype(np.float32),
            y: rng.standard_normal((8, 3)).astype(np.float32)}
    return [loss, train], feed


def _losses(sess, fetches, feed, n, tiers=None):
    out = []
    for _ in range(n):
        out.append(float(sess.run(fetches, feed)[0]))
        if tiers is not None:
            tiers.append(sess.plan(fetches, feed).tier)
    return out


def _reference(n):
    g = tf.Graph()
    with g.as_default():
        fetches, feed = _train()
        with tf.Session(graph=g, passes=()) as sess:
            sess.run(tf.global_variables_initializer())
            return _losses(sess, fetches, feed, n)


def test_without_compiled_code_on_disk_a_plan_runs_as_built_until_its_runs_pay(
        default_policy, monkeypatch):
    monkeypatch.setattr(runner, "segment_on_disk", lambda d: False)
    # each segment costed at 20 ms whatever its length
    monkeypatch.setattr(runner, "SEGMENT_S_PER_LINE", 0.0)
    monkeypatch.setattr(runner, "SEGMENT_S_OFFSET", 0.0)
    monkeypatch.setattr(runner, "SEGMENT_MIN_S", 0.02)
    g = tf.Graph()
    with g.as_default():
        fetches, feed = _train()
        sess = tf.Session(graph=g)
        sess.run(tf.global_variables_initializer())
        tiers: list = []
        got = _losses(sess, fetches, feed, 400, tiers)
        plan = sess.plan(fetches, feed)
        segments = len(plan._plan.compiler.codegen["segment_lines"])
    assert segments >= 1
    assert plan._cost == pytest.approx(0.02 * segments)
    assert tiers[0] == "built"                  # (the first run: no plan optimised)
    assert tiers[1] == "waiting"                # optimised on the 2nd run, not yet used
    switch = tiers.index("optimized")           # then used once its runs have paid
    assert 2 < switch < 400 and set(tiers[switch:]) == {"optimized"}
    assert plan._spent >= plan._cost
    np.testing.assert_allclose(got, _reference(400), rtol=2e-5)


def test_with_compiled_code_on_disk_a_plan_switches_on_its_second_run(default_policy,
                                                                       monkeypatch):
    monkeypatch.setattr(runner, "segment_on_disk", lambda d: True)
    g = tf.Graph()
    with g.as_default():
        fetches, feed = _train()
        sess = tf.Session(graph=g)
        sess.run(tf.global_variables_initializer())
        tiers: list = []
        got = _losses(sess, fetches, feed, 4, tiers)
    assert tiers == ["built", "optimized", "optimized", "optimized"]
    np.testing.assert_allclose(got, _reference(4), rtol=2e-5)


@pytest.mark.parametrize("how", ["argument", "variable"])
def test_a_fixed_run_switches_there_whatever_the_disk_holds(default_policy, monkeypatch, how):
    monkeypatch.setattr(runner, "segment_on_disk", lambda d: False)
    g = tf.Graph()
    with g.as_default():
        fetches, feed = _train()
        if how == "argument":
            sess = tf.Session(graph=g, pipeline=compiler.Pipeline("all", after=3))
        else:
            monkeypatch.setenv("DLCORE_OPTIMIZE_AFTER", "3")
            sess = tf.Session(graph=g)
        sess.run(tf.global_variables_initializer())
        tiers: list = []
        _losses(sess, fetches, feed, 4, tiers)
    assert tiers == ["built", "built", "optimized", "optimized"]


def test_reading_the_report_switches_a_waiting_plan(default_policy, monkeypatch):
    monkeypatch.setattr(runner, "segment_on_disk", lambda d: False)
    monkeypatch.setattr(runner, "SEGMENT_MIN_S", 3600.0)     # (never paid by its runs)
    g = tf.Graph()
    with g.as_default():
        fetches, feed = _train()
        sess = tf.Session(graph=g)
        sess.run(tf.global_variables_initializer())
        _losses(sess, fetches, feed, 3)
        plan = sess.plan(fetches, feed)
        assert plan.tier == "waiting"
        assert plan.compiler.compiled                # explain() and friends see the plan
        assert plan.tier == "optimized"
        _losses(sess, fetches, feed, 1)
        assert plan.tier == "optimized"


def test_the_estimate_counts_only_the_segments_without_code_on_disk(default_policy,
                                                                    monkeypatch):
    g = tf.Graph()
    with g.as_default():
        fetches, feed = _train()
        sess = tf.Session(graph=g, pipeline=compiler.Pipeline("all", after=1))
        sess.run(tf.global_variables_initializer())
        sess.run(fetches, feed)
        plan = sess.plan(fetches, feed)
    parts = plan.compiler.codegen["segment_lines"]
    assert parts and all(lines > 3 for _, lines in parts)
    want = sum(max(runner.SEGMENT_MIN_S, n * runner.SEGMENT_S_PER_LINE + runner.SEGMENT_S_OFFSET)
               for _, n in parts)
    monkeypatch.setattr(runner, "segment_on_disk", lambda d: False)
    assert runner.cold_compile_seconds(plan) == pytest.approx(want)
    monkeypatch.setattr(runner, "segment_on_disk", lambda d: True)
    assert runner.cold_compile_seconds(plan) == 0.0
    first = parts[0][0].segment
    monkeypatch.setattr(runner, "segment_on_disk", lambda d: d is not first)
    assert runner.cold_compile_seconds(plan) == pytest.approx(
        max(runner.SEGMENT_MIN_S,
            parts[0][1] * runner.SEGMENT_S_PER_LINE + runner.SEGMENT_S_OFFSET))


def test_segment_on_disk_reads_numbas_index_of_the_function(tmp_path, monkeypatch):
    monkeypatch.setenv("DLCORE_CACHE_DIR", str(tmp_path))
    src = ("from numba import njit\n\n"
           "@njit(cache=True)\n"
           f"def segment(a):\n    return a * {np.random.default_rng().integers(1 << 30)}\n")
    mod = load_generated_module("seg", src)
    assert str(tmp_path) in mod.__file__
    assert not runner.segment_on_disk(mod.segment)          # never compiled
    assert mod.segment(2) > 0
    assert runner.segment_on_disk(mod.segment)              # compiled: its index written
    assert not runner.segment_on_disk(lambda a: a)          # (no Numba cache at all)
