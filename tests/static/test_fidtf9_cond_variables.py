"""Variables made inside tf.cond branches and loop bodies, as TF 1.15 makes them.

TF 1.15's ``RefVariable._init_from_args`` builds a variable's ops (its initial value, the
variable, its Assign and its read) under ``ops.init_scope()``: outside any control-flow context
and any control dependencies.  So a variable made in one branch of a ``tf.cond`` is an ordinary
outer tensor that the other branch may reuse (``variable_scope(reuse=True)`` / AUTO_REUSE),
that the initializer group runs, and that gradients reach through whichever branch was taken.
A *tensor* initial value made inside the branch is TF's ValueError.
"""

import numpy as np
import pytest

import dlcore_static as tf

X = np.array([3.0, -4.0], np.float32)


def _cond_sharing(reuse):
    """``y = cond(p, x * w, x + w)`` with ``w`` made in the true branch and reused by the
    false one (whose own initializer TF ignores)."""
    x = tf.placeholder(tf.float32, [2])
    p = tf.placeholder(tf.bool, [])

    def true_fn():
        with tf.variable_scope("s", reuse=tf.AUTO_REUSE):
            w = tf.get_variable("w", [2], initializer=tf.constant_initializer([1.0, 2.0]))
        return x * w

    def false_fn():
        with tf.variable_scope("s", reuse=reuse):
            w = tf.get_variable("w", [2], initializer=tf.constant_initializer([5.0, 6.0]))
        return x + w

    y = tf.cond(p, true_fn, false_fn)
    return x, p, y


@pytest.mark.parametrize("reuse", [True, tf.AUTO_REUSE])
def test_a_variable_made_in_one_branch_is_reused_by_the_other(reuse):
    with tf.Graph().as_default():
        x, p, y = _cond_sharing(reuse)
        (w,) = tf.trainable_variables()
        assert w.op.name == "s/w" and tf.global_variables() == [w]
        assert w.op.control_flow_context is None
        assert w.initializer.control_flow_context is None
        loss = tf.reduce_sum(y * y)
        (gw,) = tf.gradients(loss, [w])
        wv = np.array([1.0, 2.0], np.float32)
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            got_y, got_g = s.run([y, gw], {x: X, p: True})
            np.testing.assert_allclose(got_y, X * wv)
            np.testing.assert_allclose(got_g, 2 * (X * wv) * X)          # d/dw sum((x w)^2)
            got_y, got_g = s.run([y, gw], {x: X, p: False})
            np.testing.assert_allclose(got_y, X + wv)
            np.testing.assert_allclose(got_g, 2 * (X + wv))              # d/dw sum((x + w)^2)


def test_training_through_either_branch_updates_the_one_variable():
    with tf.Graph().as_default():
        x, p, y = _cond_sharing(tf.AUTO_REUSE)
        (w,) = tf.trainable_variables()
        step = tf.train.GradientDescentOptimizer(0.1).minimize(tf.reduce_sum(y * y))
        wv = np.array([1.0, 2.0], np.float32)
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            s.run(step, {x: X, p: True})
            wv = wv - 0.1 * 2 * (X * wv) * X
            np.testing.assert_allclose(s.run(w), wv, rtol=1e-6)
            s.run(step, {x: X, p: False})
            wv = wv - 0.1 * 2 * (X + wv)
            np.testing.assert_allclose(s.run(w), wv, rtol=1e-6)


def test_a_variable_used_in_one_branch_only_gets_a_zero_gradient_from_the_other():
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [2])
        p = tf.placeholder(tf.bool, [])

        def true_fn():
            w = tf.Variable(lambda: tf.constant([2.0, 3.0]), name="w")
            return x * w

        y = tf.cond(p, true_fn, lambda: x + 1.0)
        (w,) = tf.trainable_variables()
        assert w.op.name == "cond/w"                    # the branch's name scope stays
        (gw,) = tf.gradients(tf.reduce_sum(y), [w])
        with tf.Session() as s:
            s.run(w.initializer)
            np.testing.assert_allclose(s.run(gw, {x: X, p: True}), X)
            np.testing.assert_allclose(s.run(gw, {x: X, p: False}), [0.0, 0.0])


def test_a_tensor_initial_value_from_inside_a_branch_is_tfs_value_error():
    with tf.Graph().as_default():
        p = tf.placeholder(tf.bool, [])
        n_ops = []

        def true_fn():
            n_ops.append(len(tf.get_default_graph().get_operations()))
            return tf.Variable(tf.constant([1.0, 2.0]) * 2.0) * 1.0

        with pytest.raises(ValueError, match=r"^Initializer for variable cond/Variable/ is from "
                           r"inside a control-flow construct, such as a loop or conditional\. "
                           r"When creating a variable inside a loop or conditional, use a "
                           r"lambda as the initializer\.$"):
            tf.cond(p, true_fn, lambda: tf.constant([0.0, 0.0]))
        assert tf.global_variables() == []


def test_a_variable_made_in_a_while_body_is_made_once_outside_the_loop():
    with tf.Graph().as_default():
        def body(i, acc):
            with tf.variable_scope("loop", reuse=tf.AUTO_REUSE):
                w = tf.get_variable("w", [], initializer=tf.constant_initializer(1.5))
            return i + 1, acc * w

        _, out = tf.while_loop(lambda i, acc: i < 3, body, [tf.constant(0), tf.constant(2.0)])
        (w,) = tf.global_variables()
        assert w.op.control_flow_context is None
        (gw,) = tf.gradients(out, [w])
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            np.testing.assert_allclose(s.run(out), 2.0 * 1.5 ** 3, rtol=1e-6)
            np.testing.assert_allclose(s.run(gw), 2.0 * 3 * 1.5 ** 2, rtol=1e-6)  # d(2 w^3)/dw


def test_variables_ignore_the_control_dependencies_around_them():
    with tf.Graph().as_default():
        counter = tf.Variable(0.0, name="counter")
        bump = tf.assign_add(counter, 1.0)
        with tf.control_dependencies([bump]):
            v = tf.Variable(5.0, name="v")
            r = tf.identity(v)
        assert v.initializer.control_inputs == [] and v.op.control_inputs == []
        assert [c.name for c in r.op.control_inputs] == [bump.op.name]
        with tf.Session() as s:
            s.run(counter.initializer)
            s.run(v.initializer)                        # does not run `bump`
            assert s.run(counter) == 0.0
            assert s.run(r) == 5.0 and s.run(counter) == 1.0


def test_a_regularizer_of_a_branch_variable_is_made_outside_the_branch():
    with tf.Graph().as_default():
        p = tf.placeholder(tf.bool, [])

        def true_fn():
            w = tf.get_variable("w", [2], initializer=tf.constant_initializer([1.0, -2.0]),
                                regularizer=lambda t: tf.reduce_sum(tf.abs(t)))
            return tf.reduce_sum(w)

        tf.cond(p, true_fn, lambda: tf.constant(0.0))
        (reg,) = tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)
        assert reg.op.control_flow_context is None
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            assert s.run(reg) == 3.0                    # runs without feeding the predicate


def test_init_scope_leaves_a_branch_context_and_keeps_the_name_scope():
    with tf.Graph().as_default():
        p = tf.placeholder(tf.bool, [])
        made = {}

        def true_fn():
            with tf.init_scope():
                made["c"] = tf.constant(7.0, name="seven")
            return made["c"] + 1.0

        y = tf.cond(p, true_fn, lambda: tf.constant(0.0))
        c = made["c"]
        assert c.op.control_flow_context is None and c.op.name == "cond/seven"
        with tf.Session() as s:
            assert s.run(c) == 7.0 and s.run(y, {p: True}) == 8.0
