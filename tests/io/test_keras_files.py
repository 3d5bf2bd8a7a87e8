"""Keras model files through h5py: save_weights/load_weights (.h5 Keras 2 layout, .weights.h5
Keras 3 layout), model.save/load_model (.h5 and the .keras zip), no pickle."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static import keras
from dlcore_static.keras.saving import KerasFileError

h5py = pytest.importorskip("h5py")


def _model(seed: int = 0):
    tf.reset_default_graph()
    keras.backend.clear_session()
    tf.set_random_seed(seed)
    m = keras.models.Sequential([
        keras.layers.Dense(5, activation="tanh", input_shape=(3,)),
        keras.layers.Dropout(0.25),
        keras.layers.Dense(2, activation="softmax", use_bias=True)])
    m.compile(optimizer=keras.optimizers.SGD(learning_rate=0.05), loss="mse")
    return m


X = np.random.default_rng(0).standard_normal((6, 3)).astype(np.float32)


@pytest.mark.parametrize("name", ["w.h5", "w.weights.h5"])
def test_save_and_load_weights(tmp_path, name):
    m = _model(1)
    want, weights = m.predict(X), m.get_weights()
    m.save_weights(str(tmp_path / name))
    with h5py.File(tmp_path / name, "r") as f:
        if name == "w.h5":                                   # Keras 2 layout
            layers = [n.decode() for n in f.attrs["layer_names"]]
            assert len(layers) == 3 and f.attrs["keras_version"] in ("2.2.4", b"2.2.4")
            wn = [n.decode() for n in f[layers[0]].attrs["weight_names"]]
            assert [w.rsplit("/", 1)[-1] for w in wn] == ["kernel:0", "bias:0"]
            np.testing.assert_array_equal(f[layers[0]][wn[0]], weights[0])
            assert list(f[layers[1]].attrs["weight_names"]) == []
        else:                                                # Keras 3 layout
            first = min(f["layers"])
            np.testing.assert_array_equal(f["layers"][first]["vars"]["0"], weights[0])
    m2 = _model(2)
    assert not np.allclose(m2.predict(X), want)
    m2.load_weights(str(tmp_path / name))
    np.testing.assert_allclose(m2.predict(X), want, rtol=1e-6)


@pytest.mark.parametrize("name", ["m.h5", "m.keras"])
def test_model_save_and_load_model(tmp_path, name):
    m = _model(3)
    m.fit(X, np.eye(2, dtype=np.float32)[[0, 1, 0, 1, 1, 0]], epochs=1, verbose=0)
    want = m.predict(X)
    m.save(str(tmp_path / name))
    if name == "m.keras":
        with zipfile.ZipFile(tmp_path / name) as z:
            assert sorted(z.namelist()) == ["config.json", "metadata.json", "model.weights.h5"]
            cfg = json.loads(z.read("config.json"))
    else:
        with h5py.File(tmp_path / name, "r") as f:
            cfg = json.loads(f.attrs["model_config"])
            assert "model_weights" in f and "training_config" in f.attrs
    assert cfg["class_name"] == "Sequential"
    layers = cfg["config"]["layers"]
    assert layers[0]["class_name"] == "InputLayer"         # the input shape comes first
    key = "batch_shape" if name == "m.keras" else "batch_input_shape"     # Keras 3 / Keras 2
    assert layers[0]["config"][key] == [None, 3]
    layers = layers[1:]
    assert [r["class_name"] for r in layers] == ["Dense", "Dropout", "Dense"]
    assert layers[0]["config"]["units"] == 5 and layers[0]["config"]["activation"] == "tanh"
    assert layers[1]["config"]["rate"] == 0.25

    tf.reset_default_graph()
    keras.backend.clear_session()
    back = keras.models.load_model(str(tmp_path / name))
    np.testing.assert_allclose(back.predict(X), want, rtol=1e-6)
    assert type(back.optimizer).__name__ == "SGD"
    back.fit(X, np.eye(2, dtype=np.float32)[[0, 1, 0, 1, 1, 0]], epochs=1, verbose=0)


def test_bad_files_and_mismatches(tmp_path):
    m = _model(4)
    m.save_weights(str(tmp_path / "w.h5"))
    tf.reset_default_graph()
    keras.backend.clear_session()
    other = keras.models.Sequential([keras.layers.Dense(4, input_shape=(3,)),
                                     keras.layers.Dense(2)])
    before = other.get_weights()
    with pytest.raises(KerasFileError, match="weight .*kernel.* has shape \\(3, 4\\), the file "
                                             "has \\(3, 5\\)"):
        other.load_weights(str(tmp_path / "w.h5"))
    for a, b in zip(other.get_weights(), before):          # nothing assigned
        np.testing.assert_array_equal(a, b)
    with pytest.raises(KerasFileError, match="no model configuration"):
        keras.models.load_model(str(tmp_path / "w.h5"))
    (tmp_path / "junk.h5").write_bytes(b"\x89HDF\r\n\x1a\n" + b"\x00" * 40)
    with pytest.raises(KerasFileError, match="cannot read HDF5 file"):
        keras.models.load_model(str(tmp_path / "junk.h5"))
    with zipfile.ZipFile(tmp_path / "bad.keras", "w") as z:
        z.writestr("config.json", json.dumps({"class_name": "Sequential", "config": {
            "layers": [{"class_name": "os.system", "config": {}}]}}))
        z.writestr("model.weights.h5", b"")
    with pytest.raises(KerasFileError, match="unknown layer class 'os.system'"):
        keras.models.load_model(str(tmp_path / "bad.keras"))


_REAL_KERAS = r"""
import sys
import numpy as np
import keras
d = sys.argv[1]
X, want = np.load(d + "/x.npy"), np.load(d + "/want.npy")
def close(m):
    return np.allclose(m.predict(X, verbose=0), want, rtol=1e-5, atol=1e-6)
m = keras.models.load_model(d + "/m.keras")
opt = m.optimizer
print("keras", close(m) and type(opt).__name__ == "SGD"
      and abs(float(opt.learning_rate) - 0.05) < 1e-7)
print("h5", close(keras.models.load_model(d + "/m.h5", compile=False)))
for w in ("w.weights.h5", "w.h5"):
    fresh = keras.Sequential([keras.Input((3,)), keras.layers.Dense(5, activation="tanh"),
                              keras.layers.Dropout(0.25),
                              keras.layers.Dense(2, activation="softmax")])
    fresh.load_weights(d + "/" + w)
    print(w, close(fresh))
"""


def test_real_keras3_reads_what_dlcore_writes(tmp_path):
    from real_keras import keras3, run_script  # tests/io/real_keras.py
    keras3()
    m = _model(5)
    np.save(tmp_path / "x.npy", X)
    np.save(tmp_path / "want.npy", m.predict(X))
    m.save(str(tmp_path / "m.keras"))
    m.save(str(tmp_path / "m.h5"))
    m.save_weights(str(tmp_path / "w.weights.h5"))
    m.save_weights(str(tmp_path / "w.h5"))
    printed = run_script(_REAL_KERAS, tmp_path)      # Keras 3's NumPy backend: no TF needed
    assert printed.split() == ["keras", "True", "h5", "True", "w.weights.h5", "True",
                               "w.h5", "True"]
