"""tf.nn.leaky_relu as one LeakyRelu op (dlcore.ops.activations.leaky_relu_p) and its gradient
as one LeakyReluGrad op: TensorFlow's values and dtypes (an integer input as float32), the
gradient against central differences, the compiled (fused) plan against the interpreter bit
for bit, and the op types of the graph."""

from __future__ import annotations

import numpy as np
import pytest
from static_gradcheck import check_value_and_gradient

import dlcore_static as tf
from dlcore_static.compiler import Pipeline


def _ref(x, alpha):
    return np.where(x > 0, x, x * x.dtype.type(alpha))


@pytest.mark.parametrize("alpha", [0.2, 0.01, -0.5, 1.7])
@pytest.mark.parametrize("passes", [(), "all"])
def test_value_and_gradient_against_finite_differences(alpha, passes):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 6))
    x[np.abs(x) < 1e-3] = 0.5
    check_value_and_gradient(lambda p: tf.nn.leaky_relu(p, alpha), lambda v: _ref(v, alpha),
                             x, rng, passes=passes)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_compiled_plan_matches_interpreter_bit_for_bit(dtype):
    rng = np.random.default_rng(1)
    a = rng.standard_normal((6, 9)).astype(dtype)
    a.flat[:5] = [np.nan, -0.0, 0.0, np.inf, -np.inf]
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(dtype, (6, 9))
        outs = []
        for alpha in (0.2, 0.01, -0.5, 1.7):
            y = tf.nn.leaky_relu(x * 3.0 + 1.0, alpha=alpha)          # fused with its inputs
            (gx,) = tf.gradients(tf.reduce_sum(y * y), [x])
            outs += [y, gx]
    with tf.Session(graph=g, passes=()) as s:
        interpreted = s.run(outs, {x: a})
    with tf.Session(graph=g, pipeline=Pipeline("all", after=1)) as s:
        compiled = s.run(outs, {x: a})
    for u, v in zip(interpreted, compiled):
        assert u.dtype == v.dtype == dtype and u.tobytes() == v.tobytes()
    np.testing.assert_array_equal(interpreted[0], _ref(a * dtype(3.0) + dtype(1.0), 0.2))


def test_one_op_each_way_and_tensorflow_names():
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, (3,))
        y = tf.nn.leaky_relu(x)
        z = tf.nn.leaky_relu(x, 0.1, name="lr")
        (gx,) = tf.gradients(tf.reduce_sum(y), [x])
    types = [o.type for o in g.get_operations()]
    assert types.count("LeakyRelu") == 2 and "LeakyReluGrad" in types
    assert "Select" not in types and "Greater" not in types
    assert y.name == "LeakyRelu:0" and z.name == "lr:0"
    with tf.Session(graph=g) as s:
        got = s.run([y, z, gx], {x: np.array([1.0, -2.0, 0.0], np.float32)})
    np.testing.assert_array_equal(got[0], np.array([1.0, -2.0 * np.float32(0.2), 0.0],
                                                   np.float32))
    np.testing.assert_array_equal(got[2], np.array([1.0, 0.2, 0.2], np.float32))


def test_integer_input_is_computed_in_float32_as_tensorflow():
    with tf.Graph().as_default():
        y = tf.nn.leaky_relu(tf.constant(np.array([3, -2], np.int32)), alpha=np.array(0.5))
        assert y.dtype == tf.float32
        with tf.Session() as s:
            np.testing.assert_array_equal(s.run(y), np.array([3.0, -1.0], np.float32))
