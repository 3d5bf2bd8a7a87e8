"""fidtf4 (session 16): TF 1.15 math names the differential sweep found missing, checked
against NumPy (np.fix / np.cross / bit operators) and JAX where named."""

import jax
import numpy as np
import pytest

import dlcore_static as tf


def _run(t):
    with tf.Session() as sess:
        return sess.run(t)


def test_truncatediv_rounds_toward_zero():
    x = np.array([7, -7, 7, -7, 6, 0], np.int32)
    y = np.array([2, 2, -2, -2, 3, -5], np.int32)
    got = _run(tf.truncatediv(x, y))
    assert got.dtype == np.int32
    np.testing.assert_array_equal(got, np.fix(x / y).astype(np.int32))   # C division
    np.testing.assert_array_equal(_run(tf.math.truncatediv(x, y)) * y + _run(
        tf.truncatemod(x, y)), x)                   # TF: truncatediv/truncatemod pair up
    np.testing.assert_allclose(_run(tf.truncatediv(np.float32(7), np.float32(2))), 3.5)


@pytest.mark.parametrize("axis,keepdims", [(None, False), (1, True), ([-1, 0], False)])
def test_reduce_euclidean_norm(axis, keepdims):
    x = np.random.RandomState(0).randn(2, 3, 4).astype(np.float32)
    ax = tuple(axis) if isinstance(axis, list) else axis
    want = np.sqrt(np.sum(x ** 2, axis=ax, keepdims=keepdims))
    got = _run(tf.math.reduce_euclidean_norm(x, axis=axis, keepdims=keepdims))
    assert got.dtype == np.float32 and got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-6)
    # integers: the root truncated (TF's EuclideanNorm kernel on int32)
    assert _run(tf.math.reduce_euclidean_norm(np.array([3, 4, 1], np.int32))) == 5


def test_accumulate_n_and_its_checks():
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    np.testing.assert_array_equal(_run(tf.accumulate_n([a, a, 2 * a])), 4 * a)
    with pytest.raises(ValueError, match="inputs must be a list of at least one Tensor"):
        tf.accumulate_n([])
    with pytest.raises(ValueError, match=r"Shapes \(2, 3\) and \(3, 2\) are incompatible"):
        tf.accumulate_n([a, a.T])
    with pytest.raises(ValueError, match="same dtype"):
        tf.accumulate_n([a, a.astype(np.int32)])


def test_cross_matches_numpy_and_differentiates():
    rng = np.random.RandomState(1)
    a, b = rng.randn(4, 3).astype(np.float32), rng.randn(4, 3).astype(np.float32)
    ta = tf.constant(a)
    c = tf.cross(ta, b)
    np.testing.assert_allclose(_run(c), np.cross(a, b), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(_run(tf.linalg.cross(a, b)), np.cross(a, b), rtol=1e-5,
                               atol=1e-6)
    # d/da sum(a x b) = b x 1 (the cross product's rule), here (1,1,1) x ... per row
    g = _run(tf.gradients(tf.reduce_sum(c), ta)[0])
    np.testing.assert_allclose(g, np.cross(b, np.ones(3)), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="last dimension of both inputs must be 3"):
        tf.cross(np.ones((2, 4), np.float32), np.ones((2, 4), np.float32))


def test_bitwise_namespace():
    x = np.array([12, -3, 7, 0], np.int32)
    y = np.array([10, 5, 1, 3], np.int32)
    bw = tf.bitwise
    np.testing.assert_array_equal(_run(bw.bitwise_and(x, y)), x & y)
    np.testing.assert_array_equal(_run(bw.bitwise_or(x, y)), x | y)
    np.testing.assert_array_equal(_run(bw.bitwise_xor(x, y)), x ^ y)
    np.testing.assert_array_equal(_run(bw.invert(x)), ~x)
    np.testing.assert_array_equal(_run(bw.left_shift(x, y)), x << y)
    np.testing.assert_array_equal(_run(bw.right_shift(x, np.int32(1))), x >> 1)   # arithmetic
    assert _run(bw.bitwise_and(x.astype(np.uint8), np.uint8(6))).dtype == np.uint8
    with pytest.raises(TypeError, match="DataType float32 not in list of allowed values"):
        bw.bitwise_and(np.ones(2, np.float32), np.ones(2, np.float32))
    with pytest.raises(TypeError, match="has type int64 that does not match type int32"):
        bw.bitwise_or(tf.constant(x), tf.constant(y.astype(np.int64)))


def test_sparse_segment_ops():
    a = np.random.RandomState(2).randn(3, 4).astype(np.float32)
    idx, seg = [0, 2, 1], [0, 0, 1]
    np.testing.assert_allclose(_run(tf.sparse.segment_sum(a, idx, seg)),
                               np.stack([a[0] + a[2], a[1]]), rtol=1e-6)
    np.testing.assert_allclose(_run(tf.sparse_segment_mean(a, idx, seg)),
                               np.stack([(a[0] + a[2]) / 2, a[1]]), rtol=1e-6)
    np.testing.assert_allclose(_run(tf.sparse.segment_sqrt_n(a, idx, seg)),
                               np.stack([(a[0] + a[2]) / np.sqrt(2), a[1]]), rtol=1e-6)
    # num_segments: the empty segments are 0 (TF's SparseSegment*WithNumSegments)
    got = _run(tf.sparse.segment_mean(a, idx, seg, num_segments=3))
    np.testing.assert_allclose(got[2], np.zeros(4))


def test_one_hot_on_off_values_axis_and_dtype_rules():
    idx = np.array([[0, 2], [-1, 1]])
    # jax.nn.one_hot: an index outside [0, depth) hits nothing, as TF's
    base = np.asarray(jax.nn.one_hot(idx, 3)).astype(bool)
    got = _run(tf.one_hot(idx, 3, on_value=5, off_value=-1))
    assert got.dtype == np.int32
    np.testing.assert_array_equal(got, np.where(base, 5, -1))
    got = _run(tf.one_hot(idx, 3, on_value=2.0))                    # off: 0 of on's dtype
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, np.where(base, 2.0, 0.0))
    for axis in (0, 1):
        got = _run(tf.one_hot(idx, 3, axis=axis))
        want = np.moveaxis(base.astype(np.float32), -1, axis)
        assert got.shape == want.shape
        np.testing.assert_array_equal(got, want)
    assert _run(tf.one_hot([1], 2, dtype=tf.bool, on_value=True, off_value=False)).tolist() \
        == [[False, True]]
    with pytest.raises(TypeError, match="dtype <dtype: 'int32'> of on_value does not match "
                       "dtype <dtype: 'float32'> of off_value"):
        tf.one_hot(idx, 3, on_value=1, off_value=0.0)
    with pytest.raises(ValueError, match=r"Expected axis to be -1 or between \[0, 3\)"):
        tf.one_hot(idx, 3, axis=5)


def test_setdiff1d_and_matrix_set_diag():
    out, idx = tf.setdiff1d([1, 2, 3, 4, 2], [2, 4])
    o, i = _run([out, idx])
    x = np.array([1, 2, 3, 4, 2])
    keep = ~np.isin(x, [2, 4])
    np.testing.assert_array_equal(o, x[keep])
    np.testing.assert_array_equal(i, np.flatnonzero(keep))
    assert i.dtype == np.int32
    a = np.random.RandomState(3).randn(2, 3, 4).astype(np.float32)
    d = np.arange(6, dtype=np.float32).reshape(2, 3)
    got = _run(tf.matrix_set_diag(a, d))
    want = a.copy()
    for b in range(2):
        want[b, np.arange(3), np.arange(3)] = d[b]      # NumPy: the diagonal written in place
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(_run(tf.linalg.set_diag(a, d)), want)
    with pytest.raises(ValueError, match=r"diagonal must have shape \[2, 3\]"):
        tf.linalg.set_diag(a, np.zeros((2, 4), np.float32))


def test_gather_and_embedding_lookup_take_a_python_int_index():
    # TF converts the int to an int32 index (it took the params' float dtype: a TypeError)
    p = np.arange(6, dtype=np.float32).reshape(3, 2)
    np.testing.assert_array_equal(_run(tf.gather(p, 1)), p[1])
    np.testing.assert_array_equal(_run(tf.gather(p, np.int64(1), axis=1)), p[:, 1])
    np.testing.assert_array_equal(_run(tf.nn.embedding_lookup(p, 2)), p[2])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"5 is not in \[0, 3\)"):
        _run(tf.gather(p, 5))


def test_top_k_refuses_k_past_the_fed_width_at_run_time():
    a = tf.placeholder(tf.float32, [None])
    t = tf.nn.top_k(a, 3)
    with tf.Session() as sess:
        v, i = sess.run(t, {a: [1., 2., 5., 0.]})
        assert v.tolist() == [5., 2., 1.] and i.tolist() == [2, 1, 0]
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match="input must have at least k columns. Had"):
            sess.run(t, {a: [1., 2.]})          # (it gave the 2 there were)
    with pytest.raises(ValueError, match="input must have at least k columns. Had 2, needed 3"):
        tf.nn.top_k(tf.ones([2]), 3)
