"""TF 1.15's sliced variable assignment (``v[0].assign(x)``: StridedSliceAssign) and
``tf.assign(..., validate_shape=...)``."""

import numpy as np
import pytest

import dlcore_static as tf


@pytest.fixture(autouse=True)
def _graph():
    with tf.Graph().as_default() as g:
        yield g


def test_sliced_assign_writes_the_part_and_returns_the_whole():
    v = tf.Variable([1.0, 2.0, 3.0, 4.0])
    a = v[0].assign(9.0)
    b = v[1:3].assign([7.0, 8.0])
    assert a.op.name == "strided_slice/_assign"         # TF1: the slice's name + /_assign
    assert b.op.name == "strided_slice_1/_assign"
    assert a.shape.as_list() == [4] and a.dtype == tf.float32
    with tf.Session() as s:
        s.run(v.initializer)
        np.testing.assert_array_equal(s.run(a), [9, 2, 3, 4])
        np.testing.assert_array_equal(s.run(b), [9, 7, 8, 4])
        np.testing.assert_array_equal(s.run(v), [9, 7, 8, 4])


def test_sliced_assign_2d_named_and_fed():
    ref = np.arange(12, dtype=np.float32).reshape(3, 4)
    v = tf.Variable(ref)
    x = tf.placeholder(tf.float32, [3])
    col = v[:, 1].assign(x, name="set_col")
    row = v[-1, ::2].assign(tf.constant([-1.0, -2.0]))
    assert col.op.name == "set_col"
    want = ref.copy()
    want[:, 1] = [5, 6, 7]
    with tf.Session() as s:
        s.run(v.initializer)
        np.testing.assert_array_equal(s.run(col, {x: [5, 6, 7]}), want)
        want[-1, ::2] = [-1, -2]
        np.testing.assert_array_equal(s.run(row), want)


def test_two_sliced_assigns_in_one_run_both_apply():
    v = tf.Variable([0, 0, 0])
    a, b = v[0].assign(1), v[2].assign(3)
    with tf.Session() as s:
        s.run(v.initializer)
        s.run([a, b])
        assert s.run(v).tolist() == [1, 0, 3]


def test_no_broadcasting_is_tfs_unimplemented_error_at_run_time():
    v = tf.Variable([1.0, 2.0, 3.0, 4.0])
    bad = v[1:3].assign(0.0)            # built: the op's shape function ignores the value
    x = tf.placeholder(tf.float32, [None])
    fed = v[1:3].assign(x)
    with tf.Session() as s:
        s.run(v.initializer)
        with pytest.raises(tf.errors.UnimplementedError) as e:
            s.run(bad)
        assert str(e.value).startswith(
            "sliced l-value shape [2] does not match r-value shape []. Automatic broadcasting "
            "not yet implemented.")
        with pytest.raises(tf.errors.UnimplementedError, match=r"r-value shape \[3\]"):
            s.run(fed, {x: [1, 2, 3]})
        np.testing.assert_array_equal(s.run(fed, {x: [5, 6]}), [1, 5, 6, 4])
        assert s.run(v).tolist() == [1, 5, 6, 4]


def test_sliced_assign_of_a_tensor_and_no_assign_elsewhere():
    t = tf.constant([1, 2])
    with pytest.raises(ValueError, match="^Sliced assignment is only supported for variables$"):
        t[0].assign(1)
    assert not hasattr(t, "assign")
    assert not hasattr(tf.Variable([1]).value(), "assign")


def test_sliced_assign_dtype_mismatch():
    v = tf.Variable([1.0, 2.0])
    with pytest.raises(TypeError, match="Input 'value' of 'StridedSliceAssign' Op has type "
                                        "int32 that does not match type float32"):
        v[0].assign(tf.constant(1))


def test_assign_validate_shape_false_changes_shape():
    v = tf.Variable(tf.zeros([0]), validate_shape=False)
    x = tf.placeholder(tf.float32, [None])
    grow = tf.assign(v, tf.concat([v, x], 0), validate_shape=False)
    strict = tf.assign(v, x)                # validate_shape=True: the current shape
    with tf.Session() as s:
        s.run(v.initializer)
        assert s.run(grow, {x: [1, 2]}).tolist() == [1, 2]
        assert s.run(grow, {x: [3]}).tolist() == [1, 2, 3]
        assert s.run(v).tolist() == [1, 2, 3]
        assert s.run(strict, {x: [7, 8, 9]}).tolist() == [7, 8, 9]
        with pytest.raises(tf.errors.InvalidArgumentError) as e:
            s.run(strict, {x: [1]})
        assert str(e.value).startswith(
            "Assign requires shapes of both tensors to match. lhs shape= [3] rhs shape= [1]")
        assert s.run(v).tolist() == [7, 8, 9]       # unchanged on failure


def test_assign_validate_shape_true_static_refusal_and_positional_order():
    v = tf.Variable([1.0, 2.0])
    with pytest.raises(ValueError, match="incompatible"):
        tf.assign(v, [1.0, 2.0, 3.0])
    # a known dimension cannot change here: refused by name (TF 1.15 would reshape v)
    with pytest.raises(ValueError, match="validate_shape=False.*static shape"):
        tf.assign(v, [1.0, 2.0, 3.0], False)
    a = tf.assign(v, [3.0, 4.0], True, None, "set")
    assert a.op.name == "set"
    with tf.Session() as s:
        s.run(v.initializer)
        assert s.run(a).tolist() == [3, 4]
