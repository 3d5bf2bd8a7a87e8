"""Sliced variable assignment with a tensor in the index (fidtf12; fidtf11 refused it):
``v[i].assign(x)``, ``v[a:a+2, 1].assign(y)``, negative run-time indices, TF's run-time
UnimplementedError for a value of another shape, the variable unchanged on failure."""

import numpy as np
import pytest

import dlcore_static as tf


@pytest.fixture(autouse=True)
def _graph():
    with tf.Graph().as_default() as g:
        yield g


def _var():
    return tf.Variable(np.arange(12.0, dtype=np.float32).reshape(3, 4))


def test_tensor_index_row_and_slice_assign_return_the_whole_value():
    v = _var()
    i = tf.placeholder(tf.int32, [])
    a = tf.placeholder(tf.int32, [])
    row = v[i].assign(tf.constant([9.0, 9.0, 9.0, 9.0]))
    col = v[a:a + 2, 1].assign([7.0, 7.0], name="col")
    last = v[i, -1].assign(100.0)
    assert row.shape.as_list() == [3, 4] and col.op.name == "col"
    want = np.arange(12.0).reshape(3, 4)
    with tf.Session() as s:
        s.run(v.initializer)
        want[1] = 9
        np.testing.assert_array_equal(s.run(row, {i: 1}), want)
        want[1:3, 1] = 7
        np.testing.assert_array_equal(s.run(col, {a: 1}), want)
        want[-1, -1] = 100                       # a negative run-time index counts from the end
        np.testing.assert_array_equal(s.run(last, {i: -1}), want)
        np.testing.assert_array_equal(s.run(v), want)


def test_tensor_index_value_shape_checked_at_run_time_state_unchanged():
    v = _var()
    a = tf.placeholder(tf.int32, [])
    col = v[a:a + 2, 1].assign([7.0, 7.0])
    with tf.Session() as s:
        s.run(v.initializer)
        with pytest.raises(tf.errors.UnimplementedError) as e:
            s.run(col, {a: 2})                   # the slice [2:4] of 3 rows holds one element
        assert str(e.value).startswith("sliced l-value shape [1] does not match r-value shape "
                                       "[2]. Automatic broadcasting not yet implemented.")
        np.testing.assert_array_equal(s.run(v), np.arange(12.0).reshape(3, 4))


def test_tensor_index_assign_in_a_loop_of_runs_and_dtype_check():
    v = tf.Variable(tf.zeros([4], tf.int32))
    i = tf.placeholder(tf.int32, [])
    put = v[i].assign(i * 10)
    with tf.Session() as s:
        s.run(v.initializer)
        for k in range(4):
            s.run(put, {i: k})
        assert s.run(v).tolist() == [0, 10, 20, 30]
    with pytest.raises(TypeError, match="Input 'value' of 'StridedSliceAssign' Op has type "
                                        "float32 that does not match type int32"):
        v[i].assign(tf.constant(1.0))
