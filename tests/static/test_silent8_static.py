"""TF1 / Keras names that behaved differently (helper-D8's probe): a reduction or an arg-max
of a 0-d tensor over an axis is TensorFlow's build-time ValueError (the shared rule takes 0 and
-1 there, as PyTorch does)."""

import pytest

import dlcore_static as tf


@pytest.mark.parametrize("fn", ["reduce_sum", "reduce_mean", "reduce_max", "reduce_prod",
                                "reduce_logsumexp"])
@pytest.mark.parametrize("axis", [0, -1, [0]])
def test_reduction_of_a_scalar_over_an_axis(fn, axis):
    a = axis if isinstance(axis, int) else 0
    with tf.Graph().as_default(), pytest.raises(
            ValueError, match=f"Invalid reduction dimension {a} for input with 0 dimensions"):
        getattr(tf, fn)(tf.constant(3.0), axis=axis)


def test_reduction_of_a_scalar_over_no_axis_still_runs():
    with tf.Graph().as_default():
        s = tf.constant(3.0)
        outs = [tf.reduce_sum(s), tf.reduce_sum(s, axis=[]), tf.reduce_all(tf.constant(True)),
                tf.reduce_sum(tf.constant([[1.0, 2.0]]), axis=-1)]
        with tf.Session() as sess:
            assert [v.tolist() for v in sess.run(outs)] == [3.0, 3.0, True, [3.0]]


@pytest.mark.parametrize("fn", ["argmax", "argmin"])
def test_arg_extreme_dimension_range(fn):
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match=r"Expected dimension in the range \[0, 0\), but "
                                             "got 0"):
            getattr(tf, fn)(tf.constant(3.0), 0)
        with pytest.raises(ValueError, match=r"Expected dimension in the range \[-2, 2\), but "
                                             "got 2"):
            getattr(tf, fn)(tf.constant([[1.0, 2.0]]), 2)
        r = getattr(tf, fn)(tf.constant([[1.0, 2.0]]), -1)
        with tf.Session() as sess:
            assert sess.run(r).tolist() == ([1] if fn == "argmax" else [0])


@pytest.mark.parametrize("fn", ["reduce_std", "reduce_variance"])
def test_moments_of_a_scalar_over_an_axis(fn):
    with tf.Graph().as_default(), pytest.raises(
            ValueError, match="Invalid reduction dimension -1 for input with 0 dimensions"):
        getattr(tf.math, fn)(tf.constant(1.5), -1)


def test_diag_part_keeps_the_dtype():
    import numpy as np
    with tf.Graph().as_default():
        parts = [tf.linalg.diag_part(tf.constant(v)) for v in (
            np.array([[True, False], [False, True]]), np.arange(6, dtype=np.int32).reshape(3, 2),
            np.arange(6.0).reshape(2, 3))]
        with tf.Session() as sess:
            got = sess.run(parts)
    assert [(g.dtype.name, g.tolist()) for g in got] == [
        ("bool", [True, True]), ("int32", [0, 3]), ("float64", [0.0, 4.0])]
