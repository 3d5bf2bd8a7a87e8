"""padding='SAME' at stride 1 on an input of unknown spatial size (a [None, None, None, C]
placeholder: the fully convolutional programs): the padding, (k - 1) d split with the odd pixel
last, does not depend on the size, so the graph builds and gives what the same convolution on
a known-size placeholder gives, values and gradients, for two image sizes fed to one graph;
a strided SAME convolution still needs the size, and says so."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf


@pytest.mark.parametrize("k,dilation", [(3, 1), (4, 2)])
def test_same_conv_of_unknown_size_equals_known_size(k, dilation):
    rs = np.random.RandomState(0)
    w = rs.randn(k, k, 2, 3).astype(np.float32)
    g = tf.Graph()
    with g.as_default():
        x_any = tf.placeholder(tf.float32, [None, None, None, 2])
        y_any = tf.nn.conv2d(x_any, w, [1, 1, 1, 1], "SAME", dilations=[1, dilation, dilation, 1])
        gx_any = tf.gradients(tf.reduce_sum(y_any * y_any), x_any)[0]
        assert y_any.shape.as_list() == [None, None, None, 3]
        with tf.Session() as sess:
            for shape in ((2, 5, 6, 2), (1, 8, 3, 2)):
                x = rs.randn(*shape).astype(np.float32)
                x_known = tf.placeholder(tf.float32, shape)
                y_known = tf.nn.conv2d(x_known, w, [1, 1, 1, 1], "SAME",
                                       dilations=[1, dilation, dilation, 1])
                gx_known = tf.gradients(tf.reduce_sum(y_known * y_known), x_known)[0]
                a, ga = sess.run([y_any, gx_any], {x_any: x})
                b, gb = sess.run([y_known, gx_known], {x_known: x})
                assert a.shape == shape[:3] + (3,)
                np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
                np.testing.assert_allclose(ga, gb, rtol=1e-5, atol=1e-4)


def test_strided_same_conv_needs_the_size():
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None, None, None, 1])
        with pytest.raises(ValueError, match=r"padding='SAME' with strides \[2, 2\] needs "
                                             "known spatial sizes"):
            tf.nn.conv2d(x, np.ones((3, 3, 1, 1), np.float32), [1, 2, 2, 1], "SAME")
