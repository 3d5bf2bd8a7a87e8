"""tf.gradients: values against finite differences, TF1's semantics, and the architecture rule
that every gradient comes from the core's reverse_pass and the primitives' vjp rules."""

import inspect
import pathlib

import numpy as np
import pytest

import dlcore.autodiff
import dlcore_static as tf

RNG = np.random.default_rng(0)


def numeric_grad(f, x, eps=1e-6):
    g = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        xp, xm = x.copy(), x.copy()
        xp[i] += eps
        xm[i] -= eps
        g[i] = (f(xp) - f(xm)) / (2 * eps)
    return g


CASES = {
    "mlp": (lambda x, w: tf.reduce_sum(tf.maximum(tf.matmul(x, w), 0.1) ** 2),
            [(3, 4), (4, 2)]),
    "softmax_ce": (lambda x, w: tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(
        labels=tf.nn.softmax(w), logits=x)), [(3, 4), (3, 4)]),
    "tanh_sigmoid": (lambda x, w: tf.reduce_sum(tf.tanh(x) * tf.sigmoid(w)), [(2, 3), (2, 3)]),
    "exp_log_sqrt": (lambda x, w: tf.reduce_sum(tf.exp(x) + tf.log(w * w + 1) +
                                                tf.sqrt(w * w + 1)), [(4,), (4,)]),
    "broadcast_div": (lambda x, w: tf.reduce_mean(x / (tf.abs(w) + 1.0)), [(3, 4), (4,)]),
    "reshape_transpose_concat": (lambda x, w: tf.reduce_sum(
        tf.concat([tf.transpose(tf.reshape(x, (4, 3))), w], axis=1) ** 2), [(3, 4), (3, 2)]),
    "reduce_max_min": (lambda x, w: tf.reduce_sum(tf.reduce_max(x, axis=1) *
                                                  tf.reduce_min(w, axis=0)), [(3, 4), (2, 3)]),
    "where_stack": (lambda x, w: tf.reduce_sum(tf.where(x > 0, x * 3.0, w) +
                                               tf.stack([x, w])[1]), [(5,), (5,)]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradients_match_finite_differences(name):
    fn, shapes = CASES[name]
    xs = [tf.placeholder(tf.float64, s) for s in shapes]
    y = fn(*xs)
    grads = tf.gradients(y, xs)
    vals = [RNG.standard_normal(s) for s in shapes]
    with tf.Session() as sess:
        got = sess.run(grads, dict(zip(xs, vals)))
        for i, (x, v) in enumerate(zip(xs, vals)):
            def f(arr, i=i):
                feed = dict(zip(xs, vals))
                feed[xs[i]] = arr
                return float(sess.run(y, feed))
            np.testing.assert_allclose(got[i], numeric_grad(f, v.copy()), rtol=1e-5, atol=1e-6)


def test_stop_gradients_gives_partial_derivatives():
    a = tf.constant(0.0)
    b = 2 * a
    total = tf.gradients(a + b, [a, b])
    partial = tf.gradients(a + b, [a, b], stop_gradients=[a, b])
    with tf.Session() as sess:
        assert sess.run(total) == [3.0, 1.0]
        assert sess.run(partial) == [1.0, 1.0]


def test_stop_gradient_op():
    x = tf.constant(3.0)
    y = tf.stop_gradient(x * x) + x
    with tf.Session() as sess:
        assert sess.run(tf.gradients(y, x)) == [1.0]


def test_unconnected_gradients_none_or_zero():
    x = tf.placeholder(tf.float32, (2,))
    z = tf.placeholder(tf.float32, (3,))
    y = tf.reduce_sum(x * x)
    assert tf.gradients(y, [x, z])[1] is None
    g = tf.gradients(y, [z], unconnected_gradients="zero")[0]
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(g, {z: np.ones(3)}), np.zeros(3))


def test_sums_over_ys_and_paths_and_grad_ys_weights():
    x = tf.placeholder(tf.float32, ())
    y1 = x * x           # 2x
    y2 = 3 * x + x       # 4 (two paths)
    g = tf.gradients([y1, y2], x)[0]
    gw = tf.gradients([y1, y2], x, grad_ys=[2.0, 10.0])[0]
    with tf.Session() as sess:
        assert sess.run(g, {x: 5.0}) == 14.0
        assert sess.run(gw, {x: 5.0}) == 2 * 10.0 + 10 * 4.0


def test_gradient_of_gradient():
    x = tf.placeholder(tf.float64, (3,))
    y = tf.reduce_sum(x ** 3)
    g, = tf.gradients(y, x)
    h, = tf.gradients(tf.reduce_sum(g), x)
    with tf.Session() as sess:
        np.testing.assert_allclose(sess.run(h, {x: [1.0, 2.0, -1.0]}), [6.0, 12.0, -6.0])


def test_gradients_with_respect_to_variables_and_integers():
    v = tf.Variable([1.0, 2.0])
    i = tf.constant([1, 2])
    y = tf.reduce_sum(v * v * tf.cast(i, tf.float32))
    gv, gi = tf.gradients(y, [v, i])
    assert gi is None                        # integer tensors are constants
    with tf.Session() as sess:
        sess.run(v.initializer)
        np.testing.assert_array_equal(sess.run(gv), [2.0, 8.0])


def test_gradient_nodes_are_in_the_graph():
    x = tf.placeholder(tf.float32, (2,))
    n = len(tf.get_default_graph().get_operations())
    tf.gradients(tf.reduce_sum(x * x), x)
    new = tf.get_default_graph().get_operations()[n:]
    assert any(op.name.startswith("gradients/") for op in new)


def test_gradients_use_the_cores_reverse_pass(monkeypatch):
    """tf.gradients runs the core's reverse_pass specialised to graph tensors
    (gradients._graph_pass); with the general routine in its place (backprop_general) it
    calls the core's, and tests/static/test_graph_pass.py holds the two graphs equal."""
    calls = []
    real = dlcore.autodiff.reverse_pass

    def spy(*a, **k):
        calls.append(1)
        return real(*a, **k)
    import sys
    G = sys.modules["dlcore_static.gradients"]
    monkeypatch.setattr(G, "reverse_pass", spy)
    monkeypatch.setattr(G, "backprop", G.backprop_general)
    x = tf.placeholder(tf.float32, (2,))
    tf.gradients(tf.reduce_sum(x * x), x)
    assert calls


def test_no_gradient_rule_lives_in_the_front_end():
    """The front end never defines a Primitive or a vjp of its own."""
    root = pathlib.Path(inspect.getfile(tf)).parent
    for f in root.rglob("*.py"):
        src = f.read_text()
        assert "Primitive(" not in src, f
        assert "def_vjp" not in src and ".vjp =" not in src, f
