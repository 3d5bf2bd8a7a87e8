"""tf.contrib.rnn.OutputProjectionWrapper (Hands-On ML's time-series RNN): the wrapped cell's
output times a (output size, output_size) kernel plus a zero-initialised bias, the state passed
through, variables named as TensorFlow 1 names them, created once when static_rnn calls the
cell per step, and TensorFlow's errors for a bad output_size or a non-cell."""

import numpy as np
import pytest

import dlcore_static as tf


def _run(runner):
    x = tf.placeholder(tf.float32, [None, 3, 2])
    cell = tf.contrib.rnn.OutputProjectionWrapper(
        tf.contrib.rnn.BasicRNNCell(4, activation=tf.nn.relu), output_size=2,
        activation=tf.tanh)
    if runner == "dynamic":
        out, state = tf.nn.dynamic_rnn(cell, x, dtype=tf.float32)
    else:
        outs, state = tf.nn.static_rnn(cell, tf.unstack(x, axis=1), dtype=tf.float32)
        out = tf.stack(outs, 1)
    xv = np.random.default_rng(0).standard_normal((5, 3, 2)).astype(np.float32)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        got, st, vals = sess.run([out, state, tf.trainable_variables()], {x: xv})
    return cell, xv, got, st, vals


@pytest.mark.parametrize("runner", ["dynamic", "static"])
def test_projection_values_and_variables(runner):
    with tf.Graph().as_default():
        cell, xv, got, st, (w, b, pw, pb) = _run(runner)
        names = [v.name for v in tf.trainable_variables()]
    assert names == ["rnn/output_projection_wrapper/basic_rnn_cell/kernel:0",
                     "rnn/output_projection_wrapper/basic_rnn_cell/bias:0",
                     "rnn/output_projection_wrapper/kernel:0",
                     "rnn/output_projection_wrapper/bias:0"]
    assert (cell.output_size, cell.state_size) == (2, 4) and not pb.any()
    h, outs = np.zeros((5, 4), np.float32), []
    for t in range(3):
        h = np.maximum(np.concatenate([xv[:, t], h], 1) @ w + b, 0)
        outs.append(np.tanh(h @ pw + pb))
    np.testing.assert_allclose(got, np.stack(outs, 1), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(st, h, rtol=1e-5, atol=1e-6)


def test_errors_as_tensorflow():
    with pytest.raises(ValueError, match=r"Parameter output_size must be > 0: 0\."):
        tf.contrib.rnn.OutputProjectionWrapper(tf.contrib.rnn.GRUCell(3), 0)
    with pytest.raises(TypeError, match="The parameter cell is not RNNCell."):
        tf.contrib.rnn.OutputProjectionWrapper("gru", 2)
