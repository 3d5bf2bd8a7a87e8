"""Keras Sequential models without an input shape: unbuilt until ``build(input_shape)`` or the
first data (``fit``/``predict``/... or a call on a tensor), as Keras 2 and 3 (checked against
Keras 3.15 on its numpy backend: predictions, unbuilt behaviour and messages)."""

from __future__ import annotations

import os

import numpy as np
import pytest

from dlcore_static import keras


@pytest.fixture(scope="module")
def k3():
    os.environ.setdefault("KERAS_BACKEND", "numpy")
    return pytest.importorskip("keras")


def _pair(mod):
    return mod.Sequential([mod.layers.Dense(3, activation="relu"), mod.layers.Dense(2)])


def _data():
    rng = np.random.default_rng(0)
    return rng.random((6, 4), dtype=np.float32), rng.random((6, 2), dtype=np.float32)


@pytest.mark.parametrize("how", ["predict", "build", "add", "call"])
def test_predictions_match_keras3_and_input_shape_model(k3, how):
    x, _ = _data()
    ref = _pair(k3)
    ref.build((None, 4))
    if how == "add":
        m = keras.Sequential()
        m.add(keras.layers.Dense(3, activation="relu"))
        m.add(keras.layers.Dense(2))
    else:
        m = _pair(keras)
    assert m.built is False
    if how == "build":
        m.build((None, 4))
    elif how == "call":
        out = m(keras.Input(shape=(4,)))
        assert tuple(out.shape.as_list()) == (None, 2)
    else:
        m.predict(x[:1])
    assert m.built is True and m.input_shape == (None, 4) and m.output_shape == (None, 2)
    m.set_weights(ref.get_weights())
    np.testing.assert_allclose(m.predict(x), ref.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
    given = keras.Sequential([keras.layers.Dense(3, activation="relu", input_shape=(4,)),
                              keras.layers.Dense(2)])
    given.set_weights(ref.get_weights())
    np.testing.assert_allclose(m.predict(x), given.predict(x), rtol=1e-6)
    assert m.count_params() == ref.count_params() == 23


def test_fit_builds_and_trains_as_input_shape_model():
    x, y = _data()
    m = _pair(keras)
    m.compile(optimizer="sgd", loss="mse")        # before the build: runs at the first fit
    given = keras.Sequential([keras.layers.Dense(3, activation="relu", input_shape=(4,)),
                              keras.layers.Dense(2)])
    given.compile(optimizer="sgd", loss="mse")
    h = m.fit(x, y, epochs=2, batch_size=3, shuffle=False, verbose=0)
    assert m.built and [w.shape for w in m.get_weights()] == [(4, 3), (3,), (3, 2), (2,)]
    given.set_weights(m.get_weights())
    m.train_on_batch(x, y)
    given.train_on_batch(x, y)
    for a, b in zip(m.get_weights(), given.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    assert len(h.history["loss"]) == 2


def test_unbuilt_model_behaves_as_keras3(k3, capsys):
    ours, ref = _pair(keras), _pair(k3)
    assert ours.weights == ref.weights == [] and ours.get_weights() == ref.get_weights() == []
    for name in ("input_shape", "output_shape", "inputs", "input", "output"):
        with pytest.raises(AttributeError) as want:
            getattr(ref, name)
        with pytest.raises(AttributeError) as got:
            getattr(ours, name)
        assert str(got.value) == str(want.value).replace(ref.name, ours.name)
    with pytest.raises(ValueError) as want_v:
        ref.count_params()
    with pytest.raises(ValueError) as got_v:
        ours.count_params()
    assert str(got_v.value) == str(want_v.value).replace(ref.name, ours.name)
    capsys.readouterr()
    ours.summary()
    text = capsys.readouterr().out
    names = [ly.name for ly in ours.layers]
    for name in names:
        assert f"{name} (Dense)" in text
    assert text.count("0 (unbuilt)") == 2 and "Total params: 0" in text
    with pytest.raises(ValueError, match="You must provide an `input_shape` argument."):
        ours.build()
    with pytest.raises(ValueError, match="This model has not yet been built"):
        ours.to_json()


def test_clone_save_and_config_after_deferred_build(tmp_path, k3):
    pytest.importorskip("h5py")
    x, _ = _data()
    m = _pair(keras)
    clone = keras.models.clone_model(m)
    assert clone.built is False and [ly.name for ly in clone.layers] == \
        [ly.name for ly in m.layers]
    m.predict(x)
    cfg = m.get_config()
    assert cfg["layers"][0]["class_name"] == "InputLayer"
    assert list(cfg["layers"][0]["config"]["batch_shape"]) == [None, 4]
    assert [r["class_name"] for r in cfg["layers"][1:]] == ["Dense", "Dense"]
    again = keras.Sequential.from_config(cfg)
    assert again.input_shape == (None, 4) and len(again.layers) == 2
    c2 = keras.models.clone_model(m)
    assert c2.input_shape == (None, 4)
    path = str(tmp_path / "m.keras")
    m.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(x), m.predict(x), rtol=1e-6)
    k3_loaded = k3.models.load_model(path)
    np.testing.assert_allclose(k3_loaded.predict(x, verbose=0), m.predict(x), rtol=1e-5,
                               atol=1e-6)


def test_integer_input_builds_with_its_dtype():
    m = keras.Sequential([keras.layers.Flatten()])
    out = m.predict(np.array([[[1], [2]], [[3], [4]]], dtype=np.int32))
    assert np.dtype(m.inputs[0].aval.dtype) == np.int32 and m.input_shape == (None, 2, 1)
    np.testing.assert_array_equal(out, [[1, 2], [3, 4]])
    with pytest.raises(ValueError, match="needs a batch dimension"):
        keras.Sequential([keras.layers.Flatten()]).predict(np.float32(1.0))
