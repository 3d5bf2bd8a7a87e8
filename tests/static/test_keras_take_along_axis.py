"""``keras.ops.take_along_axis`` is a batched gather (Keras 3's TensorFlow backend:
``tf.gather(batch_dims=1)``): values and static shapes as Keras 3 (NumPy backend), an index out
of range the run's InvalidArgumentError naming it (not a silent 0), gradients as finite
differences, and memory in the output's size (not indices x axis length)."""

from __future__ import annotations

import tracemalloc
import zipfile

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static.keras import ops
from tests.static._keras_ops_table import compare, keras3_ops

R = np.random.default_rng(3)
A = R.standard_normal((3, 4, 5)).astype("float32")


@pytest.fixture(scope="module")
def k3():
    return keras3_ops()


@pytest.mark.parametrize("x, i, axis", [
    (A, R.integers(0, 4, (3, 6, 5)), 1),
    (A, R.integers(-5, 5, (3, 4, 2)), -1),                 # negative indices: from the end
    (A, R.integers(0, 3, (2, 4, 5)), 0),
    (A, R.integers(0, 4, (1, 7, 5)), 1),                   # indices broadcast over axis 0
    (A[:, :, :1], R.integers(0, 4, (3, 2, 5)), 1),         # x broadcast over axis 2
    (A > 0, R.integers(0, 5, (3, 4, 3)), 2),               # bool
    (A.astype("int32"), R.integers(0, 4, (3, 4, 5)).astype("int64"), 1),
    (A, np.array([59, 0, -1, 7], "int32"), None),          # over the flattened input
])
def test_values_as_keras3(k3, x, i, axis):
    compare(k3, ops, lambda o, a, b: o.take_along_axis(a, b, axis=axis), (x, i.astype(
        i.dtype if i.dtype == np.int64 else np.int32)))


def test_unknown_batch_and_static_shape():
    x = tf.placeholder(tf.float32, [None, 4, 5])
    i = tf.placeholder(tf.int32, [None, 2, 5])
    y = ops.take_along_axis(x, i, axis=1)
    assert y.shape.as_list() == [None, 2, 5]
    y2 = ops.take_along_axis(x, tf.placeholder(tf.int32, [1, 3, 5]), axis=1)
    assert y2.shape.as_list() == [None, 3, 5]
    idx = R.integers(0, 4, (3, 2, 5)).astype("int32")
    with tf.Session() as s:
        np.testing.assert_array_equal(s.run(y, {x: A, i: idx}),
                                      np.take_along_axis(A, idx, 1))


def test_out_of_range_is_the_runs_error_naming_the_index():
    x = tf.placeholder(tf.float32, [None, 4])
    i = tf.placeholder(tf.int32, [None, 2])
    y = ops.take_along_axis(x, i, axis=1)
    with tf.Session() as s:
        with pytest.raises(tf.errors.InvalidArgumentError, match=r"indices\[1,1\] = 4 is not "
                                                                 r"in \[0, 4\)"):
            s.run(y, {x: A[:, 0, :4], i: np.array([[0, 1], [2, 4], [0, 0]])})
        with pytest.raises(tf.errors.InvalidArgumentError, match=r"indices\[0,0\] = -1 is "
                                                                 r"not in \[0, 4\)"):
            s.run(y, {x: A[:, 0, :4], i: np.array([[-5, 1], [2, 3], [0, 0]])})
        np.testing.assert_array_equal(        # (the in-range feed still runs afterwards)
            s.run(y, {x: A[:, 0, :4], i: np.array([[-4, 1], [2, 3], [0, 0]])}),
            np.take_along_axis(A[:, 0, :4], np.array([[-4, 1], [2, 3], [0, 0]]), 1))


def test_bad_arguments_name_the_op():
    x = tf.constant(A)
    with pytest.raises(ValueError, match="take_along_axis.*indices of rank 2 for an input of "
                                         "rank 3"):
        ops.take_along_axis(x, tf.constant(np.zeros((3, 4), "int32")), axis=1)
    with pytest.raises(ValueError, match=r"take_along_axis.*`indices` must be 1D if axis=None"):
        ops.take_along_axis(x, tf.constant(np.zeros((3, 4), "int32")))
    with pytest.raises(ValueError, match="take_along_axis.*Invalid axis: 3 for input rank: 3"):
        ops.take_along_axis(x, tf.constant(np.zeros((3, 4, 5), "int32")), axis=3)
    with pytest.raises(ValueError, match=r"take_along_axis.*shapes \(3, 4, 5\) and \(2, 4, 5\) "
                                         "do not broadcast outside axis 1"):
        ops.take_along_axis(x, tf.constant(np.zeros((2, 4, 5), "int32")), axis=1)
    with pytest.raises(ValueError, match="take_along_axis.*indices must be integers, got "
                                         "float32"):
        ops.take_along_axis(x, tf.constant(A), axis=1)


def test_gradient_scatters_back_as_finite_differences():
    idx = np.array([[0, 3, 3], [1, 1, 2]], "int32")        # (a repeated index adds up)
    xv = R.standard_normal((2, 4)).astype("float64")
    w = R.standard_normal((2, 3))
    x = tf.placeholder(tf.float64, [2, 4])
    loss = tf.reduce_sum(ops.take_along_axis(x, tf.constant(idx), axis=1) * w)
    g = tf.gradients(loss, x)[0]
    with tf.Session() as s:
        got = s.run(g, {x: xv})
        eps, num = 1e-6, np.zeros_like(xv)
        for k in np.ndindex(*xv.shape):
            d = np.zeros_like(xv)
            d[k] = eps
            num[k] = (s.run(loss, {x: xv + d}) - s.run(loss, {x: xv - d})) / (2 * eps)
    np.testing.assert_allclose(got, num, rtol=1e-6, atol=1e-8)


def test_memory_is_the_outputs_not_indices_times_axis_length():
    # 2000 rows of 5000, 8 picked per row: the old one-hot contraction built a
    # (2000, 8, 5000) float32 selection (320 MB); a gather needs the 64 KB output
    xv = R.standard_normal((2000, 5000)).astype("float32")
    idx = R.integers(0, 5000, (2000, 8)).astype("int32")
    x = tf.placeholder(tf.float32, [None, 5000])
    i = tf.placeholder(tf.int32, [None, 8])
    y = ops.take_along_axis(x, i, axis=1)
    with tf.Session() as s:
        s.run(y, {x: xv, i: idx})                          # (compiled before measuring)
        tracemalloc.start()
        got = s.run(y, {x: xv, i: idx})
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    np.testing.assert_array_equal(got, np.take_along_axis(xv, idx, 1))
    assert peak < 8 * xv.nbytes // 10, peak                # (well under 320 MB)


def test_in_a_functional_model_called_again_and_saved(tmp_path):
    from dlcore_static import keras
    x = keras.Input((4, 5))
    i = keras.Input((2, 5), dtype="int32")
    m = keras.Model([x, i], ops.take_along_axis(keras.layers.Dense(5)(x), i, axis=1))
    idx = R.integers(-4, 4, (3, 2, 5)).astype("int32")
    want = m.predict([A, idx], verbose=0)
    x2 = keras.Input((4, 5))
    i2 = keras.Input((2, 5), dtype="int32")
    again = keras.Model([x2, i2], m([x2, i2]))          # (the node's program built again)
    np.testing.assert_allclose(again.predict([A, idx], verbose=0), want, rtol=1e-6)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"is not in \[0, 4\)"):
        again.predict([A, idx + 8], verbose=0)
    m.save(str(tmp_path / "m.keras"))
    back = keras.models.load_model(str(tmp_path / "m.keras"))
    np.testing.assert_allclose(back.predict([A, idx], verbose=0), want, rtol=1e-6)


def test_a_gather_between_layers_saves_its_index_check(tmp_path):
    from dlcore_static import keras
    x = keras.Input((4, 5))
    i = keras.Input((3,), dtype="int32")
    m = keras.Model([x, i], tf.gather(keras.layers.Dense(5)(x), i, axis=1, batch_dims=1))
    idx = np.array([[0, 3, 1], [2, 2, 0], [3, 1, 0]], "int32")
    want = m.predict([A, idx], verbose=0)
    m.save(str(tmp_path / "g.keras"))
    with zipfile.ZipFile(str(tmp_path / "g.keras")) as z:
        assert b'"@CheckIndices"' in z.read("config.json")     # (the check, as data)
    back = keras.models.load_model(str(tmp_path / "g.keras"))
    np.testing.assert_allclose(back.predict([A, idx], verbose=0), want, rtol=1e-6)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"indices\[1,0\] = 4 is not in "
                                                             r"\[0, 4\)"):
        back.predict([A, np.array([[0, 3, 1], [4, 2, 0], [3, 1, 0]], "int32")], verbose=0)
