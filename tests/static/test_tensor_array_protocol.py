"""A graph tensor has no value for NumPy: TF 1.15's Tensor.__array__ raises NotImplementedError
(keras.io's pretrained-word-embeddings page called np.argmax on a model output; without it NumPy
made a 0-d object array and np.argmax answered 0 whatever the values)."""

import numpy as np
import pytest

import dlcore_static as tf


def test_numpy_refuses_a_symbolic_tensor_with_tf_message():
    g = tf.Graph()
    with g.as_default():
        y = tf.nn.softmax(tf.placeholder(tf.float32, [2, 3]), name="probs")
        for convert in (np.asarray, np.argmax, np.array):
            with pytest.raises(NotImplementedError,
                               match=r"^Cannot convert a symbolic Tensor \(probs:0\) to a numpy "
                                     r"array\.$"):
                convert(y)
        # NumPy operands on either side still build nodes, and the values are right
        z = np.float32(3) * tf.constant([1.0, 2.0]) + np.array([1.0, 1.0], np.float32)
        with tf.Session() as s:
            np.testing.assert_array_equal(s.run(z), [4.0, 7.0])
