"""Python numbers fed to scalar placeholders (a loop depth, a learning rate, a keep_prob) take
the session's fast path: the same value and dtype as NumPy's conversion, and TensorFlow's
TypeError for an int outside the placeholder's integer range."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf


@pytest.mark.parametrize("dtype,value", [(tf.int32, 3), (tf.int32, 3.7), (tf.int32, True),
                                         (tf.float32, 3), (tf.float32, 0.1), (tf.bool, 0),
                                         (tf.uint8, 255), (tf.int64, -(2 ** 62)),
                                         (tf.float64, 1e300)])
def test_python_number_feed_equals_numpys_conversion(dtype, value):
    g = tf.Graph()
    with g.as_default():
        p = tf.placeholder(dtype, shape=())
        out = tf.identity(p)
    with tf.Session(graph=g) as sess:
        got = sess.run(out, {p: value})
    want = np.asarray(np.asarray(value), dtype=p.dtype.as_numpy_dtype)
    assert np.asarray(got).dtype == want.dtype and got == want


@pytest.mark.parametrize("dtype,value", [(tf.uint8, 256), (tf.uint8, -1), (tf.int32, 2 ** 31),
                                         (tf.int32, 2 ** 70)])
def test_int_outside_the_range_is_a_type_error(dtype, value):
    g = tf.Graph()
    with g.as_default():
        p = tf.placeholder(dtype, shape=())
        out = tf.identity(p)
    with tf.Session(graph=g) as sess, pytest.raises(TypeError, match=(
            f"Type of feed value {value} with type <class 'int'> is not compatible with "
            "Tensor type")):
        sess.run(out, {p: value})
