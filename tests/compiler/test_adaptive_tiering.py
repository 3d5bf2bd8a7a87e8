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
from dlcore_static import runtime
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


def _run(n, program=_train, **session):
    g = tf.Graph()
    with g.as_default():
        fetches, feed = program()
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


def _loop_program(trips):
    """A training step through a while_loop of ``trips`` trips (fed)."""
    x = tf.placeholder(tf.float32, (4, 3))
    k = tf.placeholder(tf.int32, ())
    w = tf.Variable(np.full((3, 3), 0.5, np.float32))
    _, h = tf.while_loop(lambda i, h: i < k, lambda i, h: (i + 1, tf.tanh(tf.matmul(h, w))),
                         [tf.constant(0), x])
    loss = tf.reduce_sum(h)
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    return [loss, train], {x: np.ones((4, 3), np.float32), k: np.int32(trips)}


def _loop_run(trips, n, **session):
    return _run(n, lambda: _loop_program(trips), **session)


def test_a_plan_with_a_loop_is_costed_on_its_second_run_by_its_trips(default_policy,
                                                                     monkeypatch):
    # a loop's trips are known only when it runs: the second run (as built) is costed as it
    # goes (runner.RunCost), and the plan switches once its runs have paid for compiling
    # its segments and the sub-programs of the sub-plans that ran
    # (estimates scaled down: the plan switches within tens of runs)
    monkeypatch.setattr(runner, "compile_seconds", lambda plan: 1e-3)
    monkeypatch.setattr(runner, "SUBPROGRAM_S", 1e-4)
    monkeypatch.setattr(runner, "SUBPROGRAM_S_SCALE", 1e-4)
    counted: list = []
    real = runner.RunCost.compile_seconds

    def subprograms(self):
        counted.append((self.seconds, dict(self.subplans)))
        return real(self)
    monkeypatch.setattr(runner.RunCost, "compile_seconds", subprograms)
    short, tiers, plan = _loop_run(2, 3)
    assert tiers == ["built", "waiting", "waiting"]
    (seconds, subplans), = counted
    # the cond (3 runs), the body keeping its history (2) and the body's gradient (2)
    assert len(subplans) == 3
    want = 1e-3 + sum(runner.SUBPROGRAM_S + runner.SUBPROGRAM_S_SCALE *
                      n ** runner.SUBPROGRAM_EXPONENT for n in subplans.values())
    assert plan.switch_at == 2 + math.ceil(want / seconds)
    # more trips, dearer runs (7 sub-plan runs more per 2 trips more): an earlier switch
    counted.clear()
    _, _, long_plan = _loop_run(40, 3)
    (seconds40, subplans40), = counted
    assert sorted(subplans40.values()) == sorted(subplans.values())
    assert seconds40 - seconds > 38 * 2 * runner.SUBPLAN_STEP_S
    assert long_plan.switch_at < plan.switch_at
    # the same program switches on the same run again (no clock), and runs it to the same values
    got, tiers, plan = _loop_run(2, plan.switch_at + 1)
    assert tiers[plan.switch_at - 2:] == ["waiting", "optimized", "optimized"]
    again = _loop_run(2, plan.switch_at + 1)
    assert again[1] == tiers and again[2].switch_at == plan.switch_at
    ref = _loop_run(2, plan.switch_at + 1, passes=())[0]
    np.testing.assert_allclose(got, ref, rtol=2e-5)
    assert got[:3] == short


def test_a_run_costing_a_loop_counts_each_trip_of_each_sub_plan():
    costs = []
    for trips in (1, 5):
        g = tf.Graph()
        with g.as_default():
            fetches, feed = _loop_program(trips)
            sess = tf.Session(graph=g, passes=())
            sess.run(tf.global_variables_initializer())
            plan = sess.plan(fetches, feed)
            counter = runner.RunCost()
            vals = [None] * plan.nslots
            for s, t in zip(plan.feed_slots, plan.fed):
                vals[s] = feed[t]
            with runtime.costed(counter):
                runtime.run_steps(plan.steps, vals)
            costs.append(counter)
    one, five = costs
    assert sorted(one.subplans.values()) == sorted(five.subplans.values())
    assert len(one.subplans) == 3
    # 4 trips more: 4 runs more of the cond, the body and the gradient's body, their steps'
    # SUBPLAN_STEP_S, and the body's 4x3 @ 3x3 product and tanh
    extra = five.seconds - one.seconds
    per_trip = sum(one.subplans.values()) * runner.SUBPLAN_STEP_S + 2 * 4 * 3 * 3 * runner.FLOP_S
    assert per_trip * 4 <= extra < per_trip * 4 * 1.5
    # outside a costed run, sub-plan runs are not counted
    assert runtime._local.cost is None
    # nor a plan run with counted=False (a dataset function's), though what it runs is
    counter = runner.RunCost()
    assert list(plan.feed_slots) == list(range(len(feed)))     # (run_plan's inputs come first)
    with runtime.costed(counter):
        runtime.run_plan(plan, [feed[t] for t in plan.fed], False)
    assert id(plan.steps) not in counter.subplans
    assert sorted(counter.subplans.values()) == sorted(five.subplans.values())


def test_a_costed_run_that_fails_leaves_the_costing_to_the_next(default_policy, monkeypatch):
    monkeypatch.setattr(runner, "compile_seconds", lambda plan: 1.0)
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, (None, 3))
        w = tf.Variable(np.full((3, 3), 0.5, np.float32))
        _, h = tf.while_loop(lambda i, h: i < 2,
                             lambda i, h: (i + 1, tf.tanh(tf.matmul(h, w))), [tf.constant(0), x])
        checked = tf.debugging.assert_all_finite(h, "h is not finite")
        loss = tf.reduce_sum(checked)
        train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
        sess = tf.Session(graph=g)
        sess.run(tf.global_variables_initializer())
        good = {x: np.ones((4, 3), np.float32)}
        bad = {x: np.full((4, 3), np.nan, np.float32)}
        sess.run([loss, train], good)
        with pytest.raises(tf.errors.InvalidArgumentError, match="h is not finite"):
            sess.run([loss, train], bad)            # (the second run: costed, and failed)
        plan = sess.plan([loss, train], good)
        assert plan.tier == "waiting" and plan.switch_at > 10 ** 9
        w_before = sess.run(w)
        sess.run([loss, train], good)               # (costed now)
        assert plan.tier == "waiting" and 3 < plan.switch_at < 10 ** 9
        assert not np.array_equal(sess.run(w), w_before)
