"""Building a graph per batch at eager speed (issue 19, session 9): what the fast paths of node
construction must keep exactly as before.

* ``tf.gradients`` locates its nodes once, at its caller's line, instead of walking the stack
  for each node; a custom gradient's ``grad_fn`` and a vjp rule defined outside dlcore still
  locate their nodes in the user's code, as the walk does.
* ``Graph.unique_name`` makes the same names as TensorFlow (case-insensitive, a taken
  ``Add_1`` skipped).
* The shape rules' cache gives each new input shape its own result.
"""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf
from dlcore.ops import elementwise as _ew
from dlcore.registry import AVal, Primitive, forget

HERE = "test_build_fast_paths.py"


def _line(fn, offset: int) -> str:
    return f"{HERE}:{fn.__code__.co_firstlineno + offset}"


def test_gradient_nodes_are_located_at_the_gradients_call(fresh_graph):
    x = tf.placeholder(tf.float32, (2, 3))
    w = tf.placeholder(tf.float32, (3, 4))
    y = tf.reduce_sum(tf.tanh(tf.matmul(x, w)))
    first = len(fresh_graph.get_operations())
    gw, = tf.gradients(y, [w])
    where = _line(test_gradient_nodes_are_located_at_the_gradients_call, 5)
    new = fresh_graph.get_operations()[first:]
    assert len(new) >= 5 and {op.defined_at for op in new} == {where}
    z = tf.tanh(x)                      # after the call, the walk again
    assert z.op.defined_at == _line(test_gradient_nodes_are_located_at_the_gradients_call, 9)
    with tf.Session() as s:             # and the values are the gradient's
        xv = np.arange(6, dtype=np.float32).reshape(2, 3) / 10
        wv = np.ones((3, 4), np.float32) / 3
        got = s.run(gw, {x: xv, w: wv})
    t = np.tanh(xv @ wv)
    np.testing.assert_allclose(got, xv.T @ (1 - t * t), rtol=1e-5)


def test_custom_gradient_nodes_keep_the_grad_fn_line(fresh_graph):
    @tf.custom_gradient
    def clip(v):
        def grad(dy):
            return tf.clip_by_value(dy, -0.1, 0.1)
        return tf.identity(v), grad

    x = tf.placeholder(tf.float32, (3,))
    y = clip(x * 2.0)
    first = len(fresh_graph.get_operations())
    g, = tf.gradients(tf.reduce_sum(y), [x])
    new = fresh_graph.get_operations()[first:]
    grad_line = _line(test_custom_gradient_nodes_keep_the_grad_fn_line, 4)
    call_line = _line(test_custom_gradient_nodes_keep_the_grad_fn_line, 10)
    where = {op.defined_at for op in new}
    assert grad_line in where and call_line in where and where <= {grad_line, call_line}
    with tf.Session() as s:
        np.testing.assert_allclose(s.run(g, {x: np.ones(3, np.float32)}), [0.2, 0.2, 0.2])


def _user_vjp(g, y, a):
    return (tf.multiply(g, 3.0),)       # a vjp rule written in the user's file


def test_a_user_primitives_vjp_nodes_keep_its_line():
    triple = Primitive("s9_triple", lambda a: AVal(a.shape, a.dtype), _user_vjp,
                       kernels={"cpu": lambda a: a * 3})
    try:
        x = tf.placeholder(tf.float32, (2,))
        y = triple.bind(x)
        g, = tf.gradients(y, [x])
        assert g.op.defined_at == _line(_user_vjp, 1)
        with tf.Session() as s:
            np.testing.assert_allclose(s.run(g, {x: np.ones(2, np.float32)}), [3.0, 3.0])
    finally:
        forget("s9_triple")


def test_a_shape_error_in_a_gradient_names_the_gradients_call():
    x = tf.placeholder(tf.float32, (2, 3))
    with pytest.raises(TypeError, match="xs must be Tensors"):
        tf.gradients(tf.reduce_sum(x), [3.0])
    # the location was restored after the error: later nodes are located by the walk again
    y = tf.tanh(x)
    assert y.op.defined_at == _line(test_a_shape_error_in_a_gradient_names_the_gradients_call,
                                    5)


def test_unique_names_as_tensorflow(fresh_graph):
    a = tf.placeholder(tf.float32, (2,), name="a")
    tf.identity(a, name="Add_1")        # a taken name is skipped
    names = [tf.add(a, a).op.name for _ in range(3)]
    assert names == ["Add", "Add_2", "Add_3"]
    assert tf.identity(a, name="add").op.name == "add_4"      # case-insensitive, as TF
    assert fresh_graph.unique_name("Add", mark_as_used=False) == "Add_5"
    assert fresh_graph.unique_name("Add", mark_as_used=False) == "Add_5"
    with tf.name_scope("s"):
        # (TF1 names the operator's op "mul": math_ops' _OverrideBinaryOperatorHelper)
        assert (a * a).op.name == "s/mul" and (a * a).op.name == "s/mul_1"
    all_names = [op.name for op in fresh_graph.get_operations()]
    assert len(all_names) == len(set(all_names))


def test_the_rule_cache_follows_input_shapes():
    for n in (2, 3, 2, 5):
        a = tf.placeholder(tf.float32, (1, n))
        b = tf.placeholder(tf.float32, (n, 4))
        assert tf.matmul(a, b).shape.as_list() == [1, 4]
        assert (a + a).shape.as_list() == [1, n]
        assert tf.concat([a, a], 1).shape.as_list() == [1, 2 * n]
    with pytest.raises(ValueError, match=r"Dimensions must be equal, but are 5 and 3"):
        tf.matmul(tf.placeholder(tf.float32, (1, 5)), tf.placeholder(tf.float32, (3, 4)))


def test_promote_keeps_dtypes_apart():
    a = tf.placeholder(tf.float32, (2,))
    b = tf.placeholder(tf.float64, (2,))
    x, y = _ew._promote(a, a)
    assert x is a and y is a
    x, y = _ew._promote(a, b)            # the core promotes (tf.add refuses, TypeError)
    assert x.dtype == tf.float64 and y is b
    with pytest.raises(TypeError):
        tf.add(a, b)


def _types(graph, first: int) -> list[str]:
    return [op.type for op in graph.get_operations()[first:]]


def test_row_slices_gradients_sum_as_one_scatter(fresh_graph):
    """Slices of rows (an embedding read per leaf, a graph built per batch) keep their
    gradient as rows until summed: one ScatterAdd instead of a SliceScatter and a dense add per
    slice; repeated and negative rows add up as before."""
    e = tf.placeholder(tf.float32, (6, 3))
    w = np.arange(1, 10, dtype=np.float32).reshape(3, 3)
    parts = [e[1:2], e[4:6], e[-2:-1], e[1:2], e[0:3]]
    y = tf.add_n([tf.reduce_sum(p * w[:p.shape[0]] * (k + 1)) for k, p in enumerate(parts)])
    first = len(fresh_graph.get_operations())
    g, = tf.gradients(y, [e])
    kinds = _types(fresh_graph, first)
    assert kinds.count("ScatterAdd") == 1 and "SliceScatter" not in kinds
    want = np.zeros((6, 3), np.float32)
    for k, rows in enumerate([[1], [4, 5], [4], [1], [0, 1, 2]]):
        want[rows] += w[:len(rows)] * (k + 1)
    ev = np.random.default_rng(0).standard_normal((6, 3)).astype(np.float32)
    with tf.Session() as s:
        np.testing.assert_allclose(s.run(g, {e: ev}), want, rtol=1e-6)


def test_row_slices_gradients_with_dense_terms_and_second_order(fresh_graph):
    e = tf.placeholder(tf.float32, (4, 2))
    one = tf.reduce_sum(tf.square(e[1:3]))           # one slice: its SliceScatter, as before
    first = len(fresh_graph.get_operations())
    g1, = tf.gradients(one, [e])
    assert "SliceScatter" in _types(fresh_graph, first)
    y = tf.reduce_sum(tf.square(e[0:2])) + tf.reduce_sum(tf.square(e[1:4])) + \
        tf.reduce_sum(e * 3.0)                         # slices and a dense term
    g, = tf.gradients(y, [e])
    gg, = tf.gradients(tf.reduce_sum(tf.square(tf.gradients(
        tf.reduce_sum(tf.square(e[0:2])) + tf.reduce_sum(tf.square(e[1:4])), [e])[0])), [e])
    ev = np.arange(8, dtype=np.float32).reshape(4, 2) / 4
    count = np.array([1, 2, 1, 1], np.float32)[:, None]
    with tf.Session() as s:
        got1, got, got2 = s.run([g1, g, gg], {e: ev})
    np.testing.assert_allclose(got1, 2 * ev * np.array([0, 1, 1, 0], np.float32)[:, None])
    np.testing.assert_allclose(got, 2 * ev * count + 3.0, rtol=1e-6)
    np.testing.assert_allclose(got2, 8 * ev * count ** 2, rtol=1e-6)  # d/de sum (2 e c)^2


def test_a_weight_is_transposed_once_per_gradients_call(fresh_graph):
    """The matmul vjp's transpose of a weight used by several products is one node per
    tf.gradients call (a graph built per batch); a user's gradient function keeps its own.
    (A stack of rows times the weight: a product of two matrices has the weight's transpose
    as a flag of its gradient's MatMul instead, tests/static/test_matmul_transpose_flags.py.)"""
    x = tf.placeholder(tf.float32, (2, 2, 3))
    w = tf.placeholder(tf.float32, (3, 3))
    h = x
    for _ in range(3):
        h = tf.tanh(tf.matmul(h, w))

    @tf.custom_gradient
    def twice(v):
        def grad(dy):
            a, b = tf.transpose(dy, name="mine"), tf.transpose(dy, name="mine")
            return tf.transpose(a + b) * 0.5
        return tf.identity(v), grad

    y = tf.reduce_sum(twice(h))
    gx, gw = tf.gradients(y, [x, w])
    gx2, = tf.gradients(y, [x])
    ops = fresh_graph.get_operations()
    of_w = [op for op in ops if op.type == "Transpose" and op.inputs[0] is w]
    assert len(of_w) == 2                       # one per gradients call
    assert sum(op.name.rsplit("/", 1)[-1].startswith("mine") for op in ops) == 4
    rng = np.random.default_rng(1)
    xv, wv = rng.standard_normal((2, 2, 3)), rng.standard_normal((3, 3))
    hs = [xv]
    for _ in range(3):
        hs.append(np.tanh(hs[-1] @ wv))
    g, want_w = np.ones((2, 2, 3)), np.zeros((3, 3))
    for k in range(3, 0, -1):
        d = g * (1 - hs[k] ** 2)
        want_w += hs[k - 1].reshape(-1, 3).T @ d.reshape(-1, 3)
        g = d @ wv.T
    with tf.Session() as s:
        got = s.run([gx, gw, gx2], {x: xv.astype(np.float32), w: wv.astype(np.float32)})
    np.testing.assert_allclose(got[0], g, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(got[1], want_w, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(got[2], g, rtol=1e-4, atol=1e-6)


def test_cotangents_of_three_or_more_uses_sum_in_one_addn(fresh_graph):
    x = tf.placeholder(tf.float32, (2, 3))
    two = tf.reduce_sum(tf.sin(x) + x)                  # two uses: one Add, as before
    first = len(fresh_graph.get_operations())
    g2, = tf.gradients(two, [x])
    kinds = _types(fresh_graph, first)
    assert "AddN" not in kinds and "Add" in kinds
    y = tf.reduce_sum(tf.sin(x) * 2.0 + tf.exp(x) + x * 3.0)
    first = len(fresh_graph.get_operations())
    g3, = tf.gradients(y, [x])
    kinds = _types(fresh_graph, first)
    assert kinds.count("AddN") == 1 and "Add" not in kinds
    xv = np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3)
    with tf.Session() as s:
        got2, got3 = s.run([g2, g3], {x: xv})
    np.testing.assert_allclose(got2, np.cos(xv) + 1, rtol=1e-6)
    np.testing.assert_allclose(got3, 2 * np.cos(xv) + np.exp(xv) + 3, rtol=1e-6)


def test_ops_without_control_inputs_share_one_unchangeable_empty_list(fresh_graph):
    a = tf.placeholder(tf.float32, (2,))
    b = a + 1.0
    assert b.op.control_inputs == [] and isinstance(b.op.control_inputs, list)
    with pytest.raises(TypeError, match="cannot be changed in place"):
        b.op.control_inputs.append(a.op)
    assert a.op.control_inputs == [] and b.op.control_inputs == []
    with tf.control_dependencies([b]):
        c = a * 2.0
    b.op._add_control_inputs([a.op])          # an op gets its own list
    assert c.op.control_inputs == [b.op] and b.op.control_inputs == [a.op]
    assert a.op.control_inputs == [] and (a - 1.0).op.control_inputs == []
