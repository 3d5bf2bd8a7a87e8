"""The static runtime (issue 15 #2-#5, issue 17 #3): compiled and interpreted runs agree,
feeds are never silently ignored, a failed run keeps no assign, RunMetadata is per run."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static import compiler
from dlcore_static.compiler import optimize

MODES = [(), "all"]


# ---------------------------------------------------------------- issue 15 #2: fusion cycles
def test_compiled_gradient_graph_runs_every_time_and_matches_numpy():
    x0, _, x2, x3, x4 = [tf.placeholder(tf.float64, (3,)) for _ in range(5)]
    y = tf.reduce_sum((x0 - x2) * x3 / (x4 * x4 + 1))
    g = tf.gradients(y, [x3, x4])
    rng = np.random.default_rng(0)
    v0, v2, v3, v4 = (rng.standard_normal(3) for _ in range(4))
    feed = {x0: v0, x2: v2, x3: v3, x4: v4}
    want3 = (v0 - v2) / (v4 * v4 + 1)
    want4 = -(v0 - v2) * v3 * 2 * v4 / (v4 * v4 + 1) ** 2
    sess = tf.Session(passes="all")
    for _ in range(4):
        got3, got4 = sess.run(g, feed)
        np.testing.assert_allclose(got3, want3, rtol=1e-12)
        np.testing.assert_allclose(got4, want4, rtol=1e-12)
    assert compiler.explain(sess, g, feed).compiled


def _random_expr(rng, leaves, depth):
    if depth == 0 or rng.random() < 0.2:
        return leaves[rng.integers(len(leaves))]
    a = _random_expr(rng, leaves, depth - 1)
    b = _random_expr(rng, leaves, depth - 1)
    k = rng.integers(7)
    if k == 0:
        return a + b
    if k == 1:
        return a - b
    if k == 2:
        return a * b
    if k == 3:
        return a / (b * b + 1)
    if k == 4:
        return tf.tanh(a) * b
    if k == 5:
        return tf.maximum(a, b) + a
    return a * 0.5 - tf.sigmoid(b)


def _program_is_ordered(steps, nfeeds: int) -> bool:
    """Every step reads only slots written before it (or fed)."""
    written = set(range(nfeeds))
    for _, ins, out, _, _ in steps:
        if any(i not in written for i in ins):
            return False
        written.update(range(out.start, out.stop) if isinstance(out, slice) else [out])
    return True


def test_random_expressions_optimise_to_valid_programs_and_agree_with_the_interpreter():
    rng = np.random.default_rng(15)
    xs = [tf.placeholder(tf.float64, (3,), name=f"x{i}") for i in range(5)]
    feed = {x: rng.standard_normal(3) for x in xs}
    plain = tf.Session(passes=())
    compiled = tf.Session(passes="all")
    no_codegen = [p for p in compiler.PASSES if p != "compile"]
    checked = 0
    for i in range(100):
        y = tf.reduce_sum(_random_expr(rng, xs, 4))
        fetches = [y] + [g for g in tf.gradients(y, xs) if g is not None]
        base = plain.plan(fetches, feed)
        vals = [feed[t] for t in base.fed]
        opt = optimize(plain, base, vals, no_codegen)        # graph passes + fusion, lowered
        assert _program_is_ordered(opt.optimized_steps, len(vals)), i
        want = plain.run(fetches, feed)
        if i % 8 == 0:                    # the compiled plan (Numba) on a sample of them
            for _ in range(3):
                got = compiled.run(fetches, feed)
                for a, b in zip(got, want):
                    np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
            checked += 1
    assert checked == 13


# ---------------------------------------------------------------- issue 15 #4: feeds
def test_a_feed_key_from_another_graph_is_a_type_error():
    other = tf.Graph()
    with other.as_default():
        p_other = tf.placeholder(tf.float32, (2,))
    x = tf.placeholder(tf.float32, (2,))
    y = x * 2
    sess = tf.Session()
    with pytest.raises(TypeError, match="is not an element of this graph"):
        sess.run(y, {x: np.ones(2), p_other: np.ones(2)})


@pytest.mark.parametrize("passes", MODES)
def test_a_tensor_inside_a_while_loop_body_may_not_be_fed(passes):
    i0 = tf.constant(0)
    inner = []

    def body(i):
        j = i + 1
        inner.append(j)
        return j
    out = tf.while_loop(lambda i: i < 5, body, [i0])
    sess = tf.Session(passes=passes)
    assert sess.run(out) == 5
    with pytest.raises(ValueError, match=f"Tensor {inner[0].name} may not be fed"):
        sess.run(out, {inner[0]: 3})


@pytest.mark.parametrize("passes", MODES)
def test_a_fed_tensor_inside_a_cond_branch_is_used(passes):
    x = tf.placeholder(tf.float32, ())
    made = {}

    def true_fn():
        made["t"] = x * 2.0
        return made["t"] + 1.0
    out = tf.cond(x > 0, true_fn, lambda: x - 1.0)
    sess = tf.Session(passes=passes)
    for _ in range(3):
        assert sess.run(out, {x: 3.0}) == 7.0
        assert sess.run(out, {x: 3.0, made["t"]: 10.0}) == 11.0     # the fed value is used
        assert sess.run(out, {x: -3.0, made["t"]: 10.0}) == -4.0    # other branch: unused


def test_a_fed_tensor_inside_a_nested_cond_branch_is_used():
    x = tf.placeholder(tf.float32, ())
    made = {}

    def inner_true():
        made["t"] = x * 2.0
        return made["t"]
    out = tf.cond(x > 0, lambda: tf.cond(x > 1, inner_true, lambda: x) + 1.0, lambda: x)
    sess = tf.Session(passes=())
    assert sess.run(out, {x: 3.0}) == 7.0
    assert sess.run(out, {x: 3.0, made["t"]: 10.0}) == 11.0


# ---------------------------------------------------------------- issue 15 #5: failed runs
@pytest.mark.parametrize("passes", MODES)
def test_a_failed_run_keeps_no_assign(passes):
    # issue 15 #5: with the compiler the update was written in place before the cond failed
    w = tf.Variable(np.ones(2), name="w")
    never = tf.Variable(5.0, name="never_initialised")
    upd = w.assign(w * 0.5 + 1.0)
    with tf.control_dependencies([upd]):
        c = tf.cond(tf.reduce_sum(w) > 100.0, lambda: never + 1.0, lambda: tf.constant(0.0))
    with tf.control_dependencies([upd]):
        bad = tf.cond(tf.reduce_sum(w) < 100.0, lambda: never + 1.0, lambda: tf.constant(0.0))
    sess = tf.Session(passes=passes)
    sess.run(w.initializer)
    expect = 1.0
    for _ in range(3):                          # the compiled plan is used from the 2nd run
        sess.run(c)
        expect = expect * 0.5 + 1.0
        np.testing.assert_array_equal(sess.run(w), [expect, expect])
    for _ in range(3):
        with pytest.raises(tf.errors.FailedPreconditionError,
                           match="uninitialized value never_initialised"):
            sess.run(bad)
        np.testing.assert_array_equal(sess.run(w), [expect, expect])   # update dropped
    sess.run(c)
    np.testing.assert_array_equal(sess.run(w), [expect * 0.5 + 1.0] * 2)


@pytest.mark.parametrize("passes", MODES)
def test_a_failed_compiled_sgd_step_leaves_the_weights_and_later_steps_work(passes):
    rng = np.random.default_rng(1)
    x = tf.placeholder(tf.float32, (4, 3))
    idx = tf.placeholder(tf.int64, (2,))
    w = tf.Variable(rng.standard_normal((3, 2)).astype(np.float32))
    loss = tf.reduce_sum(tf.matmul(x, w) ** 2)
    g, = tf.gradients(loss, [w])
    new_w = w - 0.1 * g
    step = w.assign(new_w)
    with tf.control_dependencies([step]):
        picked = tf.gather(tf.reshape(new_w, (6,)), idx)    # fails on a bad index
    sess = tf.Session(passes=passes)
    sess.run(w.initializer)
    xv = rng.standard_normal((4, 3)).astype(np.float32)
    for _ in range(3):
        sess.run(picked, {x: xv, idx: [0, 1]})
    before = sess.run(w)
    with pytest.raises(tf.errors.InvalidArgumentError):
        sess.run(picked, {x: xv, idx: [0, 99]})
    np.testing.assert_array_equal(sess.run(w), before)
    sess.run(picked, {x: xv, idx: [0, 1]})
    np.testing.assert_allclose(sess.run(w), before - 0.1 * 2 * xv.T @ (xv @ before), rtol=1e-5)


# ---------------------------------------------------------------- issue 15 #3: empty reductions
@pytest.mark.parametrize("passes", MODES)
def test_max_min_over_zero_rows_are_infinities_and_argmax_raises(passes):
    x = tf.placeholder(tf.float32, (None, 3))
    mx, mn, am = tf.reduce_max(x, 0), tf.reduce_min(x, 0), tf.argmax(x, 0)
    sess = tf.Session(passes=passes)
    empty = np.zeros((0, 3), np.float32)
    for _ in range(3):
        a, b = sess.run([mx, mn], {x: empty})
        np.testing.assert_array_equal(a, [-np.inf] * 3)
        np.testing.assert_array_equal(b, [np.inf] * 3)
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"Reduction axis 0 is empty in shape \[0, 3\]"):
            sess.run(am, {x: empty})
    np.testing.assert_array_equal(sess.run(am, {x: np.eye(3, dtype=np.float32)}), [0, 1, 2])


def test_integer_max_over_zero_rows_is_the_lowest_integer():
    x = tf.placeholder(tf.int32, (None, 2))
    sess = tf.Session(passes=())
    a, b = sess.run([tf.reduce_max(x, 0), tf.reduce_min(x, 0)], {x: np.zeros((0, 2), np.int32)})
    np.testing.assert_array_equal(a, [np.iinfo(np.int32).min] * 2)
    np.testing.assert_array_equal(b, [np.iinfo(np.int32).max] * 2)


# ---------------------------------------------------------------- issue 17 #3: RunMetadata
@pytest.mark.parametrize("passes", MODES)
def test_run_metadata_is_overwritten_by_each_run(passes):
    x = tf.placeholder(tf.float32, (2,))
    y = tf.exp(x, name="e") * 2.0
    z = tf.negative(x, name="neg")
    sess = tf.Session(passes=passes)
    md = tf.RunMetadata()
    for _ in range(3):
        sess.run(y, {x: np.ones(2)}, run_metadata=md)
        assert y.op.inputs[0].op.name in md.executed_ops and z.op.name not in md.executed_ops
        assert len(md.executed_ops) == len(set(md.executed_ops))
    sess.run(z, {x: np.ones(2)}, run_metadata=md)
    assert md.executed_ops == [z.op.name]
    assert len(md.partition_graphs) == 1


# ---------------------------------------------------------------- public accessors
def test_rename_op_keeps_the_name_table_and_random_streams_are_per_session():
    g = tf.get_default_graph()
    a = tf.constant(1.0, name="a")
    g.rename_op(a.op, "b")
    assert a.op.name == "b" and g.get_operation_by_name("b") is a.op
    with pytest.raises(KeyError):
        g.get_operation_by_name("a")
    tf.set_random_seed(3)
    r = tf.random_normal((3,))
    s1, s2 = tf.Session(), tf.Session()
    np.testing.assert_array_equal(s1.run(r), s2.run(r))
    assert s1.random_stream(r.op, lambda: None) is not s2.random_stream(r.op, lambda: None)


def test_a_pipeline_object_is_handed_to_the_session():
    seen = []

    def pipeline(session, plan, fetches, fed, vals):
        seen.append(len(plan.ops))
        return plan
    x = tf.placeholder(tf.float32, ())
    sess = tf.Session(pipeline=pipeline)
    assert sess.run(x + 1.0, {x: 1.0}) == 2.0
    assert seen == [2]
