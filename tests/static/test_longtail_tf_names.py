"""TF1 long-tail names: tf.broadcast_to, roll, searchsorted, identity_n, ensure_shape,
log_sigmoid, dimension_value/Dimension (``x.get_shape()[1].value``), tables_initializer,
tf.nn.zero_fraction/sufficient_statistics/normalize_moments/weighted_moments/log_poisson_loss,
tf.losses.cosine_distance: values against NumPy, gradients by central differences, errors by
type and message."""

from __future__ import annotations

import re

import numpy as np
import pytest
from static_gradcheck import check_value_and_gradient

import dlcore_static as tf

RNG = np.random.default_rng(0)


def _run(t, feed=None):
    with tf.Session() as s:
        return s.run(t, feed)


def test_broadcast_to_static_and_run_time_shapes_and_gradient():
    x = RNG.standard_normal((3, 1))
    check_value_and_gradient(lambda p: tf.broadcast_to(p, [2, 3, 4]),
                             lambda v: np.broadcast_to(v, (2, 3, 4)), x, RNG)
    p = tf.placeholder(tf.float64, [None, 1])
    n = tf.placeholder(tf.int32, [])
    y = tf.broadcast_to(p, tf.stack([n, tf.shape(p)[0], 2]))
    np.testing.assert_array_equal(_run(y, {p: x, n: 2}), np.broadcast_to(x, (2, 3, 2)))
    y2 = tf.broadcast_to(p, [2, 3, 4])                        # (a None dimension in x)
    np.testing.assert_array_equal(_run(y2, {p: x}), np.broadcast_to(x, (2, 3, 4)))
    with pytest.raises(ValueError, match=re.escape("Incompatible shapes: [3, 1] vs. [2, 4]")):
        tf.broadcast_to(tf.constant(x), [2, 4])


@pytest.mark.parametrize("shift,axis", [(1, 0), (-2, 1), ([1, 3], [0, 1]), ([2, 1], [1, 1])])
def test_roll_values_and_gradient(shift, axis):
    x = RNG.standard_normal((3, 4))
    check_value_and_gradient(lambda p: tf.roll(p, shift, axis),
                             lambda v: np.roll(v, shift, axis), x, RNG)


@pytest.mark.parametrize("side", ["left", "right"])
def test_searchsorted_rows_as_numpy(side):
    seq = np.array([[0.0, 1.0, 1.0, 3.0], [-1.0, 0.0, 2.0, 5.0]])
    vals = np.array([[1.0, 2.0, -4.0], [5.0, 0.0, 9.0]])
    got = _run(tf.searchsorted(seq, vals, side=side))
    want = np.stack([np.searchsorted(s, v, side=side) for s, v in zip(seq, vals)])
    assert got.dtype == np.int32
    np.testing.assert_array_equal(got, want)
    with pytest.raises(ValueError, match="side must be either 'right' or 'left'"):
        tf.searchsorted(seq, vals, side="middle")


@pytest.mark.parametrize("side", ["left", "right"])
def test_searchsorted_of_long_rows_is_tfs_bound_op_in_linear_memory(side):
    # 200,000 values into 200,000 entries: a broadcast compare needed 37 GB (40e9 bools), TF's
    # LowerBound/UpperBound a binary search per value; int64 out_type, a fed 3-D batch
    n = 200_000
    seq = np.arange(0, 2 * n, 2, dtype=np.int64)
    vals = RNG.integers(0, 2 * n, n)
    with tf.Graph().as_default():
        s, v = tf.placeholder(tf.int64, (None,)), tf.placeholder(tf.int64, (None,))
        t = tf.searchsorted(s, v, side=side, out_type=tf.int64)
        b3 = tf.placeholder(tf.float32, (2, 3, None))
        q3 = tf.placeholder(tf.float32, (2, 3, None))
        t3 = tf.searchsorted(b3, q3, side=side)
        assert t.op.type == ("LowerBound" if side == "left" else "UpperBound")
        sv = np.sort(RNG.standard_normal((2, 3, 6)).astype(np.float32), -1)
        qv = RNG.standard_normal((2, 3, 4)).astype(np.float32)
        with tf.Session() as sess:
            for _ in range(2):                  # interpreted, then the compiled plan
                got, got3 = sess.run([t, t3], {s: seq, v: vals, b3: sv, q3: qv})
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got, np.searchsorted(seq, vals, side=side))
    want3 = np.array([[np.searchsorted(sv[i, j], qv[i, j], side=side) for j in range(3)]
                      for i in range(2)])
    np.testing.assert_array_equal(got3, want3)


def test_identity_n_ensure_shape_and_log_sigmoid():
    a, b = tf.identity_n([tf.constant(1.0), tf.constant([2, 3])])
    assert _run(a) == 1.0 and _run(b).tolist() == [2, 3]
    p = tf.placeholder(tf.float64, [None, 3])
    e = tf.ensure_shape(p, [None, 3])
    g = tf.gradients(tf.reduce_sum(e * 2.0), p)[0]
    np.testing.assert_array_equal(_run(g, {p: np.ones((2, 3))}), 2 * np.ones((2, 3)))
    e2 = tf.ensure_shape(p, [2, 3])
    assert _run(e2, {p: np.ones((2, 3))}).shape == (2, 3)
    with pytest.raises(tf.errors.InvalidArgumentError, match=re.escape(
            "Shape of tensor x [4,3] is not compatible with expected shape [2,3].")):
        _run(e2, {p: np.ones((4, 3))})
    with pytest.raises(ValueError, match="are incompatible"):
        tf.ensure_shape(p, [None, 4])
    x = np.linspace(-30, 30, 7)
    check_value_and_gradient(tf.log_sigmoid, lambda v: -np.logaddexp(0, -v), x, RNG)
    assert tf.math.log_sigmoid is tf.log_sigmoid


def test_dimension_value_and_tf1_dimension_attribute():
    x = tf.placeholder(tf.float32, [None, 3])
    d = x.get_shape()[1]
    assert d.value == 3 and d == 3 and str(d) == "3" and repr(d) == "Dimension(3)"
    assert tf.dimension_value(d) == 3 and type(tf.dimension_value(d)) is int
    assert x.shape[0] is None and tf.dimension_value(x.shape[0]) is None
    assert tf.compat.v1.dimension_value(5) == 5
    w = tf.zeros([x.get_shape()[1].value, 2])                    # the TF1 idiom
    assert w.shape.as_list() == [3, 2]


def test_tables_initializer_without_tables_is_a_no_op():
    init = tf.tables_initializer()
    assert init.name == "init_all_tables" and _run(init) is None


def test_nn_moments_family_against_numpy():
    x = RNG.standard_normal((4, 3))
    w = RNG.uniform(0.5, 2.0, (4, 1))
    cnt, m, v, s = tf.nn.sufficient_statistics(tf.constant(x), [0], shift=0.5)
    mean, var = tf.nn.normalize_moments(cnt, m, v, s)
    wm, wv = tf.nn.weighted_moments(tf.constant(x), [0], tf.constant(w))
    got = _run([cnt, mean, var, wm, wv])
    assert got[0] == 4.0
    np.testing.assert_allclose(got[1], x.mean(0))
    np.testing.assert_allclose(got[2], x.var(0))
    wmean = (w * x).sum(0) / w.sum()
    np.testing.assert_allclose(got[3], wmean)
    np.testing.assert_allclose(got[4], (w * (x - wmean) ** 2).sum(0) / w.sum())
    assert tf.nn.sufficient_statistics(tf.constant(x), [0])[3] is None
    z = np.array([[0.0, 1.0], [0.0, 0.0]])
    assert _run(tf.nn.zero_fraction(z)) == pytest.approx(0.75)


def test_log_poisson_loss_and_cosine_distance():
    t = np.array([0.0, 1.0, 2.0, 5.0])
    li = RNG.standard_normal(4)
    full = np.exp(li) - li * t + np.where(t > 1, t * np.log(np.maximum(t, 1)) - t +
                                          0.5 * np.log(2 * np.pi * np.maximum(t, 1)), 0)
    check_value_and_gradient(lambda p: tf.nn.log_poisson_loss(t, p, compute_full_loss=True),
                             lambda v: full - np.exp(li) + np.exp(v) - (v - li) * t, li, RNG)
    y = RNG.standard_normal((3, 4))
    p = RNG.standard_normal((3, 4))
    got = _run(tf.losses.cosine_distance(y, p, axis=1))
    np.testing.assert_allclose(got, np.mean(1 - (y * p).sum(1)))
    with pytest.raises(ValueError, match="You must specify 'axis'."):
        tf.losses.cosine_distance(y, p)
