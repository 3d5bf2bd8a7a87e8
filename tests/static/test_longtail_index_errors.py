"""TensorFlow's run-time refusal of bad indices, in TensorFlow's words (as real tracebacks show
them: the whole shape, no spaces): gather_nd, batch_gather, unsorted_segment_*, scatter_nd into
a shape fed at run time, tensor_scatter_nd_update with indices of static shape [None, 1] (it
crashed at graph build with a TypeError); with and without the compiler's passes."""

from __future__ import annotations

import re

import numpy as np
import pytest
from static_gradcheck import numeric_grad

import dlcore_static as tf

P = np.arange(10.0).reshape(5, 2)


def _raises(sess, y, feed, text):
    with pytest.raises(tf.errors.InvalidArgumentError, match=re.escape(text)):
        sess.run(y, feed)


@pytest.mark.parametrize("passes", [(), "all"])
def test_gather_nd_and_batch_gather_refuse_bad_indices_as_tf(passes):
    i = tf.placeholder(tf.int32, [None, 1])
    i2 = tf.placeholder(tf.int32, [None, 2])
    pd = tf.placeholder(tf.float64, [None, 2])          # (a dimension known at run time only)
    bi = tf.placeholder(tf.int32, [5, 2])
    ys = {"nd": tf.gather_nd(tf.constant(P), i), "nd2": tf.gather_nd(pd, i2),
          "bg": tf.batch_gather(tf.constant(P), bi)}
    with tf.Session(passes=passes) as s:
        _raises(s, ys["nd"], {i: [[1], [7]]},
                "indices[1] = [7] does not index into param shape [5,2]")
        _raises(s, ys["nd"], {i: [[-1], [0]]},
                "indices[0] = [-1] does not index into param shape [5,2]")
        _raises(s, ys["nd2"], {pd: P, i2: [[1, 0], [4, 2]]},
                "indices[1] = [4, 2] does not index into param shape [5,2]")
        _raises(s, ys["bg"], {bi: [[0, 1]] * 3 + [[0, 3]] + [[1, 1]]},
                "indices[3,1] = 3 is not in [0, 2)")
        got = s.run(ys, {i: [[4], [0]], pd: P, i2: [[4, 1], [0, 0]], bi: [[1, 0]] * 5})
    np.testing.assert_array_equal(got["nd"], P[[4, 0]])
    np.testing.assert_array_equal(got["nd2"], [9.0, 0.0])
    np.testing.assert_array_equal(got["bg"], P[:, [1, 0]])


@pytest.mark.parametrize("passes", [(), "all"])
def test_unsorted_segments_refuse_ids_past_num_segments_and_drop_negatives(passes):
    ids = tf.placeholder(tf.int32, [5])
    ys = [f(tf.constant(P), ids, 3) for f in (tf.unsorted_segment_sum, tf.unsorted_segment_max,
                                               tf.unsorted_segment_mean)]
    with tf.Session(passes=passes) as s:
        for y in ys:
            _raises(s, y, {ids: [0, 1, 5, 0, 1]}, "segment_ids[2] = 5 is out of range [0, 3)")
        total, top, mean = s.run(ys, {ids: [0, 1, -1, 0, 1]})
    np.testing.assert_array_equal(total, [P[0] + P[3], P[1] + P[4], [0, 0]])
    np.testing.assert_array_equal(top, [P[3], P[4], np.finfo(np.float64).min * np.ones(2)])
    np.testing.assert_array_equal(mean, [(P[0] + P[3]) / 2, (P[1] + P[4]) / 2, [0, 0]])


@pytest.mark.parametrize("passes", [(), "all"])
def test_scatter_nd_into_a_run_time_shape_checks_coordinates(passes):
    i = tf.placeholder(tf.int32, [None, 1])
    u = tf.placeholder(tf.float64, [None, 2])
    shape = tf.placeholder(tf.int32, [2])
    y = tf.scatter_nd(i, u, shape)
    y2 = tf.scatter_nd(i, u, [5, 2])
    with tf.Session(passes=passes) as s:
        _raises(s, y, {i: [[1], [7]], u: np.ones((2, 2)), shape: [5, 2]},
                "indices[1] = [7] does not index into shape [5,2]")
        _raises(s, y, {i: [[-1], [0]], u: np.ones((2, 2)), shape: [5, 2]},
                "indices[0] = [-1] does not index into shape [5,2]")
        _raises(s, y2, {i: [[0], [5]], u: np.ones((2, 2))},
                "indices[1] = [5] does not index into shape [5,2]")
        got = s.run(y, {i: [[1], [3], [1]], u: np.ones((3, 2)), shape: [4, 2]})
    np.testing.assert_array_equal(got, [[0, 0], [2, 2], [0, 0], [1, 1]])


def test_tensor_scatter_nd_update_with_unknown_row_count_values_gradient_and_errors():
    x = np.random.default_rng(0).standard_normal((5, 2))
    t = tf.placeholder(tf.float64, [5, 2])
    i = tf.placeholder(tf.int32, [None, 1])
    u = tf.placeholder(tf.float64, [None, 2])
    y = tf.tensor_scatter_nd_update(t, i, u)
    w = np.random.default_rng(1).standard_normal((5, 2))
    gt, gu = tf.gradients(tf.reduce_sum(y * w), [t, u])
    upd = np.array([[7.0, 8.0], [9.0, 10.0]])

    def ref(xv, uv):
        out = xv.copy()
        out[[1, 3]] = uv
        return out
    with tf.Session() as s:
        got, a, b = s.run([y, gt, gu], {t: x, i: [[1], [3]], u: upd})
        _raises(s, y, {t: x, i: [[1], [5]], u: upd},
                "indices[1] = [5] does not index into shape [5,2]")
    np.testing.assert_array_equal(got, ref(x, upd))
    np.testing.assert_allclose(a, numeric_grad(lambda v: np.sum(ref(v, upd) * w), x), atol=1e-8)
    np.testing.assert_allclose(b, numeric_grad(lambda v: np.sum(ref(x, v) * w), upd), atol=1e-8)


def test_graph_with_the_new_checks_survives_export_and_import(tmp_path):
    i = tf.placeholder(tf.int32, [None, 1], name="i")
    ids = tf.placeholder(tf.int32, [5], name="ids")
    pd = tf.placeholder(tf.float64, [None, 2], name="pd")
    tf.identity(tf.gather_nd(pd, i), name="nd")
    tf.identity(tf.unsorted_segment_sum(pd, ids, 3), name="seg")
    tf.train.export_meta_graph(str(tmp_path / "g.meta"))
    g2 = tf.Graph()
    with g2.as_default():
        tf.train.import_meta_graph(str(tmp_path / "g.meta"))
        with tf.Session() as s:
            feed = {"pd:0": P, "i:0": [[4], [0]], "ids:0": [0, 1, 2, 0, 1]}
            nd, seg = s.run(["nd:0", "seg:0"], feed)
            _raises(s, "seg:0", {**feed, "ids:0": [0, 1, 3, 0, 1]},
                    "segment_ids[2] = 3 is out of range [0, 3)")
            _raises(s, "nd:0", {**feed, "i:0": [[5]]},
                    "indices[0] = [5] does not index into param shape [5,2]")
    np.testing.assert_array_equal(nd, P[[4, 0]])
    np.testing.assert_array_equal(seg[0], P[0] + P[3])
