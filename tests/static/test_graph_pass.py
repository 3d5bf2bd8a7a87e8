"""``tf.gradients``' reverse pass (``gradients._graph_pass``: the core's ``reverse_pass``
specialised to graph tensors, issue 19) builds the very graph the core's general routine builds
with the front end's callbacks (``gradients.backprop_general``): the same nodes in the same
order, named the same, with the same inputs and parameters, and the same values."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import dlcore
import dlcore_static as tf

G = sys.modules["dlcore_static.gradients"]
CF = sys.modules["dlcore_static.control_flow"]


def _tree(rng):
    ph = {k: tf.placeholder(tf.float32, s, name=k)
          for k, s in (("E", (10, 4)), ("W", (8, 4)), ("b", (1, 4)), ("w_out", (4, 1)))}

    def encode(node):
        if isinstance(node, int):
            return ph["E"][node:node + 1]
        h = tf.concat([encode(node[0]), encode(node[1])], 1)
        return tf.tanh(tf.matmul(h, ph["W"]) + ph["b"])

    roots = tf.concat([encode(((1, 2), 3)), encode((4, (5, (6, 1))))], 0)
    loss = tf.reduce_mean(tf.square(tf.matmul(roots, ph["w_out"]) - [[0.5], [-1.0]]))
    xs = [ph[k] for k in ("E", "W", "b", "w_out")]
    feed = {p: rng.standard_normal(p.shape.as_list()).astype(np.float32) for p in xs}
    return tf.gradients(loss, xs), feed


def _odd(rng):
    """Repeated and unseeded ys, grad_ys, stop_gradients, an integer path, an unconnected x, a
    custom gradient, a Variable's reads, a value wanted and also passed through."""
    x = tf.placeholder(tf.float32, (3, 2), name="x")
    z = tf.placeholder(tf.float32, (3, 2), name="z")
    v = tf.Variable(np.full((3, 2), 0.5, np.float32), name="v")

    @tf.custom_gradient
    def clip_grad(a):
        return tf.identity(a), lambda dy: tf.clip_by_value(dy, -0.1, 0.1)

    i = tf.cast(x * 3.0, tf.int32)
    h = tf.sin(x) * v + tf.cast(i, tf.float32) + clip_grad(x * x)
    s = tf.stop_gradient(h * 2.0)
    y1 = tf.reduce_sum(h * s + x)
    y2 = tf.reduce_sum(tf.square(h) * v)
    out = tf.gradients([y1, y2, y1], [x, z, v, h], grad_ys=[2.0, None, 0.5],
                       stop_gradients=[s])
    out += tf.gradients(y2, [x, h], unconnected_gradients="zero")
    feed = {x: rng.standard_normal((3, 2)).astype(np.float32)}
    return [o for o in out if o is not None], feed


def _control_flow(rng):
    x = tf.placeholder(tf.float32, (2, 2), name="x")
    _, y = tf.while_loop(lambda i, a: i < 3, lambda i, a: (i + 1, tf.tanh(a @ x)), [0, x])
    c = tf.cond(tf.reduce_sum(x) > 0, lambda: y * 2.0, lambda: tf.exp(y))
    feed = {x: rng.standard_normal((2, 2)).astype(np.float32) * 0.5}
    return tf.gradients(tf.reduce_sum(c), x), feed


def _graph(make, backprop):
    """The ops ``make`` builds with ``backprop`` as tf.gradients' pass, and their values."""
    g = tf.Graph()
    G_backprop, CF_backprop = G.backprop, CF.backprop
    G.backprop = CF.backprop = backprop     # (cond/while gradients' sub-graphs: control_flow's)
    try:
        with g.as_default():
            outs, feed = make(np.random.default_rng(0))
    finally:
        G.backprop, CF.backprop = G_backprop, CF_backprop
    ops = [(op.name, op.type, tuple(t.name for t in op.inputs),
            tuple(c.name for c in op.control_inputs), repr(op.params))
           for op in g.get_operations()]
    with g.as_default(), tf.Session(graph=g, passes=()) as s:   # (the pass is what's tested)
        s.run(tf.global_variables_initializer())
        vals = s.run(outs, feed)
    return ops, vals


@pytest.mark.parametrize("make", [_tree, _odd, _control_flow])
def test_the_graph_pass_builds_the_general_routines_graph(make):
    fast_ops, fast_vals = _graph(make, G.backprop)
    ops, vals = _graph(make, G.backprop_general)
    assert len(fast_ops) > 20
    assert fast_ops == ops
    assert len(fast_vals) == len(vals)
    for a, b in zip(fast_vals, vals):
        np.testing.assert_array_equal(a, b)


def test_cond_and_while_gradients_use_the_patched_pass():
    calls = []

    def spy(*a, **k):
        calls.append(k.get("stop") is not None)
        return G.backprop_general(*a, **k)
    _graph(_control_flow, spy)
    assert True in calls and False in calls     # sub-graph passes (with a stop) and the outer


def test_backprop_general_is_the_cores_reverse_pass(monkeypatch):
    calls = []
    real = dlcore.autodiff.reverse_pass

    def spy(*a, **k):
        calls.append(1)
        return real(*a, **k)
    monkeypatch.setattr(G, "reverse_pass", spy)
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, (2,))
        G.backprop_general([tf.reduce_sum(x * x)], [tf.constant([1.0])[0]], [x])
    assert calls


def test_a_vjp_rule_giving_a_wrong_shape_is_named_as_the_core_names_it():
    """The cotangent check: a rule's cotangent of the wrong shape is the core's AssertionError
    naming the node, through either pass."""
    for backprop in (G.backprop, G.backprop_general):
        with tf.Graph().as_default():
            x = tf.placeholder(tf.float32, (2, 3), name="x")

            @tf.custom_gradient
            def bad(a):
                return tf.identity(a), lambda dy: tf.reduce_sum(dy, 0)

            y = tf.reduce_sum(bad(x))
            with pytest.raises(AssertionError, match=r"shape \(2, 3\).*shape \(3,\).*"
                               r"flowing out of node 'Identity(_\d+)?'"):
                backprop([y], [tf.ones_like(y)], [x])
