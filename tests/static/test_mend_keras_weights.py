"""Model/Layer set_weights and .npz load_weights: all or nothing, tf.keras 2's messages, the
caller's arrays copied; Keras 3 (installed) leaves its model unchanged the same way."""

from __future__ import annotations

import numpy as np
import pytest

from dlcore_static import keras
from tests.io.real_keras import keras3 as _real_keras3

L = keras.layers


def _model(k, second: int, init: str = "zeros", names=(None, None)):
    return k.Sequential([k.Input((3,)), k.layers.Dense(4, kernel_initializer=init,
                                                       name=names[0]),
                         k.layers.Dense(second, name=names[1])])


def _good_and_bad(k):
    good = [np.full(w.shape, 2.0, "float32") for w in _model(k, 5).get_weights()]
    bad = [np.ones((3, 4), "f4"), np.ones(4, "f4"), np.ones((4, 2), "f4"), np.ones(2, "f4")]
    return good, bad


def test_set_weights_with_a_wrong_shape_changes_nothing():
    # tf.keras 2 stages every (variable, value) pair, checking each shape, then assigns them
    # in one batch_set_value (Keras 3 assigns as it checks: its first kernel would be 1s)
    m = _model(keras, 5)
    before = m.get_weights()
    _, bad = _good_and_bad(keras)
    with pytest.raises(ValueError, match=r"^Layer weight shape \(4, 5\) not compatible with "
                                         r"provided weight shape \(4, 2\)$"):
        m.set_weights(bad)
    for a, b in zip(m.get_weights(), before):
        np.testing.assert_array_equal(a, b)              # (the first kernel not set to 1s)


def test_set_weights_copies_the_callers_arrays_as_keras3():
    k3 = _real_keras3()
    for k in (keras, k3):
        m = _model(k, 5)
        w, _ = _good_and_bad(k)
        m.set_weights(w)
        w[0][:] = 7.0
        np.testing.assert_array_equal(m.get_weights()[0], np.full((3, 4), 2.0, "f4"))
        layer_w = [np.ones((4, 5), "f4"), np.zeros(5, "f4")]
        m.layers[-1].set_weights(layer_w)
        layer_w[0][:] = 9.0
        np.testing.assert_array_equal(m.layers[-1].get_weights()[0], np.ones((4, 5), "f4"))


def test_set_weights_length_and_unconvertible_values():
    m = _model(keras, 5)
    before = m.get_weights()
    with pytest.raises(ValueError, match=r'on model "[^"]+" with a weight list of length 3, '
                                         r"but the model was expecting 4 weights"):
        m.set_weights(before[:3])
    bad = [np.ones((3, 4), "f4"), np.ones(4, "f4"), np.full((4, 5), "x"), np.ones(5, "f4")]
    with pytest.raises(ValueError, match=r"weight '.*kernel.*' \(shape \(4, 5\), dtype "
                                         r"float32\) cannot be converted"):
        m.set_weights(bad)
    for a, b in zip(m.get_weights(), before):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match=r"^Layer weight shape \(4,\) not compatible with "
                                         r"provided weight shape \(\)$"):
        m.layers[0].set_weights([np.ones((3, 4), "f4"), 1.0])


def test_npz_load_weights_of_another_shape_changes_nothing(tmp_path):
    path = str(tmp_path / "a.npz")
    _model(keras, 2, "ones").save_weights(path)
    b = _model(keras, 5)
    with pytest.raises(ValueError, match=r"^Layer weight shape \(4, 5\) not compatible with "
                                         r"provided weight shape \(4, 2\)$"):
        b.load_weights(path)
    np.testing.assert_array_equal(b.get_weights()[0], np.zeros((3, 4), "f4"))
    same = _model(keras, 2)
    same.load_weights(path)
    np.testing.assert_array_equal(same.get_weights()[0], np.ones((3, 4), "f4"))


def test_npz_load_weights_by_name_checks_every_shape_first(tmp_path):
    path = str(tmp_path / "a.npz")
    dst = _model(keras, 5)
    # the file save_weights would write for a model of the same weight names whose last
    # layer has 2 units: every name found, the third array of another shape
    shapes = [(3, 4), (4,), (4, 2), (2,)]
    with open(path, "wb") as f:
        np.savez(f, **{f"{i:04d}:{w.op.name}": np.ones(s, "f4")
                       for i, (w, s) in enumerate(zip(dst.weights, shapes))})
    before = dst.get_weights()
    with pytest.raises(ValueError, match=r"^Layer weight shape \(4, 5\) not compatible"):
        dst.load_weights(path, by_name=True)
    for a, b in zip(dst.get_weights(), before):
        np.testing.assert_array_equal(a, b)
    shapes[2:] = [(4, 5), (5,)]
    with open(path, "wb") as f:
        np.savez(f, **{f"{i:04d}:{w.op.name}": np.full(s, i, "f4")
                       for i, (w, s) in enumerate(zip(dst.weights, shapes))})
    dst.load_weights(path, by_name=True)
    for i, w in enumerate(dst.get_weights()):
        np.testing.assert_array_equal(w, np.full(shapes[i], i, "f4"))
