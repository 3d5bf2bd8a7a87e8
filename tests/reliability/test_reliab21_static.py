"""reliab21's probe of the static front end: what used to be silently accepted or wrong.

* ``v.assign(p)`` with ``p`` a placeholder of unknown rank: the value was broadcast into the
  variable, so feeding a scalar or a row filled the whole variable; TF1's Assign refuses any
  shape but the variable's when it runs, and the variable keeps its value.
* ``v.assign_add(d)`` / ``assign_sub`` with ``d`` of another shape: broadcast into the variable
  (a (3,) delta added to every row of a (3, 3) variable); TF1 merges both shapes when built and
  its kernel checks a shape known only when it runs."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf


@pytest.mark.parametrize("passes", ["default", "none"])
def test_assign_of_an_unknown_rank_value_checks_its_shape_when_run(passes):
    with tf.Graph().as_default():
        v = tf.Variable(np.arange(6, dtype=np.float32).reshape(3, 2), name="v")
        p = tf.placeholder(tf.float32, None)
        a = v.assign(p)
        lr = tf.placeholder(tf.float32, None)          # TF1's shapeless learning rate
        step = v.assign(v - lr * tf.ones((3, 2)))
        with (tf.Session() if passes == "default" else tf.Session(passes=())) as s:
            s.run(v.initializer)
            for bad, words in [(np.ones(2), "[2]"), (np.float32(5), "[]"),
                               (np.ones((1, 2)), "[1,2]")]:
                with pytest.raises(tf.errors.InvalidArgumentError) as e:
                    s.run(a, {p: bad})
                assert str(e.value).startswith(
                    "Assign requires shapes of both tensors to match. lhs shape= [3,2] rhs "
                    f"shape= {words}\n"), str(e.value)
                assert e.value.op is a.op            # TF1's Assign node, where it was built
                np.testing.assert_array_equal(s.run(v), np.arange(6).reshape(3, 2))
            np.testing.assert_array_equal(s.run(a, {p: np.full((3, 2), 2.0)}), np.full((3, 2), 2))
            s.run(step, {lr: 0.5})
            s.run(step, {lr: np.float32(0.25)})
            np.testing.assert_array_equal(s.run(v), np.full((3, 2), 1.25))


def test_assign_add_and_sub_refuse_a_delta_of_another_shape_as_tf1():
    """TF1's AssignAdd/AssignSub merge both shapes when built (``MergeBothInputsShapeFn``); a
    (3,) delta of a (3, 3) variable was broadcast (added to every row), a scalar to all."""
    with tf.Graph().as_default():
        v = tf.Variable(np.zeros((3, 3), np.float32), name="v")
        with pytest.raises(ValueError, match=r"^Shapes must be equal rank, but are 2 and 1 for "
                                             r"'AssignAdd' \(op: 'AssignAdd'\) with input "
                                             r"shapes: \[3,3\], \[3\]\.$"):
            v.assign_add(np.ones(3, np.float32))
        with pytest.raises(ValueError, match=r"^Shapes must be equal rank, but are 2 and 0 for "
                                             r"'upd' \(op: 'AssignSub'\)"):
            v.assign_sub(1.0, name="upd")
        with pytest.raises(ValueError, match=r"^Dimension 1 in both shapes must be equal, but "
                                             r"are 3 and 2\. Shapes are \[3,3\] and \[3,2\]\."):
            tf.assign_add(v, np.ones((3, 2), np.float32))
        # no update was built (the deltas' constants were, as in TF1)
        assert [o.type for o in tf.get_default_graph().get_operations()
                if o.type not in ("Const", "VariableV2", "VariableRead")] == ["Assign"]
        p = tf.placeholder(tf.float32, None)
        q = tf.placeholder(tf.float32, (None, 3))
        up, uq = v.assign_add(p), v.assign_sub(q)
        good = v.assign_add(np.ones((3, 3), np.float32))
        s0 = tf.Variable(np.float32(0))
        count = s0.assign_add(1.0)
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            for op, ph, bad, kind, rhs in [(up, p, np.ones(3), "AssignAdd", "[3]"),
                                           (uq, q, np.ones((1, 3)), "AssignSub", "[1,3]")]:
                with pytest.raises(tf.errors.InvalidArgumentError) as e:
                    s.run(op, {ph: bad})
                assert str(e.value).startswith(
                    f"{kind} requires shapes of both tensors to match. lhs shape= [3,3] rhs "
                    f"shape= {rhs}\n"), str(e.value)
                assert e.value.op.name.startswith(kind)      # (its scope: AssignAdd/...)
            np.testing.assert_array_equal(s.run(v), np.zeros((3, 3)))
            s.run([good, count])
            s.run(up, {p: np.full((3, 3), 2.0)})
            s.run(uq, {q: np.ones((3, 3))})
            np.testing.assert_array_equal(s.run(v), np.full((3, 3), 2.0))
            assert s.run(s0) == 1.0
