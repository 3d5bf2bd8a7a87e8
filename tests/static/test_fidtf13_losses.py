"""TF 1.15 fidelity of ``tf.losses`` (losses_impl.py) and Keras 2's sparse cross entropy: each
value is TF's formula computed here with NumPy (float32, as TF's ``to_float``)."""

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static.keras import backend as K
from dlcore_static.keras import losses as klosses

R = tf.losses.Reduction
L = (np.arange(12, dtype=np.float32).reshape(4, 3) - 3) / 4
WEIGHTS = {"scalar": 2.0, "scalar0": 0.0, "per_example": np.array([[1.], [0.], [2.], [3.]], np.float32),
           "full": np.where(L > 0.5, L, 0).astype(np.float32), "zeros": np.zeros((4, 1), np.float32)}


def run(t, feed=None):
    with tf.Session() as s:
        return s.run(t, feed)


def tf_reduce(losses, w, reduction):
    """compute_weighted_loss: w broadcast to the losses' shape; div_no_nan for the means."""
    wb = np.broadcast_to(np.asarray(w, np.float32), losses.shape)
    total = (losses * wb).sum(dtype=np.float32)

    def safe(d):
        return np.float32(total / d) if d != 0 else np.float32(0.0)
    return {R.NONE: losses * wb, R.SUM: total, R.MEAN: safe(wb.sum()),
            R.SUM_OVER_BATCH_SIZE: safe(losses.size),
            R.SUM_BY_NONZERO_WEIGHTS: safe((wb != 0).sum())}[reduction]


@pytest.mark.parametrize("wname", sorted(WEIGHTS))
@pytest.mark.parametrize("reduction", R.all())
def test_compute_weighted_loss_every_reduction(wname, reduction):
    w = WEIGHTS[wname]
    out = tf.losses.compute_weighted_loss(tf.constant(L), w, reduction=reduction)
    assert tf.get_collection(tf.GraphKeys.LOSSES) == [out]
    got = run(out)
    np.testing.assert_allclose(got, tf_reduce(L, w, reduction), rtol=1e-6)
    assert not np.isnan(got).any()


def test_mean_with_scalar_weight_is_the_mean_and_zero_weights_give_zero():
    ones = np.ones((4, 3), np.float32)
    got = run([tf.losses.compute_weighted_loss(ones, 12.0, reduction=R.MEAN),
               tf.losses.compute_weighted_loss(ones, 0.0, reduction=R.MEAN),
               tf.losses.compute_weighted_loss(ones, np.zeros((4, 3), np.float32)),
               tf.losses.compute_weighted_loss(np.zeros((0, 3), np.float32),
                                               reduction=R.SUM_OVER_BATCH_SIZE)])
    assert [float(g) for g in got] == [1.0, 0.0, 0.0, 0.0]      # was 12.0 and NaN


def test_loss_collection_none_and_named():
    a = tf.losses.mean_squared_error(L, L * 2, loss_collection=None)
    b = tf.losses.absolute_difference(L, L * 2, loss_collection="mine")
    assert tf.get_collection(tf.GraphKeys.LOSSES) == []
    assert tf.get_collection("mine") == [b] and a.name == "mean_squared_error/value:0"


def test_weights_that_do_not_broadcast_and_bad_reduction():
    with pytest.raises(ValueError, match=r"^weights can not be broadcast to values\. "
                       r"values\.rank=2\. weights\.rank=1\. values\.shape=\(4, 3\)\. "
                       r"weights\.shape=\(4,\)\.$"):
        tf.losses.compute_weighted_loss(L, np.ones(4, np.float32))
    with pytest.raises(ValueError, match=r"^weights can not be broadcast to values\. Mismatch "
                       r"at dim 0\. values\.shape=\[4 3\] weights\.shape=\[2 3\]\.$"):
        tf.losses.mean_squared_error(L, L, weights=np.ones((2, 3), np.float32))
    with pytest.raises(ValueError, match=r"^Invalid Reduction Key mean\.$"):
        tf.losses.compute_weighted_loss(L, reduction="mean")
    with pytest.raises(ValueError, match=r"^Shapes \(4, 1\) and \(4,\) are incompatible$"):
        tf.losses.mean_squared_error(np.ones(4, np.float32), np.ones((4, 1), np.float32))
    with pytest.raises(ValueError, match="^labels must not be None.$"):
        tf.losses.huber_loss(None, L)
    assert tf.get_collection(tf.GraphKeys.LOSSES) == []


def test_float64_data_is_computed_in_float32():
    y = np.array([0.1, 0.2, 0.3], np.float64)
    out = tf.losses.mean_squared_error(y, y * 3)
    assert out.dtype == tf.float32
    y32 = y.astype(np.float32)
    got = run(out)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, ((y32 * 3 - y32) ** 2).sum() / 3, rtol=1e-6)


def _log_softmax(x):
    m = x - x.max(-1, keepdims=True)
    return m - np.log(np.exp(m).sum(-1, keepdims=True))


LG = np.array([[1., 2., -1.], [0.5, -2., 3.], [0., 0., 1.]], np.float32)
LAB = np.array([[1, 0, 1], [0, 0, 1], [1, 1, 0]], np.float32)


def test_sigmoid_and_softmax_label_smoothing():
    s = 0.2
    got = run([tf.losses.sigmoid_cross_entropy(LAB, LG, label_smoothing=s),
               tf.losses.sigmoid_cross_entropy(LAB, LG, np.array([[1.], [0.], [2.]]), s),
               tf.losses.softmax_cross_entropy(LAB, LG, label_smoothing=s),
               tf.losses.softmax_cross_entropy(LAB, LG, label_smoothing=-0.5)])
    ls = LAB * (1 - s) + 0.5 * s
    sig = np.maximum(LG, 0) - LG * ls + np.log1p(np.exp(-np.abs(LG)))
    np.testing.assert_allclose(got[0], sig.mean(), rtol=1e-6)
    np.testing.assert_allclose(got[1], (sig[0].sum() + 2 * sig[2].sum()) / 6, rtol=1e-6)
    ls = LAB * (1 - s) + s / 3
    np.testing.assert_allclose(got[2], (-(ls * _log_softmax(LG)).sum(1)).mean(), rtol=1e-6)
    # label_smoothing <= 0 leaves the labels alone (TF: `if label_smoothing > 0`)
    np.testing.assert_allclose(got[3], (-(LAB * _log_softmax(LG)).sum(1)).mean(), rtol=1e-6)


def test_sparse_softmax_labels_and_weights_of_shape_n_1_are_squeezed():
    y = np.array([[2], [0], [1]])
    w = np.array([[1.], [3.], [0.]], np.float32)
    lab = tf.placeholder(tf.int32, (None, 1))
    out = tf.losses.sparse_softmax_cross_entropy(lab, LG, weights=w)
    per = -_log_softmax(LG)[[0, 1, 2], [2, 0, 1]]
    np.testing.assert_allclose(run(out, {lab: y}), (per * w[:, 0]).sum() / 2, rtol=1e-6)
    none = tf.losses.sparse_softmax_cross_entropy(y, LG, reduction=R.NONE)
    assert none.shape.as_list() == [3]
    np.testing.assert_allclose(run(none), per, rtol=1e-6)


def test_huber_log_hinge_cosine():
    p = np.array([[0.2, 0.9], [0.6, 0.1]], np.float32)
    y = np.array([[0., 1.], [1., 0.]], np.float32)
    got = run([tf.losses.huber_loss(y, p * 4, delta=0.5),
               tf.losses.log_loss(y, p, epsilon=0.1),
               tf.losses.hinge_loss(y, p * 3 - 1),
               tf.losses.cosine_distance(y, p, axis=1, reduction=R.SUM)])
    e = np.abs(p * 4 - y)
    q = np.minimum(e, 0.5)
    np.testing.assert_allclose(got[0], (0.5 * q * q + 0.5 * (e - q)).mean(), rtol=1e-6)
    np.testing.assert_allclose(got[1], (-y * np.log(p + 0.1) - (1 - y) * np.log(1 - p + 0.1))
                               .mean(), rtol=1e-6)
    np.testing.assert_allclose(got[2], np.maximum(0, 1 - (2 * y - 1) * (p * 3 - 1)).mean(),
                               rtol=1e-6)
    np.testing.assert_allclose(got[3], (1 - (y * p).sum(1)).sum(), rtol=1e-6)
    with pytest.raises(ValueError, match="^You must specify 'axis'.$"):
        tf.losses.cosine_distance(y, p)


def _pairwise(p, y, w):
    """TF 1.15's mean_pairwise_squared_error: per example n = its non-zero weights,
    2 sum(d^2) / (n - 1) - 2 (sum d)^2 / (n (n - 1)) (div_no_nan), times w, summed."""
    d = (p - y).reshape(len(p), -1)
    w = np.asarray(w, np.float32)
    n = np.broadcast_to((w != 0).astype(np.float32), p.shape).reshape(len(p), -1).sum(1)
    t1 = np.where(n - 1 > 0, 2 * (d ** 2).sum(1) / np.where(n - 1 > 0, n - 1, 1), 0)
    nn = n * (n - 1)
    t2 = np.where(nn > 0, 2 * d.sum(1) ** 2 / np.where(nn > 0, nn, 1), 0)
    per = (t1 - t2).reshape((len(p),) + (1,) * (p.ndim - 1))
    return (per * w).sum() if n.sum() > 0 else 0.0


def test_mean_pairwise_squared_error():
    p = np.array([[1., 2., 4.], [0., 3., 1.]], np.float32)
    y = np.array([[0., 2., 2.], [1., 1., 1.]], np.float32)
    ws = [1.0, np.array([[2.], [0.5]], np.float32), np.array([[1., 0., 1.], [1., 1., 1.]],
                                                             np.float32), 0.0]
    outs = [tf.losses.mean_pairwise_squared_error(y, p, weights=w) for w in ws]
    got = run(outs)
    assert abs(got[0] - 20 / 3) < 1e-5                 # (2 + 14/3): pairs of each row
    for g, w in zip(got, ws):
        np.testing.assert_allclose(g, _pairwise(p, y, w), rtol=1e-6)
    assert got[3] == 0.0 and tf.get_collection(tf.GraphKeys.LOSSES) == outs
    p3 = np.random.RandomState(0).rand(2, 2, 3).astype(np.float32)
    np.testing.assert_allclose(run(tf.losses.mean_pairwise_squared_error(p3 * 0, p3)),
                               _pairwise(p3, p3 * 0, 1.0), rtol=1e-5)


def test_keras_sparse_categorical_crossentropy_as_keras2_tf_backend():
    lg = np.array([[1., -np.inf, 2.], [0., 1., 2.]], np.float32)
    got = run([K.sparse_categorical_crossentropy(np.array([0, 2]), lg, from_logits=True),
               klosses.sparse_categorical_crossentropy(np.array([[0], [1]]),
                                                       np.array([[0.7, 0.3, 0.0],
                                                                 [0.0, 0.5, 0.5]], np.float32))])
    ref = -_log_softmax(np.where(np.isinf(lg), -1e30, lg))[[0, 1], [0, 2]]
    np.testing.assert_allclose(got[0], ref, rtol=1e-6)        # was NaN (0 * -inf)
    pc = np.clip(np.array([[0.7, 0.3, 0.0], [0.0, 0.5, 0.5]], np.float32), 1e-7, 1 - 1e-7)
    np.testing.assert_allclose(got[1], -np.log(pc[[0, 1], [0, 1]] / pc.sum(1)), rtol=1e-6)
    bad = K.sparse_categorical_crossentropy(np.array([0, 3]), lg, from_logits=True)
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"^Received a label value of 3 which is outside the valid range "
                             r"of \[0, 3\)\.  Label values: 0 3"):
        run(bad)                                              # was a silent 0
    with pytest.raises(ValueError, match=r"^Unexpected channels axis 2\. Expected to be -1 or "
                       r"one of the axes of `output`, which has 2 dimensions\.$"):
        K.sparse_categorical_crossentropy(np.array([0, 1]), lg, axis=2)


def test_keras_sparse_categorical_crossentropy_unknown_inner_dims_keep_their_shape():
    # review24 R5: ids (N, T) against probabilities (None, None, C) stay (N, T)
    out = tf.placeholder(tf.float32, (None, None, 5))
    ids = tf.placeholder(tf.int32, (None, None, 1))
    res = K.sparse_categorical_crossentropy(ids, out)
    assert res.shape.as_list() == [None, None]
    p = np.random.RandomState(1).dirichlet(np.ones(5), (2, 3)).astype(np.float32)
    y = np.array([[[0], [4], [2]], [[1], [1], [3]]])
    got = run(res, {out: p, ids: y})
    pc = np.clip(p, 1e-7, 1 - 1e-7)
    ref = -np.log(np.take_along_axis(pc, y, -1)[..., 0] / pc.sum(-1))
    assert got.shape == (2, 3)
    np.testing.assert_allclose(got, ref, rtol=1e-5)


@pytest.mark.parametrize("mask_zero", [False, True])
def test_keras_variable_length_sequence_model_evaluates(mask_zero):
    from dlcore_static.keras.layers import LSTM, Dense, Embedding, Input
    from dlcore_static.keras.models import Model
    rng = np.random.default_rng(0)
    x = rng.integers(1, 10, (8, 6))
    x[:, 4:] = 0
    y = rng.integers(0, 4, (8, 6, 1))
    i = Input(shape=(None,))
    h = LSTM(8, return_sequences=True)(Embedding(10, 8, mask_zero=mask_zero)(i))
    m = Model(i, Dense(4, activation="softmax")(h))
    m.compile("sgd", "sparse_categorical_crossentropy")
    p = m.predict(x)
    ref = -np.log(np.clip(np.take_along_axis(p, y, -1)[..., 0], 1e-7, 1 - 1e-7))
    msk = (x != 0) if mask_zero else np.ones_like(x, bool)
    np.testing.assert_allclose(m.evaluate(x, y, verbose=0), (ref * msk).sum() / msk.sum(),
                               rtol=1e-5)


def test_get_total_loss_scope_and_no_losses():
    with pytest.raises(ValueError, match=r"^inputs must be an iterable of at least one "
                                         r"Tensor/IndexedSlices with the same dtype and shape$"):
        tf.losses.get_total_loss()
    with tf.name_scope("a"):
        la = tf.losses.mean_squared_error(L, L * 2)
    with tf.name_scope("b"):
        lb = tf.losses.absolute_difference(L, L * 3)
    tf.add_to_collection(tf.GraphKeys.REGULARIZATION_LOSSES, tf.constant(0.5, name="a/reg"))
    got = run([tf.losses.get_total_loss(scope="a"), tf.losses.get_total_loss(),
               tf.losses.get_total_loss(False, scope="b")])
    mse, mae = (L ** 2).mean(), np.abs(2 * L).mean()
    np.testing.assert_allclose(got, [mse + 0.5, mse + mae + 0.5, mae], rtol=1e-6)
    assert tf.losses.get_losses(scope="b") == [lb] and la in tf.losses.get_losses()


def test_nn_sparse_xent_static_rank_and_shape_checks():
    lg = tf.constant(np.zeros((3, 4), np.float32))
    with pytest.raises(ValueError, match=r"^Rank mismatch: Rank of labels \(received 2\) should "
                                         r"equal rank of logits minus 1 \(received 2\)\.$"):
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=np.array([[0], [1], [2]]), logits=lg)
    with pytest.raises(ValueError, match=r"^Shape mismatch: The shape of labels \(received "
                       r"\(2,\)\) should equal the shape of logits except for the last "
                       r"dimension \(received \(3, 4\)\)\.$"):
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=np.array([0, 1]), logits=lg)
    out = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=np.array([0, 1, 3]), logits=lg)
    np.testing.assert_allclose(run(out), np.full(3, np.log(4)), rtol=1e-6)


def test_cosine_distance_float64_data_and_axis_dim():
    y = np.array([[1., 0.], [0., 1.]])
    p = np.array([[0.6, 0.8], [0.8, 0.6]])
    out = tf.losses.cosine_distance(y, p, dim=1, reduction=R.NONE)
    assert out.dtype == tf.float32 and out.shape.as_list() == [2, 1]
    np.testing.assert_allclose(run(out), [[0.4], [0.4]], rtol=1e-6)
    with pytest.raises(ValueError, match=r"^Cannot specify both 'axis' and 'dim'$"):
        tf.losses.cosine_distance(y, p, axis=1, dim=1)
