"""TF 1.15 fidelity: dynamic_rnn's sequence_length checks (rnn.py's CheckSeqLen Assert), and
tf.negative's dtype list (TF 1.15's UNARY(): no unsigned, bool, int8 or int16 type)."""

import numpy as np
import pytest

import dlcore_static as tf


def _rnn(batch, scope):
    x = tf.placeholder(tf.float32, (batch, 4, 2))
    sl = tf.placeholder(tf.int64, (None,))
    out, state = tf.nn.dynamic_rnn(tf.nn.rnn_cell.BasicRNNCell(3), x, sequence_length=sl,
                                   dtype=tf.float32, scope=scope)
    return x, sl, out, state


def test_dynamic_rnn_one_length_for_a_batch_of_three_is_refused_at_run_time():
    x, sl, out, state = _rnn(None, "rnn")
    xs = np.random.RandomState(0).rand(3, 4, 2).astype(np.float32)
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"^assertion failed: \[Expected shape for Tensor "
                                 r"rnn/sequence_length:0 is \] \[3\] \[ but saw shape: \] \[1\]"):
            s.run(out, {x: xs, sl: [2]})                     # was broadcast over the batch
        o, h = s.run([out, state], {x: xs, sl: [2, 4, 1]})
    assert o.shape == (3, 4, 3)
    np.testing.assert_array_equal(o[0, 2:], 0)
    np.testing.assert_array_equal(o[2, 1:], 0)
    np.testing.assert_allclose(h, o[[0, 1, 2], [1, 3, 0]], rtol=1e-6)


def test_dynamic_rnn_static_batch_and_rank_checks():
    x = tf.placeholder(tf.float32, (2, 4, 2))
    out, _ = tf.nn.dynamic_rnn(tf.nn.rnn_cell.BasicRNNCell(3), x, sequence_length=[3],
                               dtype=tf.float32)
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        with pytest.raises(tf.errors.InvalidArgumentError, match=r"\[2\] \[ but saw shape: \] "
                                                                  r"\[1\]"):
            s.run(out, {x: np.ones((2, 4, 2), np.float32)})
    with pytest.raises(ValueError, match=r"^sequence_length must be a vector of length "
                                         r"batch_size, but saw shape: \(2, 1\)$"):
        tf.nn.dynamic_rnn(tf.nn.rnn_cell.BasicRNNCell(3), x, sequence_length=[[3], [4]],
                          dtype=tf.float32, scope="other")


@pytest.mark.parametrize("dt", [np.uint8, np.uint16, np.uint32, np.uint64, np.bool_, np.int8,
                                np.int16])
def test_negative_refuses_unsigned_bool_and_small_ints(dt):
    # REGISTER_OP("Neg").UNARY(): {bfloat16, half, float, double, int32, int64, complex64,
    # complex128} in TF 1.15 (int8/int16 came with TF 2)
    x = np.array([1, 0], dt)
    name = np.dtype(dt).name if dt is not np.bool_ else "bool"
    msg = (rf"^Value passed to parameter 'x' has DataType {name} not in list of allowed values: "
           r"bfloat16, float16, float32, float64, int32, int64, complex64, complex128$")
    with pytest.raises(TypeError, match=msg):
        tf.negative(x)
    with pytest.raises(TypeError, match=msg):
        -tf.constant(x)                                       # was 255 for uint8 1


def test_negative_of_int32_and_int64_wraps():
    with tf.Session() as s:
        got = s.run([tf.negative(np.array([-2**31, 5], np.int32)),
                     -tf.constant(np.array([-2**63, -7], np.int64))])
    np.testing.assert_array_equal(got[0], np.array([-2**31, -5], np.int32))
    np.testing.assert_array_equal(got[1], np.array([-2**63, 7], np.int64))
    assert got[0].dtype == np.int32 and got[1].dtype == np.int64
