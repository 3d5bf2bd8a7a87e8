"""Keras fixes of fidtf12, found by Keras 2 example programs: merge layers of inputs of
different ranks (Keras 2's and 3's _Merge: expand at axis 1, checked against Keras 3.15),
monitor callbacks on Keras 2's 'acc'/'val_acc' with metrics=['accuracy'], and Keras 2's
keras.utils.generic_utils / np_utils / data_utils modules."""

import importlib
import os
import warnings

import numpy as np
import pytest

from dlcore_static import keras

L = keras.layers


def _keras3():
    os.environ.setdefault("KERAS_BACKEND", "numpy")
    k3 = pytest.importorskip("keras")
    if int(k3.__version__.split(".")[0]) < 3 or k3.backend.backend() != "numpy":
        pytest.skip("Keras 3 with the NumPy backend is not available")
    return importlib.import_module("keras")


@pytest.mark.parametrize("merge", ["multiply", "add", "subtract", "maximum", "average"])
def test_merge_of_different_ranks_expands_at_axis_1_as_keras(merge):
    rs = np.random.RandomState(0)
    a = rs.randn(3, 4).astype(np.float32)
    b = rs.randn(3, 1, 4).astype(np.float32)
    xa, xb = keras.Input((4,)), keras.Input((1, 4))
    out = getattr(L, merge)([xa, xb])
    assert tuple(out.shape.as_list() if hasattr(out.shape, "as_list") else out.shape) == \
        (None, 1, 4)
    got = keras.models.Model([xa, xb], out).predict([a, b], verbose=0)
    k3 = _keras3()
    ya, yb = k3.Input((4,)), k3.Input((1, 4))
    want = k3.Model([ya, yb], getattr(k3.layers, merge)([ya, yb])).predict([a, b], verbose=0)
    assert got.shape == want.shape == (3, 1, 4)
    np.testing.assert_allclose(got, want, rtol=1e-6)


def _fit_with(callback, tmp_path):
    rs = np.random.RandomState(1)
    x = rs.randn(32, 3).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.float32)
    m = keras.models.Sequential([L.Dense(1, activation="sigmoid", input_shape=(3,))])
    m.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    h = m.fit(x, y, epochs=3, verbose=0, validation_data=(x, y), callbacks=[callback])
    return m, h


def test_model_checkpoint_monitors_keras2_val_acc(tmp_path):
    ck = keras.callbacks.ModelCheckpoint(str(tmp_path / "m.{epoch:02d}.h5"),
                                         monitor="val_acc", save_best_only=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")          # no 'not available' warning either
        _, h = _fit_with(ck, tmp_path)
    accs = h.history["val_accuracy"]
    assert ck.monitor_op is np.greater          # Keras 2's 'acc' in monitor: maximised
    assert np.isclose(ck.best, max(accs))
    saved = sorted(os.listdir(tmp_path))
    best_so_far = [i for i, a in enumerate(accs) if a > max(accs[:i], default=-np.inf)]
    assert saved == [f"m.{i + 1:02d}.h5" for i in best_so_far]


def test_early_stopping_and_plateau_read_acc():
    es = keras.callbacks.EarlyStopping(monitor="acc", patience=5)
    _, h = _fit_with(es, None)
    assert es.monitor_op is np.greater and np.isclose(es.best, max(h.history["accuracy"]))
    rl = keras.callbacks.ReduceLROnPlateau(monitor="val_acc", patience=0, factor=0.5,
                                           min_delta=10.0)  # never an improvement
    m, h = _fit_with(rl, None)
    assert np.isclose(float(keras.backend.get_value(m.optimizer.lr)), 0.001 * 0.5 ** 2)


def test_unknown_monitor_is_still_keras3s_error():
    ck = keras.callbacks.EarlyStopping(monitor="val_f00")
    with pytest.raises(ValueError, match="monitor=val_f00, but Keras isn't able to "
                                         "automatically determine"):
        _fit_with(ck, None)


def test_keras2_utils_modules():
    from dlcore_static.keras.utils.data_utils import Sequence, get_file
    from dlcore_static.keras.utils.generic_utils import CustomObjectScope, Progbar
    from dlcore_static.keras.utils.np_utils import to_categorical
    assert Progbar is keras.utils.Progbar and Sequence is keras.utils.Sequence
    assert CustomObjectScope is keras.utils.CustomObjectScope and callable(get_file)
    np.testing.assert_array_equal(to_categorical([2, 0], 3), [[0, 0, 1], [1, 0, 0]])
    np.testing.assert_array_equal(keras.utils.np_utils.to_categorical([1], 2), [[0, 1]])
    with pytest.raises(AttributeError, match="data_utils' has no attribute 'nope'"):
        _ = keras.utils.data_utils.nope


def test_backend_sum_max_min_of_bool_refused_as_tf_keras():
    import dlcore_static as tf
    K = keras.backend
    b = tf.constant([True, False, True])
    for f, allowed in (("sum", "float32, float64, int32, uint8, int16, int8, complex64, int64"),
                       ("max", "float32, float64, int32, uint8, int16, int8, int64, bfloat16"),
                       ("min", "float32, float64, int32, uint8, int16, int8, int64, bfloat16")):
        with pytest.raises(TypeError, match="^Value passed to parameter 'input' has DataType "
                                            f"bool not in list of allowed values: {allowed}"):
            getattr(K, f)(b)
    # K.mean casts a bool to floatx first (Keras 2 / tf.keras); ints are summed as they are
    with tf.Session() as s:
        assert np.isclose(s.run(K.mean(b)), 2 / 3)
        assert s.run(K.sum(tf.constant([[1, 2], [3, 4]]), axis=1)).tolist() == [3, 7]
        assert s.run(K.max(tf.constant([1.0, 5.0]))) == 5.0
