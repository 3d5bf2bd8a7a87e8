"""``tf.TensorArray`` in and out of ``tf.while_loop``: a TF1-style custom RNN collecting its
outputs (values against a NumPy loop, gradients against central differences), inputs read
from an unstacked array, element shapes given or learned from the first write, the other
methods, and errors."""

from __future__ import annotations

import doctest

import numpy as np
import pytest
from static_gradcheck import numeric_grad

import dlcore_static as tf

RNG = np.random.default_rng(3)
T, B, D, H = 4, 2, 3, 2


def np_rnn(x, w, u):
    h = np.zeros((x.shape[1], H))
    outs = []
    for t in range(x.shape[0]):
        h = np.tanh(x[t] @ w + h @ u)
        outs.append(h)
    return np.stack(outs)


def build_rnn(x, w, u, element_shape=None):
    """The TF1 custom-RNN pattern: inputs unstacked into a TensorArray, outputs written to one."""
    inputs = tf.TensorArray(tf.float64, size=T).unstack(x)
    outputs = tf.TensorArray(tf.float64, size=T, element_shape=element_shape)
    h0 = tf.zeros_like(tf.matmul(inputs.read(0), w))

    def body(t, h, out):
        h = tf.tanh(tf.matmul(inputs.read(t), w) + tf.matmul(h, u))
        return t + 1, h, out.write(t, h)

    _, h, out = tf.while_loop(lambda t, *_: t < T, body, [tf.constant(0), h0, outputs])
    return out.stack(), h


@pytest.mark.parametrize("element_shape", [None, [None, H]])
def test_custom_rnn_values_and_gradients(element_shape):
    x = RNG.standard_normal((T, B, D))
    w = RNG.standard_normal((D, H)) * 0.5
    u = RNG.standard_normal((H, H)) * 0.5
    xp = tf.placeholder(tf.float64, [T, None, D])          # batch unknown when building
    wp = tf.placeholder(tf.float64, [D, H])
    up = tf.placeholder(tf.float64, [H, H])
    ys, h = build_rnn(xp, wp, up, element_shape)
    assert ys.shape.as_list() == [T, None, H]
    c = RNG.standard_normal((T, B, H))
    loss = tf.reduce_sum(ys * c) + tf.reduce_sum(h)
    grads = tf.gradients(loss, [xp, wp, up])
    feed = {xp: x, wp: w, up: u}
    with tf.Session() as s:
        yv, hv, gx, gw, gu = s.run([ys, h] + grads, feed)
    ref = np_rnn(x, w, u)
    np.testing.assert_allclose(yv, ref, rtol=1e-12)
    np.testing.assert_allclose(hv, ref[-1], rtol=1e-12)

    def f(xv, wv, uv):
        r = np_rnn(xv, wv, uv)
        return np.sum(r * c) + np.sum(r[-1])
    np.testing.assert_allclose(gx, numeric_grad(lambda v: f(v, w, u), x), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(gw, numeric_grad(lambda v: f(x, v, u), w), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(gu, numeric_grad(lambda v: f(x, w, v), u), rtol=1e-6, atol=1e-8)
    with tf.Session() as s:                                  # another batch size, same graph
        assert s.run(ys, {xp: x[:, :1], wp: w, up: u}).shape == (T, 1, H)


def test_methods_outside_loops():
    ta = tf.TensorArray(tf.float32, size=4)
    ta = ta.write(0, [1.0, 2.0]).write(3, [7.0, 8.0])
    ta = ta.scatter([1, 2], [[3.0, 4.0], [5.0, 6.0]])
    ta2 = ta.write(0, [9.0, 9.0])                            # a new array; ta is unchanged
    with tf.Session() as s:
        st, rd, ga, cc, sz, st2 = s.run([ta.stack(), ta.read(2), ta.gather([3, 0]), ta.concat(),
                                         ta.size(), ta2.stack()])
    np.testing.assert_array_equal(st, [[1, 2], [3, 4], [5, 6], [7, 8]])
    np.testing.assert_array_equal(rd, [5, 6])
    np.testing.assert_array_equal(ga, [[7, 8], [1, 2]])
    np.testing.assert_array_equal(cc, [1, 2, 3, 4, 5, 6, 7, 8])
    assert sz == 4 and ta.dtype == tf.float32 and ta.element_shape.as_list() == [2]
    np.testing.assert_array_equal(st2[0], [9, 9])
    assert isinstance(ta.close(), tf.Operation)


def test_scatter_gradient_and_loop_over_a_given_shape():
    v = RNG.standard_normal((2, 3))
    p = tf.placeholder(tf.float64, [2, 3])
    ta = tf.TensorArray(tf.float64, size=3, element_shape=[3]).scatter([2, 0], p)
    y = ta.stack()
    w = RNG.standard_normal((3, 3))
    (g,) = tf.gradients(tf.reduce_sum(y * w), [p])
    with tf.Session() as s:
        yv, gv = s.run([y, g], {p: v})
    np.testing.assert_allclose(yv, [v[1], [0, 0, 0], v[0]])
    np.testing.assert_allclose(gv, w[[2, 0]])


def test_errors():
    with pytest.raises(ValueError, match="Size must be provided"):
        tf.TensorArray(tf.float32)
    ta = tf.TensorArray(tf.float32, size=2, element_shape=[3])
    with pytest.raises(TypeError, match="TensorArray dtype is float32 but Op is trying to write "
                                        "dtype int32"):
        ta.write(0, tf.constant([1, 2, 3]))
    with pytest.raises(ValueError, match=r"Inconsistent shapes: saw \(2,\) but expected \(3,\)"):
        ta.write(0, [1.0, 2.0])
    with pytest.raises(ValueError, match="Tried to write to index 2 but array is not resizeable "
                                         "and size is: 2"):
        ta.write(2, [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="value has 3 rows but the array's size is 2"):
        ta.unstack(np.zeros((3, 3), np.float32))
    with pytest.raises(ValueError, match="has no element shape yet"):
        tf.TensorArray(tf.float32, size=2).stack()
    empty = tf.TensorArray(tf.float32, size=2)
    with pytest.raises(ValueError, match="the loop body does not write it; give element_shape"):
        tf.while_loop(lambda t, a: t < 2, lambda t, a: (t + 1, a), [0, empty])
    with pytest.raises(NotImplementedError, match="dynamic_size=True needs a size known"):
        tf.TensorArray(tf.float32, size=tf.placeholder(tf.int32, []), dynamic_size=True)


def test_loop_variable_structures():
    ta = tf.TensorArray(tf.float32, size=3, element_shape=[])
    only = tf.while_loop(lambda a: tf.constant(False), lambda a: a, [ta])   # unpacked, as TF1
    assert isinstance(only, tf.TensorArray)
    state = {"t": tf.constant(0), "acc": ta}

    def body(s):
        return {"t": s["t"] + 1,
                "acc": s["acc"].write(s["t"], tf.cast(s["t"], tf.float32) * 2)}
    (res,) = tf.while_loop(lambda s: s["t"] < 3, body, [state])       # two leaves: a list
    nested = tf.while_loop(lambda t, p: t < 3,
                           lambda t, p: (t + 1, (p[0].write(t, 1.0), p[1] + 1.0)),
                           (tf.constant(0), (ta, tf.constant(0.0))))
    assert isinstance(nested, tuple) and isinstance(nested[1][0], tf.TensorArray)
    with tf.Session() as s:
        np.testing.assert_array_equal(s.run(res["acc"].stack()), [0.0, 2.0, 4.0])
        np.testing.assert_array_equal(s.run(nested[1][0].stack()), [1.0, 1.0, 1.0])
        assert s.run(nested[1][1]) == 3.0


def test_dynamic_size_grows_in_a_loop_of_unknown_length():
    x = tf.placeholder(tf.float64, [None, None, H])          # time and batch unknown
    w = tf.placeholder(tf.float64, [None, None, H])
    ta = tf.TensorArray(tf.float64, size=0, dynamic_size=True)
    assert ta.dynamic_size

    def body(t, ta):
        return t + 1, ta.write(t, tf.tanh(tf.gather(x, t)) * 2.0)

    _, ta = tf.while_loop(lambda t, ta: t < tf.shape(x)[0], body, [tf.constant(0), ta])
    st, n = ta.stack(), ta.size()
    (g,) = tf.gradients(tf.reduce_sum(st * w), [x])
    xv, wv = RNG.standard_normal((5, 2, H)), RNG.standard_normal((5, 2, H))
    with tf.Session() as s:
        sv, nv, gv = s.run([st, n, g], {x: xv, w: wv})
        assert s.run(n, {x: np.zeros((0, 2, H))}) == 0
        assert s.run(ta.concat(), {x: xv[:3]}).shape == (6, H)
    np.testing.assert_allclose(sv, np.tanh(xv) * 2, rtol=1e-12)
    np.testing.assert_allclose(gv, wv * 2 * (1 - np.tanh(xv) ** 2), rtol=1e-12)
    assert nv == 5 and nv.dtype == np.int32


def test_dynamic_size_outside_loops_and_its_limits():
    ta = tf.TensorArray(tf.float32, size=1, dynamic_size=True)
    ta = ta.write(0, [1.0]).write(1, [2.0]).write(0, [5.0])          # append, then overwrite
    ta3 = ta.write(2, [3.0])
    skip = ta.write(3, [9.0])
    un = tf.TensorArray(tf.float32, size=0, dynamic_size=True).unstack([[1.0], [2.0]])
    with tf.Session() as s:
        np.testing.assert_array_equal(s.run(ta.stack()), [[5.0], [2.0]])
        np.testing.assert_array_equal(s.run(ta3.stack()), [[5.0], [2.0], [3.0]])
        assert s.run([ta.size(), ta3.size()]) == [2, 3]
        np.testing.assert_array_equal(s.run(un.write(2, [7.0]).stack()), [[1.0], [2.0], [7.0]])
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"grows one element at a time: tried to write index\] \[3\] "
                                 r"\[but its size is\] \[2\]"):      # (tf.Assert's format)
            s.run(skip.stack())
    with pytest.raises(NotImplementedError, match="scatter on a dynamic_size array"):
        ta.scatter([0], [[1.0]])


def test_plain_while_loop_is_unchanged():
    i, acc = tf.while_loop(lambda i, a: i < 3, lambda i, a: (i + 1, a * 2.0),
                           [tf.constant(0), tf.constant(1.0)])
    single = tf.while_loop(lambda i: i < 5, lambda i: i + 2, tf.constant(0))
    with tf.Session() as s:
        assert s.run([i, acc, single]) == [3, 8.0, 6]


def test_docstring_examples_run():
    import dlcore_static.tensor_array as m
    runner = doctest.DocTestRunner()
    tests = [t for t in doctest.DocTestFinder().find(m) if t.examples]
    assert len(tests) == 2
    for t in tests:
        with tf.Graph().as_default():
            runner.run(t)
    assert runner.failures == 0


def test_training_a_custom_rnn_through_the_loop():
    """minimize() through while_loop + TensorArray: the loss of a tiny sequence regression
    falls, and the variables are the only trainable ones."""
    tf.set_random_seed(1)
    x = tf.placeholder(tf.float32, [T, None, D])
    y = tf.placeholder(tf.float32, [T, None, 1])
    w = tf.get_variable("w", [D, H], initializer=tf.random_normal_initializer(stddev=0.3))
    u = tf.get_variable("u", [H, H], initializer=tf.random_normal_initializer(stddev=0.3))
    v = tf.get_variable("v", [H, 1], initializer=tf.random_normal_initializer(stddev=0.3))
    xs = tf.TensorArray(tf.float32, size=T).unstack(x)
    out = tf.TensorArray(tf.float32, size=T)

    def body(t, h, out):
        h = tf.tanh(tf.matmul(xs.read(t), w) + tf.matmul(h, u))
        return t + 1, h, out.write(t, tf.matmul(h, v))

    h0 = tf.zeros_like(tf.matmul(xs.read(0), w))
    _, _, out = tf.while_loop(lambda t, *_: t < T, body, [0, h0, out])
    loss = tf.reduce_mean(tf.square(out.stack() - y))
    train = tf.train.AdamOptimizer(0.05).minimize(loss)
    xv = RNG.standard_normal((T, 8, D)).astype(np.float32)
    yv = np.cumsum(xv[..., :1], axis=0) * 0.3
    with tf.Session(passes=()) as s:          # the interpreter: no compile time in the suite
        s.run(tf.global_variables_initializer())
        first = s.run(loss, {x: xv, y: yv})
        for _ in range(40):
            s.run(train, {x: xv, y: yv})
        last = s.run(loss, {x: xv, y: yv})
    assert last < 0.5 * first
