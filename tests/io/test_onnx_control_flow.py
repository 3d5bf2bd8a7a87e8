"""ONNX export of static control flow: ``tf.cond`` as ONNX ``If`` and ``tf.while_loop`` as
``Loop`` (captured outer tensors, variables, maximum_iterations, nesting), run in onnxruntime
and compared with the Session's results for several feeds."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static.onnx_export import export as export_graph

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")


def _check(sess, proto, fetches, feeds_list):
    runner = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    for feeds in feeds_list:                # feeds in the order of the exported inputs
        want = sess.run(fetches, feeds)
        got = runner.run(None, {i.name: np.asarray(v) for i, v in
                                zip(proto.graph.input, feeds.values())})
        for g, w in zip(got, want):
            np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)


def _node_types(graph) -> set:
    out = set()
    for n in graph.node:
        out.add(n.op_type)
        for a in n.attribute:
            if a.g.node:
                out |= _node_types(a.g)
    return out


def test_cond_and_while_loop_export():
    tf.reset_default_graph()
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    p = tf.placeholder(tf.bool, [], name="p")
    n = tf.placeholder(tf.int32, [], name="n")
    w = tf.Variable(np.linspace(-1, 1, 9).reshape(3, 3).astype(np.float32) / 2, name="w")
    y = tf.cond(p, lambda: tf.matmul(x, w), lambda: tf.exp(x) - 1.0)
    i, acc = tf.while_loop(lambda i, a: i < n,
                           lambda i, a: (i + 1, tf.tanh(tf.matmul(a, w) + x)),
                           [tf.constant(0), y])
    fetches = [y, i, acc]
    rng = np.random.default_rng(0)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        proto = export_graph(sess, fetches, [x, p, n])
        assert {"If", "Loop", "MatMul", "Tanh"} <= _node_types(proto.graph)
        _check(sess, proto, fetches, [
            {x: rng.standard_normal((b, 3)).astype(np.float32), p: pv,
             n: np.array(nv, np.int32)}
            for b, pv, nv in ((2, True, 3), (4, False, 0), (1, False, 5))])


def test_nested_control_flow_and_maximum_iterations():
    """A cond inside a loop body, a loop inside a cond branch, and a loop whose condition
    never fails, stopped by maximum_iterations (ONNX's trip count)."""
    tf.reset_default_graph()
    x = tf.placeholder(tf.float32, [None, 2], name="x")
    limit = tf.placeholder(tf.float32, [], name="limit")
    j, z = tf.while_loop(lambda j, a: tf.reduce_sum(a) < limit,
                         lambda j, a: (j + 1, tf.cond(j > 1, lambda: a * 2.0,
                                                      lambda: a + 1.0)),
                         [tf.constant(0), tf.abs(x)], maximum_iterations=6)
    forever = tf.while_loop(lambda k, s: tf.constant(True), lambda k, s: (k + 2, s + x),
                            [tf.constant(1), tf.zeros_like(x)], maximum_iterations=4)
    inner = tf.cond(limit > 10.0,
                    lambda: tf.while_loop(lambda v: tf.reduce_max(v) < tf.minimum(limit, 30.0),
                                          lambda v: v + 3.0, x),
                    lambda: x * 0.0)
    fetches = [j, z, forever[0], forever[1], inner]
    rng = np.random.default_rng(1)
    with tf.Session() as sess:
        proto = export_graph(sess, fetches, [x, limit])
        _check(sess, proto, fetches, [
            {x: rng.standard_normal((b, 2)).astype(np.float32), limit: np.float32(lv)}
            for b, lv in ((3, 50.0), (2, 5.0), (1, 1e9))])
        assert sess.run(j, {x: np.ones((1, 2), np.float32), limit: 1e9}) == 6
        assert sess.run(forever[0], {x: np.ones((1, 2), np.float32), limit: 0.0}) == 9


@pytest.mark.parametrize("cell", ["gru_relu", "gru", "lstm"])
def test_dynamic_rnn_exports_as_a_loop(cell):
    """tf.nn.dynamic_rnn: a while_loop writing each step's output row (scatter_add) for a relu
    GRU cell; a tanh GRU cell's and an LSTM cell's are dlcore's fused layers (rnn_fused:
    gru_rb_seq, lstm_seq), a Loop of their own."""
    tf.reset_default_graph()
    tf.set_random_seed(2)
    x = tf.placeholder(tf.float32, [None, 4, 3], name="x")
    rnn_cell = {"gru_relu": lambda: tf.nn.rnn_cell.GRUCell(5, activation=tf.nn.relu),
                "gru": lambda: tf.nn.rnn_cell.GRUCell(5),
                "lstm": lambda: tf.nn.rnn_cell.BasicLSTMCell(5)}[cell]()
    out, state = tf.nn.dynamic_rnn(rnn_cell, x, dtype=tf.float32)
    fetches = [out, state if cell != "lstm" else state.h]
    rng = np.random.default_rng(2)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        proto = export_graph(sess, fetches, [x])
        types = _node_types(proto.graph)
        assert "Loop" in types and ("ScatterND" in types) == (cell == "gru_relu")
        _check(sess, proto, fetches, [{x: rng.standard_normal((b, 4, 3)).astype(np.float32)}
                                      for b in (2, 5)])
