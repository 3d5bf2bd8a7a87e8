"""Misuse of the static front end: build-time errors are ValueError/TypeError (an axis out of
range also IndexError) naming the node, its type, the real input shapes and the file:line of
the user's code; run-time errors name the tensor; and no variable changes.

A case is ``(id, fn, exc, pattern)``; ``fn(tf, x, sess)`` misuses the graph that holds the
placeholder ``x`` of shape (3, 2) and the variable ``w`` (initialised in ``sess``).
"""

from __future__ import annotations

import os

import numpy as np
import pytest

import dlcore_static as tf

HERE = os.path.basename(__file__)
AT = rf"\(node '[^']+' defined at {HERE}:\d+\)"


def _shapes(*s):
    return r"with input shapes: " + r", ".join(rf"\[{','.join(map(str, x))}\]" for x in s)


BUILD: list = []
for op, typ in [("reduce_sum", "Sum"), ("reduce_max", "Max"), ("reduce_min", "Min"),
                ("reduce_prod", "Prod"), ("reduce_any", "Any"), ("reduce_all", "All")]:
    for axis in (5, -3, 2):
        needs_bool = op in ("reduce_any", "reduce_all")
        BUILD.append((f"{op}_axis{axis}",
                      (lambda op, axis, nb: lambda tf, x, s: getattr(tf, op)(
                          tf.cast(x, tf.bool) if nb else x, axis=axis))(op, axis, needs_bool),
                      IndexError, rf"but got {axis}\).*'{typ}'.*{_shapes((3, 2))}.*{AT}"))
for axis in (7, -5, 4):
    BUILD.append((f"expand_dims{axis}", (lambda a: lambda tf, x, s: tf.expand_dims(x, a))(axis),
                  IndexError, rf"but got {axis}\).*'ExpandDims'.*{_shapes((3, 2))}.*{AT}"))
for perm, exc in [((0, 5), IndexError), ((1, 2, 3), ValueError), ((0, 0), ValueError),
                  ((1,), ValueError), ((2, -3), IndexError)]:
    BUILD.append((f"transpose{perm}", (lambda p: lambda tf, x, s: tf.transpose(x, p))(perm),
                  exc, rf"perm.*'Transpose'.*{_shapes((3, 2))}.*{AT}"))
for other in [(3, 2), (4, 4), (1, 3), (5, 2)]:
    BUILD.append((f"matmul{other}", (lambda o: lambda tf, x, s: tf.matmul(x, tf.zeros(o)))(other),
                  ValueError, rf"Dimensions must be equal.*'MatMul'.*{_shapes((3, 2), other)}.*"
                  rf"{AT}"))
for other in [(4,), (3, 3), (2, 3), (5, 1, 4)]:
    BUILD.append((f"add{other}", (lambda o: lambda tf, x, s: x + tf.zeros(o))(other), ValueError,
                  rf"Dimensions must be equal.*{_shapes((3, 2), other)}.*{AT}"))
    BUILD.append((f"mul{other}", (lambda o: lambda tf, x, s: tf.multiply(x, tf.zeros(o)))(other),
                  ValueError, rf"Dimensions must be equal.*{_shapes((3, 2), other)}.*{AT}"))
for new in [(4,), (5, 2), (7, -1)]:
    BUILD.append((f"reshape{new}", (lambda n: lambda tf, x, s: tf.reshape(x, n))(new), ValueError,
                  r"reshape.*\[3,2\]"))
for other in [(3, 3), (2, 3)]:
    BUILD.append((f"concat{other}", (lambda o: lambda tf, x, s: tf.concat([x, tf.zeros(o)], 0))(
        other), ValueError, r"must be equal.*\[3,2\]"))
BUILD += [
    ("add_dtype", lambda tf, x, s: x + tf.zeros((3, 2), tf.int32), TypeError,
     r"int32.*float32|float32.*int32"),
    ("matmul_dtype", lambda tf, x, s: tf.matmul(x, tf.zeros((2, 2), tf.float64)), TypeError,
     r"float64|double"),
    ("assign_shape", lambda tf, x, s: s.w.assign(tf.zeros((5,))), ValueError,
     r"shapes \(1, 2\) and \(5,\) are incompatible"),
    ("assign_dtype", lambda tf, x, s: s.w.assign(tf.zeros((1, 2), tf.int32)), TypeError,
     r"Input 'value' of 'Assign' Op has type int32"),
]

RUN: list = [
    ("feed_shape", lambda tf, x, s: s.run(x, {x: np.zeros((2, 4), np.float32)}), ValueError,
     r"Cannot feed value of shape \(2, 4\) for Tensor 'x:0'"),
    ("feed_rank", lambda tf, x, s: s.run(x, {x: np.zeros(3, np.float32)}), ValueError,
     r"Cannot feed value of shape \(3,\) for Tensor 'x:0'"),
    ("feed_object", lambda tf, x, s: s.run(x, {x: object()}), TypeError,
     r"Tensor 'x:0'"),
    ("feed_string", lambda tf, x, s: s.run(x, {x: "abc"}), ValueError, r"Tensor 'x:0'"),
    ("feed_missing", lambda tf, x, s: s.run(x * 2.0), Exception,
     r"placeholder.*'x'|'x'.*placeholder|must feed a value"),
]


class _State:
    def __init__(self):
        self.graph = tf.Graph()
        with self.graph.as_default():
            self.x = tf.placeholder(tf.float32, (3, 2), name="x")
            self.w = tf.Variable(np.array([[1.5, -2.0]], np.float32), name="w")
            self.sess = tf.Session(graph=self.graph)
            self.sess.run(self.w.initializer)
            self.sess.w = self.w

    def value(self):
        return self.sess.run(self.w.value())


@pytest.fixture(scope="module")
def state():
    return _State()


@pytest.mark.parametrize("case", BUILD + RUN, ids=[c[0] for c in BUILD + RUN])
def test_static_misuse_names_the_node_and_changes_nothing(case, state):
    name, fn, exc, pattern = case
    before = state.value()
    n_ops = len(state.graph.get_operations())
    with state.graph.as_default():
        with pytest.raises(exc, match="(?s)" + pattern):
            fn(tf, state.x, state.sess)
    np.testing.assert_array_equal(state.value(), before)
    if case in BUILD:       # a failed build adds no node for the failing op
        assert all(op.name != name for op in state.graph.get_operations()[n_ops:])


def test_feed_object_is_a_type_error_as_tf1():
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, (2,))
        with tf.Session() as s:
            with pytest.raises(TypeError, match="Tensor 'Placeholder:0'"):
                s.run(x, {x: object()})


@pytest.mark.parametrize("dt, want", [(tf.int32, np.float64), (tf.int64, np.float64)])
def test_int_true_division_is_float_as_tf1(dt, want):
    with tf.Graph().as_default():
        a, b = tf.constant(3, dt), tf.constant(2, dt)
        with tf.Session() as s:
            got = s.run(a / b)
            assert np.asarray(got).dtype == want and got == 1.5
            assert s.run(a / 2) == 1.5


def test_at_least_50_static_cases():
    assert len(BUILD + RUN) >= 50
