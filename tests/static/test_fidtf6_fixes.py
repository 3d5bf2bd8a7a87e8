"""Library fixes found by the fidtf6 TF1 programs (tests/programs/static/test_programs_fidtf6.py),
one focused test each, against TensorFlow 1's behaviour."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf


# -- convolutions check their operands' dtypes (Hvass 15's float64 filters next to float32 images)
@pytest.mark.parametrize("make, message", [
    (lambda x, w: tf.nn.conv2d(x, w, [1, 1, 1, 1], "SAME"),
     ("Input 'filter' of 'Conv2D' Op has type float64 that does not match type float32 of "
      "argument 'input'.")),
    (lambda x, w: tf.nn.depthwise_conv2d(x, w, [1, 1, 1, 1], "SAME"),
     ("Input 'filter' of 'DepthwiseConv2dNative' Op has type float64 that does not match "
      "type float32 of argument 'input'.")),
    (lambda x, w: tf.nn.conv2d_transpose(x, w, [1, 4, 4, 3], [1, 1, 1, 1]),
     ("Input 'out_backprop' of 'Conv2DBackpropInput' Op has type float32 that does not "
      "match type float64 of argument 'filter'.")),
])
def test_conv_mixed_dtypes_are_tf_type_errors(make, message):
    x = tf.placeholder(tf.float32, [None, 4, 4, 3])
    w = tf.constant(np.ones((3, 3, 3, 3)))                       # float64
    before = len(tf.get_default_graph().get_operations())
    with pytest.raises(TypeError) as e:
        make(x, w)
    assert str(e.value) == message
    assert len(tf.get_default_graph().get_operations()) == before   # nothing built


def test_conv1d_variable_filter_of_other_dtype():
    x = tf.placeholder(tf.float32, [None, 5, 2])
    w = tf.Variable(np.ones((3, 2, 4)))
    with pytest.raises(TypeError, match="Input 'filter' of 'Conv2D' Op has type float64"):
        tf.nn.conv1d(x, w, 1, "SAME")


def test_conv2d_numpy_filter_takes_the_input_dtype():
    x = tf.placeholder(tf.float32, [1, 3, 3, 1])
    w = np.arange(4.0).reshape(2, 2, 1, 1)                        # float64 data
    y = tf.nn.conv2d(x, w, [1, 1, 1, 1], "VALID")
    assert y.dtype == tf.float32
    xv = np.arange(9, dtype=np.float32).reshape(1, 3, 3, 1)
    with tf.Session() as s:
        got = s.run(y, {x: xv})
    ref = np.array([[xv[0, i:i + 2, j:j + 2, 0].ravel() @ w.ravel() for j in range(2)]
                    for i in range(2)])
    np.testing.assert_allclose(got[0, :, :, 0], ref, rtol=1e-6)
