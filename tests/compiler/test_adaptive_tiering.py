"""A Session's default tiering is adaptive (``compiler.runner.TieredPlan``, issue 19).

On its second run a plan is optimised and its code generated; it keeps running as built until
the run by which its runs as built are expected to have taken as long as compiling that code
(``compile_seconds`` over ``run_seconds``), then switches.  Both estimates come from the plan's
text and shapes, so the switch is at the same run every time (no clock, no disk cache), and so
are a program's values.  ``Pipeline(after=N)`` and ``DLCORE_OPTIMIZE_AFTER`` fix the run instead.

Checked by behaviour: the plan's ``tier`` run by run, the run it switched on, and the values
against the interpreter's; the estimates against their formulas and against each other.
"""

from __future__ import annotations

import inspect
import math

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static import compiler
from dlcore_static.compiler import runner


@pytest.fixture
def default_policy(monkeypatch):
    monkeypatch.delenv("DLCORE_OPTIMIZE_AFTER", raising=False)


def _train(n=8):
    """A small training step (variables, so each run's values differ)."""
    rng = np.random.default_rng(0)
    x = tf.placeholder(tf.float32, (n, 5))
    y = tf.placeholder(tf.float32, (n, 3))
    w = tf.Variable(rng.standard_normal((5, 3)).astype(np.float32) * 0.5)
    b = tf.Variable(np.zeros(3, np.float32))
    loss = tf.reduce_mean((tf.tanh(tf.matmul(x, w) + b) - y) ** 2)
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    feed = {x: rng.standard_normal((n, 5)).astype(np.float32),
            y: rng.standard_normal((n, 3)).astype(np.float32)}
    return [loss, train], feed


def _losses(sess, fetches, feed, n, tiers=None):
    out = []
    for _ in range(n):
        out.append(float(sess.run(fetches, feed)[0]))
        if tiers is not None:       # (a plan optimised before its first run has no tiers)
            tiers.append(getattr(sess.plan(fetches, feed), "tier", None))
    return out


def _reference(n):
    g = tf.Graph()
    with g.as_default():
        fetches, feed = _train()
        with tf.Session(graph=g, passes=()) as sess:
            sess.run(tf.global_variables_initializer())
            return _losses(sess, fetches, feed, n)


def _run(n, **session):
    g = tf.Graph()
    with g.as_default():
        fetches, feed = _train()
        sess = tf.Session(graph=g, **session)
        sess.run(tf.global_variables_initializer())
        tiers: list = []
        got = _losses(sess, fetches, feed, n, tiers)
        return got, tiers, sess.plan(fetches, feed)


def test_a_plan_runs_as_built_until_the_run_that_pays_for_its_compilation(default_policy,
                                                                         monkeypatch):
    # each segment costed at 40 runs as built, whatever its length
    monkeypatch.setattr(runner, "SEGMENT_S_PER_LINE", 0.0)
    monkeypatch.setattr(runner, "SEGMENT_S_OFFSET", 0.0)
    monkeypatch.setattr(runner, "run_seconds", lambda plan, program=None: 0.25)
    monkeypatch.setattr(runner, "SEGMENT_MIN_S", 10.0)
    got, tiers, plan = _run(200)
    segments = len(plan.compiler.codegen["segment_lines"])
    assert segments >= 1
    assert plan.switch_at == 2 + 40 * segments < 200
    assert tiers[0] == "built"                  # (the first run: no plan optimised)
    assert tiers[1:plan.switch_at - 1] == ["waiting"] * (plan.switch_at - 2)
    assert set(tiers[plan.switch_at - 1:]) == {"optimized"}     # from run switch_at on
    np.testing.assert_allclose(got, _reference(200), rtol=2e-5)
    # the same program switches on the same run again (no clock, no disk cache)
    assert _run(200)[1] == tiers


def test_a_plan_whose_compilation_costs_less_than_a_run_switches_on_its_second(
        default_policy, monkeypatch):
    monkeypatch.setattr(runner, "run_seconds", lambda plan, program=None: 1e6)
    got, tiers, plan = _run(4)
    assert plan.switch_at == 3                  # (the 2nd run pays it: used from the 3rd)
    assert tiers == ["built", "waiting", "optimized", "optimized"]
    np.testing.assert_allclose(got, _reference(4), rtol=2e-5)


@pytest.mark.parametrize("how", ["argument", "variable"])
def test_a_fixed_run_switches_there_whatever_the_estimates(default_policy, monkeypatch, how):
    monkeypatch.setattr(runner, "run_seconds", lambda plan, program=None: 1e-9)
    if how == "argument":
        session = {"pipeline": compiler.Pipeline("all", after=3)}
    else:
        monkeypatch.setenv("DLCORE_OPTIMIZE_AFTER", "3")
        session = {}
    got, tiers, plan = _run(4, **session)
    assert tiers == ["built", "built", "optimized", "optimized"]
    np.testing.assert_allclose(got, _reference(4), rtol=2e-5)


def test_reading_the_report_switches_a_waiting_plan(default_policy, monkeypatch):
    # (never paid by its runs)
    monkeypatch.setattr(runner, "run_seconds", lambda plan, program=None: 1e-9)
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


def test_the_compile_estimate_is_the_segments_lengths(default_policy):
    _, _, plan = _run(1, pipeline=compiler.Pipeline("all", after=1))
    parts = plan.compiler.codegen["segment_lines"]
    assert parts and all(lines > 3 for _, lines in parts)
    assert len({m for m, _ in parts}) == len(parts)             # each distinct segment once
    want = sum(max(runner.SEGMENT_MIN_S, n * runner.SEGMENT_S_PER_LINE + runner.SEGMENT_S_OFFSET)
               for _, n in parts)
    assert runner.compile_seconds(plan) == pytest.approx(want)
    for module, lines in parts:                                 # its function's text
        assert len(inspect.getsource(module.segment).splitlines()) == lines
    assert runner.compile_seconds(tf.Session(passes=()).plan) == 0.0   # (no report at all)


def test_the_run_estimate_grows_with_steps_elements_and_flops():
    def plan_of(n, d, layers):
        g = tf.Graph()
        with g.as_default():
            h = x = tf.placeholder(tf.float32, (n, d))
            for _ in range(layers):
                h = tf.tanh(tf.matmul(h, tf.ones((d, d))))
            with tf.Session(graph=g, passes=()) as s:
                return s.plan(h, {x: np.ones((n, d), np.float32)})
    small = plan_of(4, 8, 2)
    steps = len(small.steps)
    want = steps * runner.STEP_S
    for st in small.steps:
        op = st[4]
        want += sum(math.prod(t.aval.shape) for t in op.outputs) * runner.ELEMENT_S
        if op.type == "MatMul":
            want += 2 * 4 * 8 * 8 * runner.FLOP_S
    assert runner.run_seconds(small) == pytest.approx(want)
    assert runner.run_seconds(plan_of(4, 8, 4)) > runner.run_seconds(small)       # steps
    assert runner.run_seconds(plan_of(64, 8, 2)) > runner.run_seconds(small)      # elements
    wide = runner.run_seconds(plan_of(4, 256, 2))                                 # flops:
    assert wide > 2 * 4 * 256 * 256 * 2 * runner.FLOP_S                          # 2 MatMuls


def test_the_run_estimate_counts_the_fed_shapes_where_the_graph_has_none():
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, (None, 64))          # a batch of unknown size
        y = tf.tanh(tf.matmul(x, tf.ones((64, 64))))
        sess = tf.Session(graph=g, pipeline=compiler.Pipeline("all", after=1))
        feed = {x: np.ones((256, 64), np.float32)}
        sess.run(y, feed)
        built = tf.Session(graph=g, passes=()).plan(y, feed)
        program = sess.plan(y, feed).program
    unknown, fed = runner.run_seconds(built), runner.run_seconds(built, program)
    assert fed - unknown > 255 * 2 * 64 * 64 * runner.FLOP_S        # the 255 more rows'
    assert fed - unknown > 255 * 64 * runner.ELEMENT_S               # products and values


def test_a_plan_with_a_loop_switches_on_its_second_run(default_policy, monkeypatch):
    # a loop's trips are known only when it runs: no estimate, the second run as before
    monkeypatch.setattr(runner, "run_seconds", lambda plan, program=None: 1e-9)
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, (4, 3))
        w = tf.Variable(np.full((3, 3), 0.5, np.float32))
        _, h = tf.while_loop(lambda i, h: i < 3, lambda i, h: (i + 1, tf.tanh(tf.matmul(h, w))),
                             [tf.constant(0), x])
        loss = tf.reduce_sum(h)
        train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
        feed = {x: np.ones((4, 3), np.float32)}
        sess = tf.Session(graph=g)
        sess.run(tf.global_variables_initializer())
        tiers: list = []
        _losses(sess, [loss, train], feed, 3, tiers)
        plan = sess.plan([loss, train], feed)
    assert plan.compiler.compiled
    assert tiers == ["built", "optimized", "optimized"] and plan.switch_at == 2
