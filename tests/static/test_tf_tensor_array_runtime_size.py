"""``tf.TensorArray(size=<a tensor>)``: an array whose size is known only when the graph runs
(``tf.shape(x)[0]``, a fed count), so one graph serves inputs of any length: values against
NumPy, gradients against central differences, with and without the compiler's passes, and
errors."""

from __future__ import annotations

import numpy as np
import pytest
from static_gradcheck import numeric_grad

import dlcore_static as tf

RNG = np.random.default_rng(7)


def np_scan(x, u):
    """out[0] = x[0]; out[t] = tanh(out[t - 1] * u + x[t])."""
    out = [x[0]]
    for t in range(1, len(x)):
        out.append(np.tanh(out[-1] * u + x[t]))
    return np.stack(out)


@pytest.mark.parametrize("passes", ["none", "all"])
def test_run_time_size_scan_values_gradients_and_size(passes):
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float64, [None, 2])
        u = tf.placeholder(tf.float64, [2])
        c = tf.placeholder(tf.float64, [None, 2])
        n = tf.shape(x)[0]
        ta = tf.TensorArray(tf.float64, size=n, clear_after_read=False).unstack(x)

        def body(t, ta):
            return t + 1, ta.write(t, tf.tanh(ta.read(t - 1) * u + x[t]))

        _, ta = tf.while_loop(lambda t, ta: t < n, body, [1, ta])
        ys, size = ta.stack(), ta.size()
        loss = tf.reduce_sum(ys * c)
        grads = tf.gradients(loss, [x, u])
    with tf.Session(graph=g, passes=passes) as sess:
        # one graph, any length (with passes, one: each new length is a plan to compile)
        for length in ((3, 5, 3) if passes == "none" else (4,)):
            xv, uv = RNG.standard_normal((length, 2)), RNG.standard_normal(2)
            cv = RNG.standard_normal((length, 2))
            feed = {x: xv, u: uv, c: cv}
            for _ in range(2):                   # with passes: the second run is compiled
                yv, sv, gx, gu = sess.run([ys, size] + grads, feed)
            np.testing.assert_allclose(yv, np_scan(xv, uv), rtol=1e-12)
            assert sv == length and sv.dtype == np.int32
            np.testing.assert_allclose(
                gx, numeric_grad(lambda a: np.sum(np_scan(a, uv) * cv), xv), rtol=1e-6)
            np.testing.assert_allclose(
                gu, numeric_grad(lambda a: np.sum(np_scan(xv, a) * cv), uv), rtol=1e-6)


def test_run_time_size_scatter_and_gather():
    n = tf.placeholder(tf.int32, [])
    ix = tf.placeholder(tf.int32, [None])
    v = tf.placeholder(tf.float32, [None, 3])
    ta = tf.TensorArray(tf.float32, size=n, element_shape=[3]).scatter(ix, v)
    picked = ta.gather([2, 0])
    with tf.Session() as sess:
        vals = np.arange(6, dtype=np.float32).reshape(2, 3)
        full, got = sess.run([ta.stack(), picked], {n: 4, ix: [2, 0], v: vals})
    np.testing.assert_array_equal(full, [vals[1], np.zeros(3), vals[0], np.zeros(3)])
    np.testing.assert_array_equal(got, vals)


def test_run_time_size_errors():
    with pytest.raises(TypeError, match="TensorArray: size must be a scalar int, got float32"):
        tf.TensorArray(tf.float32, size=tf.placeholder(tf.float32, []))
    with pytest.raises(NotImplementedError, match="dynamic_size=True needs a size known"):
        tf.TensorArray(tf.float32, size=tf.placeholder(tf.int32, []), dynamic_size=True)
    ta = tf.TensorArray(tf.float32, size=tf.placeholder(tf.int32, []))
    with pytest.raises(ValueError, match=r"the element shape must be fully known, got "
                                         r"\[None, 3\]"):
        ta.write(0, tf.placeholder(tf.float32, [None, 3]))


@pytest.mark.parametrize("passes", ["none", "all"])
def test_a_read_write_array_is_not_kept_per_iteration_for_the_gradient(passes):
    """The gradient of reading the array needs only its shape, so the loop's history keeps one
    (n, H) buffer, not one per iteration: 200 iterations over a 200 x 50 float64 array would
    otherwise keep 16 MB."""
    import tracemalloc

    n, h = 200, 50
    x = tf.placeholder(tf.float64, [n, h])
    ta = tf.TensorArray(tf.float64, size=n, clear_after_read=False).unstack(x)

    def body(t, ta):
        return t + 1, ta.write(t, tf.tanh(ta.read(t - 1)) + ta.read(t))

    _, ta = tf.while_loop(lambda t, ta: t < n, body, [1, ta])
    gx = tf.gradients(tf.reduce_sum(ta.read(n - 1)), x)[0]
    xv = RNG.standard_normal((n, h)) * 0.1
    with tf.Session(passes=passes) as sess:
        for _ in range(2):
            sess.run(gx, {x: xv})
        tracemalloc.start()
        try:
            got = sess.run(gx, {x: xv})
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    want = np.zeros((n, h))                 # d out[n-1] / d x by the chain rule, backwards
    outs = [xv[0]]
    for t in range(1, n):
        outs.append(np.tanh(outs[-1]) + xv[t])
    g = np.ones(h)
    for t in range(n - 1, 0, -1):
        want[t] += g
        g = g * (1 - np.tanh(outs[t - 1]) ** 2)
    want[0] += g
    np.testing.assert_allclose(got, want, rtol=1e-10)
    assert peak < 4e6, f"peak {peak / 1e6:.1f} MB"


def test_reading_past_a_run_time_size_names_the_node():
    n, i = tf.placeholder(tf.int32, []), tf.placeholder(tf.int32, [])
    ta = tf.TensorArray(tf.float32, size=n, element_shape=[2]).unstack(tf.ones([3, 2]))
    r = ta.read(i)
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(r, {n: 3, i: 2}), [1.0, 1.0])
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"index 5 is out of bounds for dimension 0 with size 3"
                                 r"(.|\n)*TensorArrayRead"):
            sess.run(r, {n: 3, i: 5})
