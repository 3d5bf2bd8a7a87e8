"""TF 1.15 fidelity: dynamic_rnn's sequence_length checks (rnn.py's CheckSeqLen Assert), and
tf.negative's dtype list (no unsigned type; int8/int16 wrap)."""

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


@pytest.mark.parametrize("dt", [np.uint8, np.uint16, np.uint32, np.uint64, np.bool_])
def test_negative_refuses_unsigned_and_bool(dt):
    x = np.array([1, 0], dt)
    name = np.dtype(dt).name if dt is not np.bool_ else "bool"
    msg = (rf"^Value passed to parameter 'x' has DataType {name} not in list of allowed values: "
           r"bfloat16, float16, float32, float64, int8, int16, int32, int64, complex64, "
           r"complex128$")
    with pytest.raises(TypeError, match=msg):
        tf.negative(x)
    with pytest.raises(TypeError, match=msg):
        -tf.constant(x)                                       # was 255 for uint8 1


def test_negative_of_small_ints_wraps():
    with tf.Session() as s:
        got = s.run([tf.negative(np.array([-128, 5], np.int8)),
                     -tf.constant(np.array([-32768, -7], np.int16))])
    np.testing.assert_array_equal(got[0], np.array([-128, -5], np.int8))
    np.testing.assert_array_equal(got[1], np.array([-32768, 7], np.int16))
    assert got[0].dtype == np.int8 and got[1].dtype == np.int16


@pytest.mark.parametrize("dt", [np.uint32, np.uint64])
def test_unsigned_reduce_sum_and_prod_wrap(dt):
    big = np.iinfo(dt).max // 2 + 1                   # 2**31 / 2**63
    x = np.array([[big, big + 5], [7, 3]], dt)
    with tf.Session() as s:
        got = s.run([tf.reduce_sum(x), tf.reduce_sum(x, 0), tf.reduce_prod(x),
                     tf.reduce_prod(x, 1)])
    with np.errstate(over="ignore"):
        want = [x.sum(dtype=dt), x.sum(0, dtype=dt), x.prod(dtype=dt), x.prod(1, dtype=dt)]
    for g, w in zip(got, want):
        assert g.dtype == dt
        np.testing.assert_array_equal(g, w)
    assert got[0] == 15                                # 2 big + 15 wraps to 15


def test_reverse_sequence_static_length_count_must_match_the_batch():
    x = tf.placeholder(tf.float32, (3, 4, 2))
    with pytest.raises(ValueError, match=r"^Dimensions must be equal, but are 3 and 1 for "
                       r"'ReverseSequence' \(op: 'ReverseSequence'\) with input shapes: "
                       r"\[3,4,2\], \[1\]\.$"):
        tf.reverse_sequence(x, [2], seq_axis=1, batch_axis=0)     # was broadcast silently
    xs = np.arange(24, dtype=np.float32).reshape(3, 4, 2)
    with tf.Session() as s:
        got = s.run(tf.reverse_sequence(x, [2, 1, 4], seq_axis=1, batch_axis=0), {x: xs})
    want = xs.copy()
    for b, n in enumerate([2, 1, 4]):
        want[b, :n] = xs[b, :n][::-1]
    np.testing.assert_array_equal(got, want)


def test_static_rnn_sequence_length_checks():
    xs = [tf.placeholder(tf.float32, (None, 2)) for _ in range(3)]
    with pytest.raises(ValueError, match=r"^sequence_length must be a vector of length "
                                         r"batch_size$"):
        tf.nn.static_rnn(tf.nn.rnn_cell.BasicRNNCell(4), xs, sequence_length=[[2]],
                         dtype=tf.float32)
    _, st = tf.nn.static_rnn(tf.nn.rnn_cell.BasicRNNCell(4), xs, sequence_length=[2],
                             dtype=tf.float32, scope="one")
    outs, st3 = tf.nn.static_rnn(tf.nn.rnn_cell.BasicRNNCell(4), xs,
                                 sequence_length=[2, 1, 3], dtype=tf.float32, scope="three")
    feed = {x: np.full((3, 2), i + 1, np.float32) for i, x in enumerate(xs)}
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        with pytest.raises(tf.errors.InvalidArgumentError, match=r"\[3\] \[ but saw shape: \] "
                                                                  r"\[1\]"):
            s.run(st, feed)                        # was one length broadcast over the batch
        o, h = s.run([outs, st3], feed)
    np.testing.assert_allclose(h, np.stack([o[1][0], o[0][1], o[2][2]]), rtol=1e-6)
    assert not o[2][0].any() and not o[1][1].any()


@pytest.mark.parametrize("shape", [[None, 4], [3, 4], [None, 4, 2], [None, 4, 2, 1]])
def test_reverse_sequence_unknown_batch_builds_and_checks_fed_lengths(shape):
    # review24 R8: (None, 4) ids failed to build; a fed size-1 seq_lengths was broadcast
    x = tf.placeholder(tf.float32, shape)
    n = tf.placeholder(tf.int32, [None])
    r = tf.reverse_sequence(x, n, seq_axis=1, batch_axis=0)
    v = np.arange(np.prod([3] + shape[1:]), dtype=np.float32).reshape([3] + shape[1:])
    want = v.copy()
    for b, k in enumerate([2, 4, 1]):
        want[b, :k] = v[b, :k][::-1]
    with tf.Session() as s:
        np.testing.assert_array_equal(s.run(r, {x: v, n: [2, 4, 1]}), want)
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"Length of seq_lens != input\.dims\(0\), \(\] \[1\] \[ vs\. \] "
                                 r"\[3\] \[\)"):
            s.run(r, {x: v, n: [2]})
