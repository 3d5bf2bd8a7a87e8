"""Ops on placeholders of unknown rank (``tf.placeholder(tf.float32)``, no shape): built as TF1
builds them (known output shapes where TF1's shape functions know them, ``<unknown>``
elsewhere), run on the fed arrays against NumPy, gradients against central differences, and
bad feeds as run-time InvalidArgumentErrors naming the node."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static.errors import InvalidArgumentError

from static_gradcheck import numeric_grad


@pytest.fixture(autouse=True)
def _graph():
    with tf.Graph().as_default():
        yield


def _softmax(v, axis=-1):
    e = np.exp(v - v.max(axis, keepdims=True))
    return e / e.sum(axis, keepdims=True)


X = np.random.RandomState(0).randn(2, 3, 4)

# (name, build from an unknown-rank x, NumPy reference, build-time shape as TF1 prints it)
CASES = [
    ("reshape", lambda x: tf.reshape(x, [-1, 2]), lambda v: v.reshape(-1, 2), "(?, 2)"),
    ("reshape_shape_of", lambda x: tf.reshape(x * 2, tf.shape(x)), lambda v: v * 2, "<unknown>"),
    ("sum_axis1", lambda x: tf.reduce_sum(x, 1), lambda v: v.sum(1), "<unknown>"),
    ("sum_reduction_indices", lambda x: tf.reduce_sum(x, reduction_indices=[1]),
     lambda v: v.sum(1), "<unknown>"),
    ("mean_last", lambda x: tf.reduce_mean(x, -1), lambda v: v.mean(-1), "<unknown>"),
    ("max_0_2", lambda x: tf.reduce_max(x, [0, 2]), lambda v: v.max((0, 2)), "<unknown>"),
    ("sum_keepdims", lambda x: tf.reduce_sum(x, 1, keepdims=True),
     lambda v: v.sum(1, keepdims=True), "<unknown>"),
    ("mean_all", lambda x: tf.reduce_mean(x), lambda v: v.mean(), "()"),
    ("concat1", lambda x: tf.concat([x, 2 * x], 1), lambda v: np.concatenate([v, 2 * v], 1),
     "<unknown>"),
    ("concat_last", lambda x: tf.concat([x, x * x], -1),
     lambda v: np.concatenate([v, v * v], -1), "<unknown>"),
    ("slice_col", lambda x: x[:, 0], lambda v: v[:, 0], "<unknown>"),
    ("slice_mixed", lambda x: x[1:, :, -1], lambda v: v[1:, :, -1], "<unknown>"),
    ("index0", lambda x: x[0], lambda v: v[0], "<unknown>"),
    ("transpose_perm", lambda x: tf.transpose(x, [2, 0, 1]), lambda v: v.transpose(2, 0, 1),
     "(?, ?, ?)"),
    ("transpose_negative_perm", lambda x: tf.transpose(x, [0, -1, 1]),
     lambda v: v.transpose(0, 2, 1), "(?, ?, ?)"),
    ("softmax", lambda x: tf.nn.softmax(x), _softmax, "<unknown>"),
    ("softmax_axis1", lambda x: tf.nn.softmax(x, axis=1), lambda v: _softmax(v, 1), "<unknown>"),
    ("log_softmax", lambda x: tf.nn.log_softmax(x), lambda v: np.log(_softmax(v)), "<unknown>"),
    ("square_plus_1", lambda x: tf.square(x) + 1, lambda v: v * v + 1, "<unknown>"),
]


@pytest.mark.parametrize("name,build,ref,shape", CASES, ids=[c[0] for c in CASES])
def test_value_gradient_and_build_shape(name, build, ref, shape):
    x = tf.placeholder(tf.float64)
    y = build(x)
    assert str(y.shape) == shape
    expected = ref(X)
    w = np.random.RandomState(1).standard_normal(np.shape(expected))
    (g,) = tf.gradients(tf.reduce_sum(y * w), [x])
    with tf.Session() as sess:
        got, dx = sess.run([y, g], {x: X})
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)
    want = numeric_grad(lambda v: float(np.sum(ref(v) * w)), X.copy())
    np.testing.assert_allclose(dx, want, rtol=1e-6, atol=1e-7)


def test_shape_size_rank_run_time():
    x = tf.placeholder(tf.float32)
    s, n, r = tf.shape(x), tf.size(x), tf.rank(x)
    assert str(s.shape) == "(?,)" and str(n.shape) == "()" and str(r.shape) == "()"
    with tf.Session() as sess:
        for v in (np.zeros((2, 3, 4), np.float32), np.zeros(5, np.float32), np.float32(1)):
            got = sess.run([s, n, r], {x: v})
            assert got[0].tolist() == list(np.shape(v))
            assert got[1] == np.size(v) and got[2] == np.ndim(v)


def test_shape_of_unknown_then_index_it():
    x = tf.placeholder(tf.float32)
    batch = tf.shape(x)[0]
    z = tf.zeros(tf.stack([batch, 3]))
    with tf.Session() as sess:
        assert sess.run(z, {x: np.ones((4, 2), np.float32)}).shape == (4, 3)


def test_as_list_and_ndims():
    x = tf.placeholder(tf.float32)
    assert x.shape.ndims is None and str(x.get_shape()) == "<unknown>"
    with pytest.raises(ValueError, match=r"as_list\(\) is not defined on an unknown "
                                         r"TensorShape\."):
        x.get_shape().as_list()
    assert tf.reshape(x, [-1, 2]).get_shape().as_list() == [None, 2]


def test_matmul_shape_value_and_gradients():
    # TF 1.15's tf.matmul takes BatchMatMulV2 for an input of unknown rank: <unknown>
    x = tf.placeholder(tf.float64)
    wv = np.random.RandomState(2).randn(3, 4)
    w = tf.Variable(wv)
    y = tf.matmul(x, w)
    assert str(y.shape) == "<unknown>"
    gx, gw = tf.gradients(tf.reduce_sum(y * y), [x, w])
    xv = np.random.RandomState(3).randn(5, 3)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        got, dx, dw = sess.run([y, gx, gw], {x: xv})
    np.testing.assert_allclose(got, xv @ wv, rtol=1e-12)
    np.testing.assert_allclose(dx, 2 * (xv @ wv) @ wv.T, rtol=1e-10)
    np.testing.assert_allclose(dw, xv.T @ (2 * xv @ wv), rtol=1e-10)


def test_concat_with_a_known_input_takes_its_rank():
    x = tf.placeholder(tf.float32)
    k = tf.placeholder(tf.float32, [None, 3])
    y = tf.concat([x, k], 1)
    assert str(y.shape) == "(?, ?)"
    with tf.Session() as sess:
        got = sess.run(y, {x: np.ones((2, 1), np.float32), k: np.zeros((2, 3), np.float32)})
    np.testing.assert_array_equal(got, [[1, 0, 0, 0]] * 2)


def test_argmax_argmin_equal_one_hot():
    x = tf.placeholder(tf.float32)
    lab = tf.placeholder(tf.int32)
    am, an = tf.argmax(x, 1), tf.argmin(x, -1)
    acc = tf.reduce_mean(tf.cast(tf.equal(am, tf.argmax(tf.one_hot(lab, 4), 1)), tf.float32))
    assert str(am.shape) == "<unknown>" and am.dtype == tf.int64
    xv = np.random.RandomState(4).randn(6, 4).astype(np.float32)
    lv = np.array([0, 1, 2, 3, 0, 1], np.int32)
    with tf.Session() as sess:
        a, b, c = sess.run([am, an, acc], {x: xv, lab: lv})
    np.testing.assert_array_equal(a, xv.argmax(1))
    np.testing.assert_array_equal(b, xv.argmin(-1))
    assert c == pytest.approx(np.mean(xv.argmax(1) == lv))


def test_softmax_cross_entropy_with_logits_unknown_rank():
    x = tf.placeholder(tf.float64)
    y = tf.placeholder(tf.float64)
    loss = tf.nn.softmax_cross_entropy_with_logits_v2(labels=y, logits=x)
    (g,) = tf.gradients(tf.reduce_sum(loss), [x])
    xv = np.random.RandomState(5).randn(3, 4)
    yv = np.eye(4)[[0, 2, 1]]
    with tf.Session() as sess:
        got, dx = sess.run([loss, g], {x: xv, y: yv})
    np.testing.assert_allclose(got, -(yv * np.log(_softmax(xv))).sum(1), rtol=1e-10)
    np.testing.assert_allclose(dx, _softmax(xv) - yv, rtol=1e-9, atol=1e-12)


# ------------------------------------------------------------------------- bad feeds
def test_bad_feed_matmul_rank_is_invalid_argument():
    x = tf.placeholder(tf.float32)
    y = tf.matmul(x, tf.ones([3, 4]))
    with tf.Session() as sess:
        with pytest.raises(InvalidArgumentError, match=r"MatMul 'MatMul': input 0 \(of unknown "
                           r"rank when the graph was built\) must have rank 2, .* or more"):
            sess.run(y, {x: np.ones(3, np.float32)})
        with pytest.raises(InvalidArgumentError, match=r"node MatMul"):
            sess.run(y, {x: np.ones((2, 5), np.float32)})
        assert sess.run(y, {x: np.ones((2, 3), np.float32)}).shape == (2, 4)


def test_bad_feed_axis_out_of_range_and_reshape():
    x = tf.placeholder(tf.float32)
    s = tf.reduce_sum(x, 1)
    r = tf.reshape(x, [-1, 2])
    with tf.Session() as sess:
        with pytest.raises(InvalidArgumentError, match=r"index 1 is out of bounds"):
            sess.run(s, {x: np.ones(3, np.float32)})
        with pytest.raises(InvalidArgumentError, match=r"node Reshape"):
            sess.run(r, {x: np.ones(3, np.float32)})


def test_build_error_when_no_rank_fits():
    x = tf.placeholder(tf.float32)
    with pytest.raises(ValueError, match=r"only one dimension of the new shape \[-1, -1\] can be "
                                         r"-1 for 'Reshape' \(op: 'Reshape'\) with input "
                                         r"shapes: <unknown>\."):
        tf.reshape(x, [-1, -1])


def test_transpose_without_perm_reverses_the_fed_axes_as_tf1():
    x = tf.placeholder(tf.float32)
    y = tf.transpose(x)
    w = tf.placeholder(tf.float32)
    (g,) = tf.gradients(tf.reduce_sum(y * w), x)
    rng = np.random.RandomState(0)
    with tf.Session() as sess:
        for shape in [(), (3,), (2, 3), (2, 3, 4), (1, 2, 3, 2)]:
            v = np.asarray(rng.randn(*shape), np.float32)
            wv = np.asarray(rng.randn(*shape[::-1]), np.float32)
            got, gv = sess.run([y, g], {x: v, w: wv})
            np.testing.assert_array_equal(got, v.T)
            np.testing.assert_array_equal(gv, wv.T)       # d sum(x.T * w) / dx = w.T


def test_ellipsis_index_of_unknown_rank_as_tf1():
    x = tf.placeholder(tf.float32)
    idx = {"[..., 0]": (Ellipsis, 0), "[1, ..., None, -1]": (1, Ellipsis, None, -1),
           "[..., 1:]": (Ellipsis, slice(1, None)), "[:, ...]": (slice(None), Ellipsis)}
    ys = {k: x[i] for k, i in idx.items()}
    grads = {k: tf.gradients(tf.reduce_sum(y * 3.0), x)[0] for k, y in ys.items()}
    rng = np.random.RandomState(1)
    with tf.Session() as sess:
        for shape in [(2, 3), (2, 3, 4), (3, 2, 2, 2)]:
            v = rng.randn(*shape).astype(np.float32)
            for k, y in ys.items():
                np.testing.assert_array_equal(sess.run(y, {x: v}), v[idx[k]])
                g = np.zeros_like(v)
                g[tuple(i for i in idx[k] if i is not None)] = 3.0
                np.testing.assert_array_equal(sess.run(grads[k], {x: v}), g)
        with pytest.raises(tf.errors.InvalidArgumentError):
            sess.run(ys["[1, ..., None, -1]"], {x: np.zeros(3, np.float32)})
