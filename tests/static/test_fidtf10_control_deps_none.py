"""tf.control_dependencies(None) inside a cond branch or a while_loop body clears the
control-flow context too, as TF 1.15's _ControlDependenciesController does (it sets the
graph's control-flow context to None until the block ends): an op made there is outside the
loop/branch, runs once, and can be fetched; the body's other ops stay inside.  (dlcore kept
the context: the op was a body op.)"""
import numpy as np

import dlcore_static as tf


def test_an_op_made_under_control_dependencies_none_in_a_loop_body_is_outside_the_loop():
    with tf.Graph().as_default() as g:
        made = {}

        def body(i, acc):
            with tf.control_dependencies(None):
                made["c"] = tf.constant(np.float32(2.5), name="outside")
            made["inside"] = tf.add(acc, 1.0, name="inside")
            return i + 1, made["inside"] * made["c"]

        _, out = tf.while_loop(lambda i, acc: i < 3, body, [tf.constant(0), tf.constant(0.0)])
        assert made["c"].op._ctx is None
        assert made["inside"].op._ctx is not None
        assert g.get_operation_by_name("while/outside") is made["c"].op   # (the name scope stays)
        with tf.Session() as s:
            acc = 0.0
            for _ in range(3):
                acc = (acc + 1.0) * 2.5
            np.testing.assert_allclose(s.run(out), acc, rtol=1e-6)
            assert s.run(made["c"]) == np.float32(2.5)      # fetchable: not in the loop


def test_control_dependencies_none_in_a_cond_branch_and_the_context_restored():
    with tf.Graph().as_default():
        p = tf.placeholder(tf.bool, [])
        x = tf.constant(3.0)
        made = {}

        def true_fn():
            with tf.control_dependencies(None):
                made["k"] = tf.constant(10.0, name="k")
            made["after"] = x * 2.0                     # back inside the branch
            return made["after"] + made["k"]

        y = tf.cond(p, true_fn, lambda: x)
        assert made["k"].op._ctx is None and made["after"].op._ctx is not None
        with tf.Session() as s:
            assert s.run(y, {p: True}) == 16.0
            assert s.run(y, {p: False}) == 3.0
            assert s.run(made["k"]) == 10.0
