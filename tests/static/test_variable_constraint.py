"""A variable's ``constraint`` as TF 1.15: ``tf.Variable(constraint=)`` and
``tf.get_variable(constraint=)`` keep it, and every ``tf.train`` optimizer assigns
``constraint(v)`` after its update of ``v``."""
import numpy as np
import pytest

import dlcore_static as tf


@pytest.mark.parametrize("make", ["Variable", "get_variable"])
def test_optimizers_project_after_each_update(make):
    clip = lambda v: tf.clip_by_value(v, -1.0, 1.0)
    if make == "Variable":
        w = tf.Variable([0.5, -0.5, 0.0], constraint=clip, name="w")
    else:
        w = tf.get_variable("w", initializer=tf.constant([0.5, -0.5, 0.0]), constraint=clip)
    assert w.constraint is clip
    x = tf.placeholder(tf.float32, [3])
    loss = -tf.reduce_sum(w * x)
    step = tf.train.GradientDescentOptimizer(1.0).minimize(loss)
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        s.run(step, {x: np.array([2.0, -0.25, 0.5], np.float32)})
        # update: [2.5, -0.75, 0.5] -> projected [1.0, -0.75, 0.5]
        np.testing.assert_allclose(s.run(w), [1.0, -0.75, 0.5])


def test_momentum_and_adam_project_too_and_unconstrained_variables_are_untouched():
    w = tf.Variable([3.0, -3.0], constraint=lambda v: v / tf.norm(v), name="w")
    u = tf.Variable([3.0, -3.0], name="u")
    loss = tf.reduce_sum(w) + tf.reduce_sum(u)
    train = tf.train.AdamOptimizer(0.1).minimize(loss)
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        s.run(train)
        got_w, got_u = s.run([w, u])
    np.testing.assert_allclose(np.linalg.norm(got_w), 1.0, rtol=1e-6)
    np.testing.assert_allclose(got_u, [2.9, -3.1], rtol=1e-5)       # Adam's first step: lr
    assert u.constraint is None


def test_a_constraint_that_is_not_callable_is_refused():
    with pytest.raises(ValueError, match="The `constraint` argument must be a callable."):
        tf.Variable(1.0, constraint=3)
    assert tf.global_variables() == []


def test_a_scopes_constraint_is_the_default_of_its_variables():
    nonneg = lambda v: tf.maximum(v, 0.0)
    with tf.variable_scope("s", constraint=nonneg):
        a = tf.get_variable("a", initializer=tf.constant([1.0, -1.0]))
        with tf.variable_scope("inner"):
            b = tf.get_variable("b", initializer=tf.constant([2.0]))
        c = tf.get_variable("c", initializer=tf.constant([0.0]), constraint=tf.abs)
    assert a.constraint is nonneg and b.constraint is nonneg and c.constraint is tf.abs
    assert tf.get_variable("d", [1]).constraint is None
