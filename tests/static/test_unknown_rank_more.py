"""More ops on placeholders of unknown rank (``tf.placeholder(tf.float64)``, no shape): each run
on feeds of two ranks against NumPy, gradients against central differences, bad feeds as
run-time InvalidArgumentErrors naming the op, and what is not supported as build-time
ValueErrors (never a silently wrong value: expand_dims(x, -1), stack(axis=-1),
l2_normalize(axis=-1), squeeze(axis=-1), norm(axis=-1), layers.flatten gave wrong values)."""

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


R = np.random.RandomState(0)
A2 = R.randn(2, 3)
A3 = R.randn(2, 3, 4)
A3b = R.randn(2, 4, 3)


def _l2n(v, axis):
    return v / np.sqrt(np.maximum((v * v).sum(axis, keepdims=True), 1e-12))


def _clip(v, c, axis):
    n = np.sqrt((v * v).sum(axis, keepdims=True))
    return v * c / np.maximum(n, c)


def _rev_excl_cumsum(v, axis):
    f = np.flip(v, axis)
    return np.flip(np.cumsum(f, axis) - f, axis)


def _wvar(v, w, axis):
    m = (w * v).sum(axis, keepdims=True) / w.sum(axis, keepdims=True)
    return (w * (v - m) ** 2).sum(axis) / w.sum(axis)


# (name, build from x of unknown rank, NumPy reference, feeds, differentiable)
CASES = [
    ("cumsum_last", lambda x: tf.cumsum(x, axis=-1), lambda v: np.cumsum(v, -1), (A2, A3), 1),
    ("cumsum_1", lambda x: tf.cumsum(x, axis=1), lambda v: np.cumsum(v, 1), (A2, A3), 1),
    ("cumsum_rev_excl", lambda x: tf.cumsum(x, 1, exclusive=True, reverse=True),
     lambda v: _rev_excl_cumsum(v, 1), (A2, A3), 1),
    ("cumprod_last", lambda x: tf.cumprod(x, axis=-1), lambda v: np.cumprod(v, -1), (A2, A3), 1),
    ("l2_normalize_last", lambda x: tf.nn.l2_normalize(x, axis=-1), lambda v: _l2n(v, -1),
     (A2, A3), 1),
    ("l2_normalize_0", lambda x: tf.nn.l2_normalize(x, axis=0), lambda v: _l2n(v, 0),
     (A2, A3), 1),
    ("l2_normalize_01", lambda x: tf.nn.l2_normalize(x, axis=[0, 1]),
     lambda v: _l2n(v, (0, 1)), (A2, A3), 1),
    ("moments_mean", lambda x: tf.nn.moments(x, axes=[1])[0], lambda v: v.mean(1), (A2, A3), 1),
    ("moments_var", lambda x: tf.nn.moments(x, axes=[1])[1], lambda v: v.var(1), (A2, A3), 1),
    ("moments_keep", lambda x: tf.nn.moments(x, axes=[0, 1], keep_dims=True)[1],
     lambda v: v.var((0, 1), keepdims=True), (A2, A3), 1),
    ("reverse_last", lambda x: tf.reverse(x, axis=[-1]), lambda v: v[..., ::-1], (A2, A3), 1),
    ("reverse_0_last", lambda x: tf.reverse(x, [0, -1]), lambda v: v[::-1, ..., ::-1],
     (A2, A3), 1),
    ("expand_last", lambda x: tf.expand_dims(x, -1), lambda v: v[..., None], (A2, A3), 1),
    ("expand_0", lambda x: tf.expand_dims(x, 0), lambda v: v[None], (A2, A3), 1),
    ("expand_minus2", lambda x: tf.expand_dims(x, -2), lambda v: np.expand_dims(v, -2),
     (A2, A3), 1),
    ("expand_1", lambda x: tf.expand_dims(x, 1), lambda v: np.expand_dims(v, 1), (A2, A3), 1),
    ("stack_last", lambda x: tf.stack([x, 2 * x], axis=-1), lambda v: np.stack([v, 2 * v], -1),
     (A2, A3), 1),
    ("stack_0", lambda x: tf.stack([x, x * x]), lambda v: np.stack([v, v * v]), (A2, A3), 1),
    ("stack_1", lambda x: tf.stack([x, x], 1), lambda v: np.stack([v, v], 1), (A2, A3), 1),
    ("gather_last", lambda x: tf.gather(x, [1, 0], axis=-1), lambda v: v[..., [1, 0]],
     (A2, A3), 1),
    ("gather_1_2d_idx", lambda x: tf.gather(x, [[2, 0], [1, 1]], axis=1),
     lambda v: np.take(v, [[2, 0], [1, 1]], 1), (A2, A3), 1),
    ("gather_0", lambda x: tf.gather(x, [1, 1, 0]), lambda v: v[[1, 1, 0]], (A2, A3), 1),
    ("top_k_values", lambda x: tf.nn.top_k(x, 2).values, lambda v: -np.sort(-v, -1)[..., :2],
     (A2, A3), 1),
    ("tile_2d", lambda x: tf.tile(x, [1, 2]), lambda v: np.tile(v, [1, 2]), (A2,), 1),
    ("tile_3d", lambda x: tf.tile(x, [2, 1, 2]), lambda v: np.tile(v, [2, 1, 2]), (A3,), 1),
    ("pad_2d", lambda x: tf.pad(x, [[0, 0], [1, 0]]), lambda v: np.pad(v, [[0, 0], [1, 0]]),
     (A2,), 1),
    ("pad_3d_reflect", lambda x: tf.pad(x, [[0, 1], [1, 1], [0, 0]], "REFLECT"),
     lambda v: np.pad(v, [[0, 1], [1, 1], [0, 0]], "reflect"), (A3,), 1),
    ("split_last", lambda x: tf.split(x, 3, axis=-1)[1], lambda v: v[..., 1:2], (A2, A3b), 1),
    ("split_sizes", lambda x: tf.split(x, [1, 2], axis=1)[1], lambda v: v[:, 1:], (A2, A3), 1),
    ("unstack_last", lambda x: tf.unstack(x, num=3, axis=-1)[2], lambda v: v[..., 2],
     (A2, A3b), 1),
    ("unstack_1", lambda x: tf.unstack(x, num=3, axis=1)[0], lambda v: v[:, 0], (A2, A3), 1),
    ("sort_desc", lambda x: tf.sort(x, axis=-1, direction="DESCENDING"),
     lambda v: -np.sort(-v, -1), (A2, A3), 1),
    ("sort_0", lambda x: tf.sort(x, axis=0), lambda v: np.sort(v, 0), (A2, A3), 1),
    ("argsort_last", lambda x: tf.argsort(x, axis=-1),
     lambda v: np.argsort(v, -1, kind="stable"), (A2, A3), 0),
    ("squeeze_last", lambda x: tf.squeeze(x, axis=-1), lambda v: v[..., 0],
     (A2[..., :1], A3[..., :1]), 1),
    ("squeeze_1", lambda x: tf.squeeze(x, axis=[1]), lambda v: v[:, 0], (A2[:, :1], A3[:, :1]),
     1),
    ("squeeze_all", lambda x: tf.squeeze(x), lambda v: np.squeeze(v), (A3[:, :1], A3[:1, :, :1]),
     1),
    ("variance_last", lambda x: tf.math.reduce_variance(x, -1), lambda v: v.var(-1), (A2, A3), 1),
    ("std_1_keep", lambda x: tf.math.reduce_std(x, 1, keepdims=True),
     lambda v: v.std(1, keepdims=True), (A2, A3), 1),
    ("norm_last", lambda x: tf.norm(x, axis=-1), lambda v: np.linalg.norm(v, axis=-1), (A2, A3),
     1),
    ("norm_1_ord1", lambda x: tf.norm(x, ord=1, axis=1), lambda v: np.abs(v).sum(1), (A2, A3), 1),
    ("clip_by_norm_last", lambda x: tf.clip_by_norm(x, 1.0, axes=[-1]),
     lambda v: _clip(v, 1.0, -1), (A2, A3), 1),
    ("count_nonzero_last", lambda x: tf.math.count_nonzero(tf.nn.relu(x), -1),
     lambda v: (v > 0).sum(-1), (A2, A3), 0),
    ("layers_flatten", lambda x: tf.layers.flatten(x), lambda v: v.reshape(len(v), -1), (A2, A3),
     1),
    ("boolean_mask", lambda x: tf.boolean_mask(x, [True, False]), lambda v: v[:1], (A2, A3), 1),
    ("roll_last", lambda x: tf.roll(x, 1, axis=-1), lambda v: np.roll(v, 1, -1), (A2, A3), 1),
    ("roll_two", lambda x: tf.roll(x, [-1, 4], axis=[0, 1]), lambda v: np.roll(v, (-1, 4), (0, 1)),
     (A2, A3), 1),
    ("slice_2d", lambda x: tf.slice(x, [0, 1], [-1, 2]), lambda v: v[:, 1:3], (A2,), 1),
    ("strided_slice", lambda x: tf.strided_slice(x, [0, 1], [2, 3]), lambda v: v[0:2, 1:3],
     (A2, A3), 1),
    ("matrix_transpose", lambda x: tf.linalg.matrix_transpose(x), lambda v: np.swapaxes(v, -1, -2),
     (A2, A3), 1),
    ("diag_part", lambda x: tf.linalg.diag_part(x), lambda v: np.diagonal(v, 0, -2, -1).copy(),
     (A2, A3), 1),
    ("trace", lambda x: tf.linalg.trace(x), lambda v: np.trace(v, 0, -2, -1), (A2, A3), 1),
    ("weighted_moments_var", lambda x: tf.nn.weighted_moments(x, [1], 0.5 + x * x)[1],
     lambda v: _wvar(v, 0.5 + v * v, 1), (A2, A3), 1),
    ("weighted_moments_keep", lambda x: tf.nn.weighted_moments(x, [-1], 2.0, keepdims=True)[0],
     lambda v: v.mean(-1, keepdims=True), (A2, A3), 1),
    ("sufficient_statistics_sq", lambda x: tf.nn.sufficient_statistics(x, [0, 1])[2],
     lambda v: (v * v).sum((0, 1)), (A2, A3), 1),
    ("sufficient_statistics_count", lambda x: tf.nn.sufficient_statistics(x, [1], shift=0.5)[0]
     + tf.nn.sufficient_statistics(x, [1], shift=0.5)[1],
     lambda v: v.shape[1] + (v - 0.5).sum(1), (A2, A3), 1),
    ("einsum_ij_ji", lambda x: tf.einsum("ij->ji", x), lambda v: v.T, (A2,), 1),
    ("einsum_bij_j", lambda x: tf.einsum("bij,j->bi", x, tf.constant([1.0, 2.0, 3.0, 4.0],
                                                                        tf.float64)),
     lambda v: v @ np.array([1.0, 2.0, 3.0, 4.0]), (A3,), 1),
]


@pytest.mark.parametrize("name,build,ref,feeds,diff", CASES, ids=[c[0] for c in CASES])
def test_value_and_gradient_at_two_ranks(name, build, ref, feeds, diff):
    x = tf.placeholder(tf.float64)
    y = build(x)
    for v in feeds:
        expected = np.asarray(ref(v))
        with tf.Session() as sess:
            got = sess.run(y, {x: v})
        assert got.shape == expected.shape, (name, v.shape)
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)
    if not diff:
        return
    for v in feeds:
        w = np.random.RandomState(1).standard_normal(np.shape(ref(v)))
        (g,) = tf.gradients(tf.reduce_sum(y * w), [x])
        with tf.Session() as sess:
            dx = sess.run(g, {x: v})
        want = numeric_grad(lambda u: float(np.sum(ref(u) * w)), v.copy())
        np.testing.assert_allclose(dx, want, rtol=1e-6, atol=1e-7)


def test_build_shapes():
    x = tf.placeholder(tf.float32)
    assert str(tf.tile(x, [1, 2]).shape) == "(?, ?)"
    assert str(tf.pad(x, [[0, 0], [1, 0]]).shape) == "(?, ?)"
    assert str(tf.expand_dims(x, -1).shape) == "<unknown>"
    assert str(tf.stack([x, x], -1).shape) == "<unknown>"
    assert str(tf.stack([x, tf.ones([2, 3])], -1).shape) == "(2, 3, 2)"
    assert len(tf.split(x, 3, axis=-1)) == 3 and len(tf.unstack(x, num=4)) == 4


def test_top_k_indices_and_stack_with_a_known_input():
    x = tf.placeholder(tf.float32)
    t = tf.nn.top_k(x, 2)
    s = tf.stack([x, tf.ones([2, 3])], axis=-1)
    v = A3.astype(np.float32)
    with tf.Session() as sess:
        idx = sess.run(t.indices, {x: v})
        assert idx.dtype == np.int32
        np.testing.assert_array_equal(idx, np.argsort(-v, -1, kind="stable")[..., :2])
        a2 = A2.astype(np.float32)
        np.testing.assert_array_equal(sess.run(s, {x: a2}), np.stack([a2, np.ones((2, 3))], -1))
        with pytest.raises(InvalidArgumentError, match=r"Pack .*must have rank 2; it was fed "
                                                       r"with shape"):
            sess.run(s, {x: v})


def test_sparse_softmax_cross_entropy_logits_of_unknown_rank():
    def ref(lg, lb):
        m = lg.max(-1, keepdims=True)
        lse = np.log(np.exp(lg - m).sum(-1)) + m[..., 0]
        return lse - np.take_along_axis(lg, lb[..., None], -1)[..., 0]

    x = tf.placeholder(tf.float64)
    labels2 = np.array([0, 2])
    labels3 = np.array([[0, 2, 1, 1], [2, 2, 0, 1]])
    lb_unknown = tf.placeholder(tf.int64)
    for lb, lbv, v in ((tf.constant(labels2), labels2, A2), (tf.constant(labels3), labels3, A3b),
                       (lb_unknown, labels3, A3b)):
        y = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=lb, logits=x)
        (g,) = tf.gradients(tf.reduce_sum(y), [x])
        with tf.Session() as sess:
            got, dx = sess.run([y, g], {x: v, lb_unknown: labels3})
        np.testing.assert_allclose(got, ref(v, lbv), rtol=1e-10)
        want = numeric_grad(lambda u: float(np.sum(ref(u, lbv))), v.copy())
        np.testing.assert_allclose(dx, want, rtol=1e-6, atol=1e-7)
    y = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tf.constant([0, 3]), logits=x)
    with tf.Session() as sess:
        with pytest.raises(InvalidArgumentError, match=r"label is outside the valid range"):
            sess.run(y, {x: A2})
        with pytest.raises(InvalidArgumentError, match=r"SparseSoftmaxCrossEntropyWithLogits.*"
                                                       r"must have rank 2"):
            sess.run(y, {x: A3})


@pytest.mark.parametrize("axis", [0, 1, 2])
def test_one_hot_axis_of_unknown_rank_indices(axis):
    i = tf.placeholder(tf.int32)
    y = tf.one_hot(i, 3, axis=axis)
    iv = np.array([[0, 2, 1, 5], [1, 0, 2, 2]], np.int32)
    want = np.moveaxis((iv[..., None] == np.arange(3)).astype(np.float32), -1, axis)
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(y, {i: iv}), want)
        if axis == 2:
            with pytest.raises(InvalidArgumentError, match=r"one_hot: Expected axis to be -1 or "
                                                           r"between \[0, rank \+ 1\)"):
                sess.run(y, {i: iv[0]})


# ------------------------------------------------------------------------- bad feeds
def test_bad_feeds_are_invalid_argument_errors():
    x = tf.placeholder(tf.float32)
    tile = tf.tile(x, [1, 2])
    pad = tf.pad(x, [[0, 0], [1, 0]])
    sq = tf.squeeze(x, -1)
    sizes = tf.split(x, [1, 1], axis=1)[0]
    uns = tf.unstack(x, num=2, axis=-1)[0]
    v = np.ones((2, 3), np.float32)
    with tf.Session() as sess:
        with pytest.raises(InvalidArgumentError, match=r"Tile '[\w/]*Tile': input 0 \(of unknown "
                                                       r"rank when the graph was built\) must have "
                                                       r"rank 2; it was fed with shape"):
            sess.run(tile, {x: np.ones((2, 3, 1), np.float32)})
        with pytest.raises(InvalidArgumentError, match=r"Pad .*must have rank 2"):
            sess.run(pad, {x: np.ones(3, np.float32)})
        with pytest.raises(InvalidArgumentError, match=r"Squeeze: can not squeeze dimensions "
                                                       r"\[-1\] that are not 1"):
            sess.run(sq, {x: v})
        with pytest.raises(InvalidArgumentError, match=r"Split: the sizes \[1, 1\] must add up"):
            sess.run(sizes, {x: v})
        with pytest.raises(InvalidArgumentError):
            sess.run(uns, {x: v})           # 3 slices fed, num=2
        np.testing.assert_array_equal(sess.run(uns, {x: v[:, :2]}), v[:, 0])


def test_unsupported_forms_are_build_time_value_errors():
    x = tf.placeholder(tf.float32)
    with pytest.raises(ValueError, match=r"Cannot infer num from shape <unknown>"):
        tf.unstack(x)
    with pytest.raises(ValueError, match=r"norm: a matrix norm over axes \[0, 1\] of a tensor of "
                                         r"unknown rank is not supported"):
        tf.norm(x, axis=[0, 1])
    with pytest.raises(ValueError, match=r"boolean_mask: axis=1 of a tensor of unknown rank"):
        tf.boolean_mask(x, [True, False], axis=1)
    with pytest.raises(ValueError, match=r"axes \[-1, 0\] of a tensor of unknown rank mix "
                                         r"negative and non-negative"):
        tf.nn.l2_normalize(x, axis=[-1, 0])
    with pytest.raises(ValueError, match=r"the axis of a tensor of unknown rank must be a "
                                         r"Python int"):
        tf.cumsum(x, axis=tf.constant(1))


def test_ops_needing_the_rank_at_build_time_refuse_it_clearly():
    x = tf.placeholder(tf.float32)
    with pytest.raises(ValueError, match=r"batch_normalization: the input Placeholder:0 has "
                                         r"unknown rank"):
        tf.layers.batch_normalization(x, training=True)
    with pytest.raises(ValueError, match=r"ReverseSequence: the input Placeholder:0 has unknown "
                                         r"rank"):
        tf.reverse_sequence(x, [1, 2], seq_axis=1, batch_axis=0)
    with pytest.raises(ValueError, match=r"einsum: operand 0 has unknown rank and its subscripts "
                                         r"'\.\.\.ij' hold an ellipsis"):
        tf.einsum("...ij->...ji", x)
    for seg in (lambda: tf.math.segment_sum(x, [0, 0]),
                lambda: tf.math.unsorted_segment_max(x, [1, 0], 2)):
        with pytest.raises(ValueError, match=r"(Unsorted)?Segment\w+: the input Placeholder:0 "
                                             r"has unknown rank \(the segment ops need data's "
                                             r"dimensions"):
            seg()
    with pytest.raises(ValueError, match=r"local_response_normalization: the depth \(last\) "
                                         r"dimension must be known"):
        tf.nn.lrn(x)


def test_weighted_moments_with_a_number_weight_known_shape():
    x = tf.placeholder(tf.float32, [2, 3])
    m, v = tf.nn.weighted_moments(x, [1], 1.0)     # (was AttributeError: 'float' ... 'aval')
    a = A2.astype(np.float32)
    with tf.Session() as sess:
        got_m, got_v = sess.run([m, v], {x: a})
    np.testing.assert_allclose(got_m, a.mean(1), rtol=1e-6)
    np.testing.assert_allclose(got_v, a.var(1), rtol=1e-5)
    with pytest.raises(ValueError, match=r"MatrixBandPart: the input Placeholder_1:0 has unknown "
                                         r"rank"):
        tf.linalg.band_part(tf.placeholder(tf.float32), 0, 0)
