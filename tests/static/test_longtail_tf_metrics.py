"""TF1 streaming metrics tf.metrics.root_mean_squared_error, true_negatives and mean_iou over
two batches, against NumPy (mean_iou's update op returns the confusion matrix, as TF1's)."""

from __future__ import annotations

import numpy as np

import dlcore_static as tf


def test_streaming_rmse_true_negatives_and_mean_iou():
    y = tf.placeholder(tf.int32, [None])
    p = tf.placeholder(tf.int32, [None])
    rmse, up_r = tf.metrics.root_mean_squared_error(tf.cast(y, tf.float32),
                                                    tf.cast(p, tf.float32))
    tn, up_t = tf.metrics.true_negatives(y > 0, p > 0)
    miou, up_m = tf.metrics.mean_iou(y, p, num_classes=4)
    batches = [([0, 1, 2, 2], [0, 2, 2, 1]), ([1, 1, 0], [1, 0, 0])]
    with tf.Session() as s:
        s.run(tf.local_variables_initializer())
        assert s.run(miou) == 0.0
        for a, b in batches:
            _, _, cm = s.run([up_r, up_t, up_m], {y: a, p: b})
        got = s.run([rmse, tn, miou])
    ya = np.concatenate([a for a, _ in batches])
    pa = np.concatenate([b for _, b in batches])
    want_cm = np.zeros((4, 4))
    np.add.at(want_cm, (ya, pa), 1)
    np.testing.assert_array_equal(cm, want_cm)
    assert got[0] == np.float32(np.sqrt(np.mean((ya - pa) ** 2.0)))
    assert got[1] == np.sum((ya == 0) & (pa == 0))
    diag = np.diag(want_cm)
    den = want_cm.sum(0) + want_cm.sum(1) - diag
    assert abs(got[2] - np.mean(diag[den > 0] / den[den > 0])) < 1e-6
