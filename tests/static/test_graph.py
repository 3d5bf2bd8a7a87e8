"""Graphs, names, name scopes, control dependencies, build-time errors."""

import re

import numpy as np
import pytest

import dlcore_static as tf


def test_default_graph_and_as_default():
    g = tf.Graph()
    assert tf.get_default_graph() is not g
    with g.as_default():
        c = tf.constant(1.0)
        assert tf.get_default_graph() is g
    assert c.graph is g


def test_unique_op_names_and_tensor_names():
    a = tf.constant(1.0, name="c")
    b = tf.constant(2.0, name="c")
    c = tf.constant(3.0, name="c")
    assert [a.op.name, b.op.name, c.op.name] == ["c", "c_1", "c_2"]
    assert a.name == "c:0"
    m = tf.matmul(tf.ones((2, 2)), tf.ones((2, 2)))
    assert m.op.type == "MatMul" and m.name == "MatMul:0"


def test_name_scopes_nest_and_reuse_gets_suffix():
    with tf.name_scope("outer"), tf.name_scope("inner"):
        c = tf.constant(1.0, name="c")
    with tf.name_scope("outer"):
        d = tf.constant(1.0, name="c")
    assert c.op.name == "outer/inner/c"
    assert d.op.name == "outer_1/c"


def test_user_name_argument():
    x = tf.placeholder(tf.float32, (2,), name="x")
    y = tf.add(x, 1.0, name="y")
    assert y.name == "y:0"
    assert tf.get_default_graph().get_tensor_by_name("y:0") is y
    assert tf.get_default_graph().get_operation_by_name("x") is x.op


def test_static_shapes_print_like_tensorflow():
    x = tf.placeholder(tf.float32, shape=[None, 3])
    assert str(x.shape) == "(?, 3)"
    assert x.shape.as_list() == [None, 3]
    assert x.get_shape().ndims == 2
    y = tf.matmul(x, tf.ones((3, 4)))
    assert y.shape.as_list() == [None, 4]
    assert x.dtype == tf.float32 and x.dtype == np.float32


def test_a_shape_of_unknown_rank_as_in_tensorflow():
    # len() and indexing used to fail with "NoneType" TypeErrors (found by mypy)
    s = tf.placeholder(tf.float32).shape
    with pytest.raises(ValueError, match="^Cannot take the length of shape with unknown rank.$"):
        len(s)
    assert s[0] is None
    assert s[1:].ndims is None and str(s[1:]) == "<unknown>"


def test_build_time_shape_error_names_the_node_and_line():
    x = tf.placeholder(tf.float32, shape=[None, 900])
    w = tf.ones((300, 400))
    for _ in range(6):
        tf.matmul(tf.ones((2, 2)), tf.ones((2, 2)))
    with pytest.raises(ValueError, match=re.escape(
            "Dimensions must be equal, but are 900 and 300 for 'MatMul_6' (op: 'MatMul') with "
            "input shapes: [?,900], [300,400].")) as e:
        tf.matmul(x, w)
    assert "test_graph.py:" in str(e.value)


def test_broadcast_shape_error():
    with pytest.raises(ValueError, match=r"Dimensions must be equal, but are 3 and 4 for 'Add'"):
        tf.ones((2, 3)) + tf.ones((2, 4))


def test_tensor_as_python_bool_points_to_cond():
    x = tf.constant(1.0)
    with pytest.raises(TypeError, match=re.escape(
            "Using a `tf.Tensor` as a Python `bool` is not allowed. Use `if t is not None:` "
            "instead of `if t:` to test if a tensor is defined, and use TensorFlow ops such as "
            "tf.cond to execute subgraphs conditioned on the value of a tensor.")):
        if x > 0:
            pass


def test_finalized_graph_refuses_new_ops():
    g = tf.get_default_graph()
    tf.constant(1.0)
    g.finalize()
    with pytest.raises(RuntimeError, match="Graph is finalized and cannot be modified."):
        tf.constant(2.0)


def test_tensors_from_two_graphs_do_not_mix():
    a = tf.constant(1.0)
    with tf.Graph().as_default():
        b = tf.constant(2.0)
        with pytest.raises(ValueError, match="must be from the same graph"):
            tf.add(b, a)


def test_control_dependencies_apply_to_ops_constructed_inside():
    a = tf.constant(1.0, name="a")
    x = tf.constant(2.0, name="x")
    outside = tf.identity(x, name="outside")
    with tf.control_dependencies([a]):
        y = x                                   # the classic gotcha: no op is created
        z = tf.identity(x, name="z")
        with tf.control_dependencies([outside]):
            w = tf.identity(x, name="w")
        with tf.control_dependencies(None):
            u = tf.identity(x, name="u")
    assert y is x and x.op.control_inputs == []
    assert z.op.control_inputs == [a.op]
    assert w.op.control_inputs == [a.op, outside.op]
    assert u.op.control_inputs == []
    assert outside.op.control_inputs == []


def test_collections():
    v = tf.Variable(1.0, name="v")
    w = tf.Variable(2.0, name="w", trainable=False)
    assert tf.global_variables() == [v, w]
    assert tf.trainable_variables() == [v]
    assert tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES) == [v]


def test_operators_build_nodes():
    x = tf.placeholder(tf.float32, (2,))
    ops = [x + 1, 1 + x, x - 1, 1 - x, x * 2, 2 * x, x / 2, 2 / x, x ** 2, 2 ** x, -x, abs(x),
           x < 1, x <= 1, x > 1, x >= 1, x[0]]
    assert all(isinstance(t, tf.Tensor) for t in ops)
    with tf.Session() as sess:
        vals = sess.run(ops, {x: [1.0, 4.0]})
    xv = np.array([1.0, 4.0], np.float32)
    expect = [xv + 1, 1 + xv, xv - 1, 1 - xv, xv * 2, 2 * xv, xv / 2, 2 / xv, xv ** 2, 2 ** xv,
              -xv, abs(xv), xv < 1, xv <= 1, xv > 1, xv >= 1, xv[0]]
    for v, e in zip(vals, expect):
        np.testing.assert_allclose(v, e, rtol=1e-6)
    assert vals[0].dtype == np.float32           # Python scalars are weak


def test_len_and_iter_fail_clearly():
    x = tf.ones((2, 2))
    with pytest.raises(TypeError, match="only iterable when eager execution"):
        iter(x)
    with pytest.raises(TypeError, match="len is not well defined"):
        len(x)


def test_mixed_dtypes_are_a_type_error_as_in_tensorflow():
    a = tf.constant([1.0], dtype=tf.float32)
    b = tf.constant([1.0], dtype=tf.float64)
    with pytest.raises(TypeError, match="Input 'y' of 'Add' Op has type float64 that does not "
                       "match type float32 of argument 'x'."):
        a + b
    with pytest.raises(TypeError, match="'MatMul' Op"):
        tf.matmul(tf.ones((2, 2)), tf.ones((2, 2), tf.float64))
    assert (a + np.float64(2.0)).dtype == tf.float32     # non-tensors take the tensor's dtype
