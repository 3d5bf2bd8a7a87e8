"""TF1 programs that hit two build-time unknowns: tf.concat of inputs whose size along the
concat axis is known only at run time (the gradient slices by run-time sizes), and tf.uint8
image placeholders (the dtype round-trips: fed uint8 stays uint8, tf.cast to float works)."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf

from static_gradcheck import numeric_grad


@pytest.mark.parametrize("passes", [None, "all"])
def test_concat_gradient_with_run_time_sizes_axis0(passes):
    rng = np.random.default_rng(0)
    a = tf.placeholder(tf.float64, [None, 3])
    b = tf.placeholder(tf.float64, [None, 3])
    c = tf.placeholder(tf.float64, [2, 3])
    y = tf.concat([a, b, c], axis=0)
    assert y.shape.as_list() == [None, 3]
    av, bv, cv = rng.standard_normal((2, 3)), rng.standard_normal((4, 3)), \
        rng.standard_normal((2, 3))
    w = rng.standard_normal((8, 3))
    wt = tf.placeholder(tf.float64, [None, 3])
    loss = tf.reduce_sum(y ** 3 * wt)
    ga, gb, gc = tf.gradients(loss, [a, b, c])
    gga, = tf.gradients(tf.reduce_sum(ga), [a])              # through concat_part's vjp
    with tf.Session(passes=passes) as s:
        ra, rb, rc, rr = s.run([ga, gb, gc, gga], {a: av, b: bv, c: cv, wt: w})
        # another batch size with the same graph (and plan key per shape)
        ra5, = s.run([ga], {a: np.ones((5, 3)), b: bv, c: cv, wt: np.ones((11, 3))})
    full = np.concatenate([av, bv, cv])

    def f(v, lo, hi):
        x = full.copy()
        x[lo:hi] = v
        return np.sum(x ** 3 * w)
    np.testing.assert_allclose(ra, numeric_grad(lambda v: f(v, 0, 2), av), rtol=1e-6)
    np.testing.assert_allclose(rb, numeric_grad(lambda v: f(v, 2, 6), bv), rtol=1e-6)
    np.testing.assert_allclose(rc, numeric_grad(lambda v: f(v, 6, 8), cv), rtol=1e-6)
    np.testing.assert_allclose(rr, 6 * av * w[:2], rtol=1e-12)
    np.testing.assert_allclose(ra5, np.full((5, 3), 3.0))


def test_concat_gradient_unknown_axis1_and_optimizer():
    x1 = tf.placeholder(tf.float32, [None, None])
    x2 = tf.placeholder(tf.float32, [None, 2])
    w = tf.Variable(np.array([1.0, -1.0], np.float32))
    feats = tf.concat([x1, x2 * w], axis=1)
    loss = tf.reduce_sum(feats * feats)
    g1, = tf.gradients(loss, [x1])
    step = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    v1 = np.arange(6, dtype=np.float32).reshape(2, 3)
    v2 = np.ones((2, 2), np.float32)
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        np.testing.assert_allclose(s.run(g1, {x1: v1, x2: v2}), 2 * v1)
        s.run(step, {x1: v1, x2: v2})
        np.testing.assert_allclose(s.run(w), [1.0 - 0.1 * 4, -1.0 + 0.1 * 4], rtol=1e-6)


def test_uint8_placeholder_round_trips():
    x = tf.placeholder(tf.uint8, [None, 2, 2, 1], name="images")
    assert x.dtype == tf.uint8 and x.dtype.as_numpy_dtype is np.uint8
    assert repr(x) == "<tf.Tensor 'images:0' shape=(?, 2, 2, 1) dtype=uint8>"
    v = np.array([[[[0], [255]], [[128], [3]]]], np.uint8)
    f = tf.cast(x, tf.float32) / 255.0
    conv = tf.image.convert_image_dtype(x, tf.float32)
    plus = x + 1                                        # uint8 arithmetic wraps, as TF
    flip = tf.image.flip_left_right(x)
    back = tf.cast(f * 255.0, tf.uint8)
    for passes in (None, "all"):
        with tf.Session(passes=passes) as s:
            xv, fv, cv, pv, flv, bv = s.run([x, f, conv, plus, flip, back], {x: v})
        assert xv.dtype == np.uint8 and pv.dtype == np.uint8 and bv.dtype == np.uint8
        np.testing.assert_array_equal(xv, v)
        np.testing.assert_allclose(fv, v / np.float32(255), rtol=1e-6)
        np.testing.assert_allclose(cv, fv, rtol=1e-6)
        np.testing.assert_array_equal(pv, (v + np.uint8(1)))
        np.testing.assert_array_equal(flv, v[:, :, ::-1])
        np.testing.assert_array_equal(bv, v)


def test_uint8_image_pipeline_trains():
    """MNIST-style: uint8 pixels through tf.data and a uint8 placeholder, scaled in the graph."""
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, (12, 4, 4), dtype=np.uint8)
    labels = (images.reshape(12, -1).mean(1) > 127).astype(np.int64)
    ds = tf.data.Dataset.from_tensor_slices((images, labels)).map(
        lambda im, lb: (tf.cast(im, tf.float32) / 255.0, lb)).batch(6)
    it = ds.make_initializable_iterator()
    xb, yb = it.get_next()
    assert xb.dtype == tf.float32
    raw = tf.data.Dataset.from_tensor_slices(images).batch(12).make_one_shot_iterator().get_next()
    assert raw.dtype == tf.uint8
    px = tf.placeholder(tf.uint8, [None, 4, 4])
    flat = tf.reshape(tf.cast(px, tf.float32) / 255.0, [-1, 16])
    w = tf.Variable(tf.zeros([16, 2]))
    logits = tf.matmul(flat, w)
    py = tf.placeholder(tf.int64, [None])
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=py,
                                                                         logits=logits))
    step = tf.train.GradientDescentOptimizer(1.0).minimize(loss)
    with tf.Session() as s:
        s.run([tf.global_variables_initializer(), it.initializer])
        first = s.run(xb)
        np.testing.assert_allclose(first, images[:6] / np.float32(255), rtol=1e-6)
        rv = s.run(raw)
        assert rv.dtype == np.uint8
        np.testing.assert_array_equal(rv, images)
        l0 = s.run(loss, {px: images, py: labels})
        for _ in range(20):
            s.run(step, {px: images, py: labels})
        assert s.run(loss, {px: images, py: labels}) < l0
