"""``tf.range`` with tensor bounds (TensorFlow 1's ``Range`` node): an unknown length ``(?,)``,
TensorFlow's dtype inference (int32 < int64 < float32 < float64, a Python int int32, a float
float32), its errors in its words (``Requires delta != 0``: a ValueError at build time from
numbers, an InvalidArgumentError at run time), no gradient, the same values interpreted and
compiled."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf


@pytest.mark.parametrize("passes", [(), "all"])
def test_range_of_a_runtime_dimension(passes):
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None, 3])
        n = tf.shape(x)[0]
        r = tf.range(n)
        r2 = tf.range(1, n * 2, 2)
        r3 = tf.range(n, 0, -1)
        r4 = tf.range(tf.cast(n, tf.int64))
        r5 = tf.range(tf.constant(0.5), 3)
        idx = tf.stack([tf.range(n), tf.fill([n], 2)], axis=1)
        picked = tf.gather_nd(x, idx)
    assert r.shape.as_list() == [None] and r.dtype == tf.int32
    assert r4.dtype == tf.int64 and r5.dtype == tf.float32
    xv = np.arange(12, dtype=np.float32).reshape(4, 3)
    with tf.Session(graph=g, passes=passes) as sess:
        for rows in (4, 2, 4):
            out = sess.run([r, r2, r3, r4, r5, picked], {x: xv[:rows]})
            np.testing.assert_array_equal(out[0], np.arange(rows, dtype=np.int32))
            assert out[0].dtype == np.int32 and out[3].dtype == np.int64
            np.testing.assert_array_equal(out[1], np.arange(1, 2 * rows, 2))
            np.testing.assert_array_equal(out[2], np.arange(rows, 0, -1))
            np.testing.assert_array_equal(out[4], np.array([0.5, 1.5, 2.5], np.float32))
            np.testing.assert_array_equal(out[5], xv[:rows, 2])


def test_dtype_inference_and_explicit_dtype():
    n64 = tf.constant(5, tf.int64)
    assert tf.range(n64).dtype == tf.int64
    assert tf.range(0, n64, 1.5).dtype == tf.float32          # a float number: float32
    assert tf.range(tf.constant(1.0, tf.float64), 3).dtype == tf.float64
    r = tf.range(tf.constant(3), dtype=tf.float32)
    assert r.dtype == tf.float32
    assert tf.range(5).shape.as_list() == [5]                 # numbers: a known length
    assert tf.range(1.0, 2, 0.3).shape.as_list() == [4]
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(r), np.array([0, 1, 2], np.float32))
        np.testing.assert_allclose(sess.run(tf.range(0, n64, 1.5)), [0, 1.5, 3, 4.5])


def test_errors_in_tensorflow_words():
    with pytest.raises(ValueError, match="Requires delta != 0"):
        tf.range(0, 5, 0)
    with pytest.raises(ValueError, match="Requires start <= limit when delta > 0: 5/1"):
        tf.range(5, 1)
    with pytest.raises(ValueError, match="Requires start >= limit when delta < 0: 1/5"):
        tf.range(1, 5, -1)
    d = tf.placeholder(tf.int32, [])
    lim = tf.placeholder(tf.int32, [])
    r = tf.range(0, lim, d)
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError, match=r"Requires delta != 0: 0"):
            sess.run(r, {d: 0, lim: 3})
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match="Requires start >= limit when delta < 0: 0/3"):
            sess.run(r, {d: -1, lim: 3})
        np.testing.assert_array_equal(sess.run(r, {d: -2, lim: -5}), [0, -2, -4])
        np.testing.assert_array_equal(sess.run(r, {d: 2, lim: 0}), np.zeros(0, np.int32))
    with pytest.raises(ValueError, match="rank 0"):
        tf.range(tf.constant([1, 2]))


def test_no_gradient():
    x = tf.placeholder(tf.float32, [])
    r = tf.range(x, 4.0)
    y = tf.reduce_sum(r) + x
    gr, gy = tf.gradients(tf.reduce_sum(r), [x])[0], tf.gradients(y, [x])[0]
    assert gr is None
    with tf.Session() as sess:
        assert sess.run(gy, {x: 1.0}) == 1.0


def test_fill_with_run_time_dims():
    x = tf.placeholder(tf.float32, [None, 3])
    n = tf.shape(x)[0]
    v = tf.placeholder(tf.float32, [])
    f = tf.fill([n, 2], v)
    k = tf.fill([n], 7)
    assert f.shape.as_list() == [None, 2] and k.dtype == tf.int32
    gv = tf.gradients(tf.reduce_sum(f), [v])[0]
    with tf.Session() as sess:
        fo, ko, go = sess.run([f, k, gv], {x: np.zeros((3, 3)), v: 1.5})
    np.testing.assert_array_equal(fo, np.full((3, 2), 1.5, np.float32))
    np.testing.assert_array_equal(ko, np.full(3, 7, np.int32))
    assert go == 6.0


def test_sequence_mask_with_run_time_maxlen():
    lengths = tf.placeholder(tf.int32, [None])
    m = tf.placeholder(tf.int32, [])
    a = tf.sequence_mask(lengths)                               # maxlen = max(lengths)
    b = tf.sequence_mask(lengths, m, dtype=tf.float32)
    assert a.shape.as_list() == [None, None] and b.dtype == tf.float32
    assert tf.sequence_mask([1, 3], 4).shape.as_list() == [2, 4]
    with tf.Session() as sess:
        av, bv = sess.run([a, b], {lengths: [2, 0, 3], m: 4})
    np.testing.assert_array_equal(av, np.arange(3)[None] < np.array([2, 0, 3])[:, None])
    np.testing.assert_array_equal(bv, (np.arange(4)[None] < np.array([2, 0, 3])[:, None])
                                  .astype(np.float32))


@pytest.mark.parametrize("passes", [(), "all"])
def test_tile_with_run_time_multiples(passes):
    x = tf.placeholder(tf.float64, [None, 3])
    w = tf.placeholder(tf.float64, [2, 3])
    n = tf.shape(x)[0]
    t1 = tf.tile(w, [n, 1])                                   # a list holding a tensor
    t2 = tf.tile(w, tf.stack([1, n]))                         # a multiples tensor
    t3 = tf.tile(tf.expand_dims(tf.range(3), 0), [n, 2])
    g = tf.gradients(tf.reduce_sum(t1 * tf.tile(x[:1], [2 * n, 1])), [w])[0]
    assert t1.shape.as_list() == [None, 3] and t3.dtype == tf.int32
    wv = np.arange(6.0).reshape(2, 3)
    with tf.Session(passes=passes) as sess:
        for rows in (3, 2):
            xv = np.ones((rows, 3)) * np.array([1.0, 2.0, 3.0])
            a, b, c, gv = sess.run([t1, t2, t3, g], {x: xv, w: wv})
            np.testing.assert_array_equal(a, np.tile(wv, [rows, 1]))
            np.testing.assert_array_equal(b, np.tile(wv, [1, rows]))
            np.testing.assert_array_equal(c, np.tile(np.arange(3)[None], [rows, 2]))
            np.testing.assert_allclose(gv, rows * np.tile([[1.0, 2.0, 3.0]], [2, 1]))
    with pytest.raises(ValueError, match="multiples argument to be a vector of length 2"):
        tf.tile(w, [n])


def test_meshgrid_as_numpy_with_run_time_lengths():
    x = tf.placeholder(tf.float32, [None])
    a, b = tf.meshgrid(tf.range(tf.shape(x)[0]), tf.range(3))
    ij = tf.meshgrid([1.0, 2], [3.0, 4, 5], [6.0, 7, 8, 9], indexing="ij")
    xy = tf.meshgrid([1.0, 2], [3.0, 4, 5], [6.0, 7, 8, 9])
    assert a.shape.as_list() == [3, None] and xy[0].shape.as_list() == [3, 2, 4]
    with tf.Session() as sess:
        out = sess.run([a, b] + ij + xy, {x: np.zeros(2)})
    want = (np.meshgrid(np.arange(2), np.arange(3))
            + np.meshgrid([1.0, 2], [3.0, 4, 5], [6.0, 7, 8, 9], indexing="ij")
            + np.meshgrid([1.0, 2], [3.0, 4, 5], [6.0, 7, 8, 9]))
    for o, w in zip(out, want):
        assert o.shape == w.shape
        np.testing.assert_array_equal(o, w)
    with pytest.raises(ValueError, match="indexing parameter must be either 'xy' or 'ij'"):
        tf.meshgrid([1.0], [2.0], indexing="yx")


def test_scatter_nd_into_a_run_time_shape():
    lengths = tf.placeholder(tf.int32, [None])
    u = tf.placeholder(tf.float32, [None])
    b = tf.shape(lengths)[0]
    s1 = tf.scatter_nd(tf.stack([tf.range(b), lengths - 1], 1), u, tf.stack([b, 5]))
    s2 = tf.scatter_nd([[1], [3], [1]], tf.ones([3, 2]), [b + 2, 2])     # duplicates add
    g = tf.gradients(tf.reduce_sum(s1 * 3.0), u)[0]
    assert s2.shape.as_list() == [None, 2]
    with tf.Session() as sess:
        a, c, gv = sess.run([s1, s2, g], {lengths: [1, 5, 2], u: [1.0, 2.0, 3.0]})
    want = np.zeros((3, 5), np.float32)
    want[[0, 1, 2], [0, 4, 1]] = [1.0, 2.0, 3.0]
    np.testing.assert_array_equal(a, want)
    np.testing.assert_array_equal(c, [[0, 0], [2, 2], [0, 0], [1, 1], [0, 0]])
    np.testing.assert_array_equal(gv, [3.0, 3.0, 3.0])


@pytest.mark.parametrize("passes", [(), "all"])
def test_range_inside_while_loop_and_cond(passes):
    n = tf.placeholder(tf.int32, [])
    _, acc = tf.while_loop(lambda t, a: t < n,
                           lambda t, a: (t + 1, a + tf.reduce_sum(tf.range(t))), [0, 0])
    c = tf.cond(n > 2, lambda: tf.reduce_sum(tf.range(n)), lambda: tf.constant(-1))
    with tf.Session(passes=passes) as sess:
        for k in (4, 2, 5, 4):
            a, cv = sess.run([acc, c], {n: k})
            assert a == sum(t * (t - 1) // 2 for t in range(k))
            assert cv == (k * (k - 1) // 2 if k > 2 else -1)
