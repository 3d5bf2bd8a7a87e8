"""reliab21's probe of the static front end: what used to be silently accepted or wrong.

* ``v.assign(p)`` with ``p`` a placeholder of unknown rank: the value was broadcast into the
  variable, so feeding a scalar or a row filled the whole variable; TF1's Assign refuses any
  shape but the variable's when it runs, and the variable keeps its value."""

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
            for bad, words in [(np.ones(2), "rhs shape= [2]"), (np.float32(5), "rhs shape= []"),
                               (np.ones((1, 2)), "rhs shape= [1, 2]")]:
                with pytest.raises(tf.errors.InvalidArgumentError,
                                   match=r"Assign requires shapes of both tensors to match\. "
                                         r"lhs shape= \[3, 2\] " + words.replace("[", r"\[")
                                         .replace("]", r"\]")):
                    s.run(a, {p: bad})
                np.testing.assert_array_equal(s.run(v), np.arange(6).reshape(3, 2))
            np.testing.assert_array_equal(s.run(a, {p: np.full((3, 2), 2.0)}), np.full((3, 2), 2))
            s.run(step, {lr: 0.5})
            s.run(step, {lr: np.float32(0.25)})
            np.testing.assert_array_equal(s.run(v), np.full((3, 2), 1.25))
