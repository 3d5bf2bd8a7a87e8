"""Session-5 probe of the static front end: calls TensorFlow 1 refuses at graph-build time
that dlcore used to build into a silently wrong graph (a tf.slice past the end or with a
negative size, tf.reverse on an axis the tensor lacks, a REFLECT/SYMMETRIC pad wider than the
dimension, which produced the wrong shape, negative paddings, dropout with keep_prob 0, which
gave NaN, or outside (0, 1]).  Each must raise TF's class with TF's words and add nothing
that runs."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf

CASES = [
    ("slice_size_past_end", lambda x: tf.slice(x, [0, 1], [3, 2]), ValueError,
     r"Expected size\[1\] in \[0, 1\], but got 2"),
    ("slice_negative_size", lambda x: tf.slice(x, [0, 0], [-2, 1]), ValueError,
     r"Expected size\[0\] in \[0, 3\], but got -2"),
    ("slice_negative_begin", lambda x: tf.slice(x, [-1, 0], [1, 1]), ValueError,
     r"Expected begin\[0\] in \[0, 3\], but got -1"),
    ("slice_begin_past_end", lambda x: tf.slice(x, [0, 3], [1, 0]), ValueError,
     r"Expected begin\[1\] in \[0, 2\], but got 3"),
    ("reverse_axis", lambda x: tf.reverse(x, [2]), IndexError,
     r"'axis'\[0\] = 2 is out of valid range \[-2, 1\].*'ReverseV2'.*\[3,2\]"),
    ("reverse_negative_axis", lambda x: tf.reverse(x, [0, -3]), IndexError,
     r"'axis'\[1\] = -3 is out of valid range"),
    ("pad_negative", lambda x: tf.pad(x, [[0, 0], [-1, 0]]), ValueError,
     r"Paddings must be non-negative: -1 0"),
    ("pad_reflect_too_wide", lambda x: tf.pad(x, [[0, 0], [2, 0]], "REFLECT"), ValueError,
     r"paddings must be less than the dimension size: 2, 0 not less than 2"),
    ("pad_symmetric_too_wide", lambda x: tf.pad(x, [[4, 0], [0, 0]], "SYMMETRIC"), ValueError,
     r"paddings must be no greater than the dimension size: 4, 0 greater than 3"),
    ("dropout_keep_prob_0", lambda x: tf.nn.dropout(x, keep_prob=0.0), ValueError,
     r"keep_prob must be a scalar tensor or a float in the range \(0, 1\], got 0\.0"),
    ("dropout_keep_prob_1.5", lambda x: tf.nn.dropout(x, 1.5), ValueError,
     r"keep_prob .* got 1\.5"),
    ("dropout_rate_1", lambda x: tf.nn.dropout(x, rate=1.0), ValueError,
     r"rate must be a scalar tensor or a float in the range \[0, 1\), got 1\.0"),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_refused_at_build_time_and_graph_unchanged(case):
    _, fn, exc, pattern = case
    with tf.Graph().as_default() as g:
        x = tf.placeholder(tf.float32, (3, 2), name="x")
        before = len(g.get_operations())
        with pytest.raises(exc, match=pattern):
            fn(x)
        assert len(g.get_operations()) == before


def test_valid_edges_still_build_and_run():
    v = np.arange(6, dtype=np.float32).reshape(3, 2)
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, (3, 2))
        outs = [tf.slice(x, [1, 0], [-1, 2]), tf.slice(x, [3, 2], [0, 0]),
                tf.reverse(x, [-1, 0]), tf.pad(x, [[2, 2], [1, 1]], "REFLECT"),
                tf.pad(x, [[3, 0], [0, 2]], "SYMMETRIC"), tf.nn.dropout(x, keep_prob=1.0)]
        got = tf.Session().run(outs, {x: v})
    want = [v[1:], v[3:, 2:], v[::-1, ::-1], np.pad(v, [[2, 2], [1, 1]], "reflect"),
            np.pad(v, [[3, 0], [0, 2]], "symmetric"), v]
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a, b)


def test_dropout_keep_prob_fed_as_a_tensor_is_not_checked_at_build_time():
    with tf.Graph().as_default():
        x = tf.ones((4,))
        kp = tf.placeholder(tf.float32, ())
        y = tf.nn.dropout(x, keep_prob=kp)
        s = tf.Session()
        np.testing.assert_array_equal(s.run(y, {kp: 1.0}), np.ones(4))
        assert set(np.unique(s.run(tf.nn.dropout(tf.ones((64,)), kp), {kp: 0.5}))) == {0, 2}


# ---------------------------------------------------------------------------- Keras targets
def _keras_model(loss, units):
    from dlcore_static import keras
    m = keras.Sequential([keras.layers.Dense(units, input_shape=(3,))])
    m.compile(optimizer="sgd", loss=loss)
    return m


X4 = np.arange(12, dtype=np.float32).reshape(4, 3) / 10
KERAS = [
    ("fit_fewer_targets", "mse", 2, lambda m: m.fit(X4, np.ones((3, 2)), verbose=0), ValueError,
     (r"Input arrays should have the same number of samples as target arrays\. Found 4 input "
      r"samples and 3 target samples\.")),
    ("evaluate_more_targets", "mse", 2, lambda m: m.evaluate(X4, np.ones((5, 2)), verbose=0),
     ValueError, r"Found 4 input samples and 5 target samples"),
    ("mse_target_shape", "mse", 2, lambda m: m.fit(X4, np.ones((4, 3)), verbose=0), ValueError,
     (r"A target array with shape \(4, 3\) was passed for an output of shape \(None, 2\) "
      r"while using as loss `mean_squared_error`\. This loss expects targets to have the same "
      r"shape")),
    ("categorical_integer_labels", "categorical_crossentropy", 3,
     lambda m: m.train_on_batch(X4, np.array([0, 1, 2, 1])), ValueError,
     (r"You are passing a target array of shape \(4, 1\) while using as loss "
      r"`categorical_crossentropy`")),
    ("sparse_label_too_big", "sparse_categorical_crossentropy", 3,
     lambda m: m.fit(X4, np.array([0, 1, 2, 3]), verbose=0), tf.errors.InvalidArgumentError,
     r"Received a label value of 3 which is outside the valid range of \[0, 3\)\."),
    ("sparse_label_negative", "sparse_categorical_crossentropy", 3,
     lambda m: m.evaluate(X4, np.array([0, -1, 2, 1]), verbose=0),
     tf.errors.InvalidArgumentError, r"Received a label value of -1 which is outside"),
]


@pytest.mark.parametrize("case", KERAS, ids=[c[0] for c in KERAS])
def test_keras_refuses_bad_targets_before_anything_runs(case):
    _, loss, units, fn, exc, pattern = case
    m = _keras_model(loss, units)
    before = [w.copy() for w in m.get_weights()]
    with pytest.raises(exc, match=pattern):
        fn(m)
    for a, b in zip(m.get_weights(), before):
        np.testing.assert_array_equal(a, b)
    y = np.eye(units, dtype=np.float32)[[0, 1, 1, 0]] if "categorical" == loss[:11] else \
        (np.array([0, 1, 2, 1]) if loss.startswith("sparse") else np.ones((4, units)))
    m.fit(X4, y, verbose=0)                        # and the model trains afterwards
