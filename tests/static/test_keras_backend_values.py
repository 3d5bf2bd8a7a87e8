"""``K.set_value``/``K.batch_set_value`` copy the caller's array (writing into it later does not
change the variable) and check shapes first (all or nothing, tf.keras 2's message);
``keras.ops.logical_and/or/not`` take truth values of any dtype, as Keras 3; ``load_weights``
of an .npz reads it through ``dlcore.safe_io`` (a damaged file: the loader's error)."""

from __future__ import annotations

import numpy as np
import pytest

from dlcore_static import keras
from dlcore_static.keras import backend as K
from dlcore_static.keras import ops
from tests.static._keras_ops_table import compare, keras3_ops


def test_set_value_copies_the_callers_array():
    v = K.variable(np.zeros((2, 3), "float32"))
    a = np.ones((2, 3), "float32")
    K.set_value(v, a)
    a[0, 0] = 5.0
    np.testing.assert_array_equal(K.get_value(v), np.ones((2, 3)))
    b = np.full((2, 3), 2.0, "float32")
    K.batch_set_value([(v, b)])
    b[:] = 7.0
    np.testing.assert_array_equal(K.get_value(v), np.full((2, 3), 2.0))


def test_set_value_shape_mismatch_leaves_every_variable_as_it_was():
    v = K.variable(np.zeros((2, 3), "float32"), name="v")
    w = K.variable(np.zeros((2,), "float32"), name="w")
    with pytest.raises(ValueError, match=r"Cannot assign value to variable ' v(_\d+)?:0': Shape "
                                         r"mismatch.The variable shape \(2, 3\), and the "
                                         r"assigned value shape \(3, 3\) are incompatible."):
        K.batch_set_value([(w, [1.0, 2.0]), (v, np.ones((3, 3)))])
    np.testing.assert_array_equal(K.get_value(w), [0.0, 0.0])    # (the first not assigned)
    with pytest.raises(ValueError, match=r"variable shape \(2,\), and the assigned value "
                                         r"shape \(\) are"):
        K.set_value(w, 3.0)
    np.testing.assert_array_equal(K.get_value(w), [0.0, 0.0])


@pytest.mark.parametrize("f", [
    lambda o, a, b: o.logical_and(a, b), lambda o, a, b: o.logical_or(a, b),
    lambda o, a, b: o.logical_not(a), lambda o, a, b: o.logical_xor(a, b)])
def test_logical_ops_take_any_dtype_as_keras3(f):
    k3 = keras3_ops()
    compare(k3, ops, f, (np.array([1, 0, 2, 0], "int32"),
                         np.array([1.0, 1.0, np.nan, 0.0], "float32")))


def test_load_weights_npz_round_trip_and_a_damaged_file(tmp_path):
    m = keras.Sequential([keras.layers.Dense(3, input_shape=(4,))])
    m.save_weights(str(tmp_path / "w.npz"))
    want = m.get_weights()
    m2 = keras.Sequential([keras.layers.Dense(3, input_shape=(4,))])
    m2.load_weights(str(tmp_path / "w.npz"))
    for g, w in zip(m2.get_weights(), want):
        np.testing.assert_array_equal(g, w)
    (tmp_path / "bad.npz").write_bytes(b"PK\x03\x04 not a zip at all")
    before = m2.get_weights()
    with pytest.raises(keras.saving.KerasFileError, match="load_weights: .*bad.npz"):
        m2.load_weights(str(tmp_path / "bad.npz"))
    for g, w in zip(m2.get_weights(), before):
        np.testing.assert_array_equal(g, w)
