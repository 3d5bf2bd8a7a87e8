"""``noise_shape`` of ``tf.nn.dropout`` / ``tf.layers.dropout`` as TF 1.15 (it was silently
ignored): one keep/drop draw per cell of noise_shape, broadcast over x; None entries take x's
dims."""
import numpy as np
import pytest

import dlcore_static as tf


def _rows_are_all_or_nothing(y, scale):
    for row in y:
        assert np.all(row == 0) or np.allclose(row, scale)


def test_nn_dropout_shares_the_mask_along_broadcast_dims():
    x = tf.ones([64, 5])
    y = tf.nn.dropout(x, keep_prob=0.5, noise_shape=[64, 1], seed=1)
    with tf.Session() as s:
        out = s.run(y)
    _rows_are_all_or_nothing(out, 2.0)
    kept = (out[:, 0] != 0).mean()
    assert 0.2 < kept < 0.8                    # some rows kept, some dropped


def test_none_entries_take_the_fed_batch_and_layers_dropout_passes_it_on():
    x = tf.placeholder(tf.float32, [None, 3, 4])
    training = tf.placeholder_with_default(False, [])
    y = tf.layers.dropout(x, rate=0.5, noise_shape=[None, 1, 4], training=training, seed=3)
    z = tf.nn.dropout(x, rate=0.25, noise_shape=tf.constant([1, 3, 1]), seed=5)
    feed = {x: np.ones((50, 3, 4), np.float32)}
    with tf.Session() as s:
        a = s.run(y, {**feed, training: True})
        b = s.run(z, feed)
        np.testing.assert_array_equal(s.run(y, feed), feed[x])       # not training
    assert a.shape == b.shape == (50, 3, 4)
    assert np.all(a == a[:, :1, :])            # same mask along axis 1
    assert len({tuple(r) for r in (a[:, 0, :] != 0).astype(int)}) > 1   # batch rows differ
    assert np.all(b == b[:1, :, :1])
    assert {round(float(v), 5) for v in np.unique(b)} <= {0.0, round(1 / 0.75, 5)}
    np.testing.assert_allclose(np.unique(a), [0.0, 2.0])


def test_gradient_uses_the_same_broadcast_mask():
    x = tf.Variable(np.ones((8, 3), np.float32))
    y = tf.nn.dropout(x, rate=0.5, noise_shape=[8, 1], seed=7)
    (g,) = tf.gradients(tf.reduce_sum(y), [x])
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        yv, gv = s.run([y, g])
    np.testing.assert_array_equal(gv, yv)      # d sum(x * m / keep) / dx = m / keep


def test_none_entries_need_one_per_dim():
    x = tf.placeholder(tf.float32, [None, 3])
    with pytest.raises(ValueError, match="noise_shape"):
        tf.nn.dropout(x, rate=0.5, noise_shape=[None])
