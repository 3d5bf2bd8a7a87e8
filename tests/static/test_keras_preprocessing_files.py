"""Keras 3 .keras files of models with preprocessing layers: written by dlcore and read by real
Keras 3.15 (same predictions), written by Keras 3 and read by dlcore; an adapted
Normalization knows its input shape, so Sequential([norm, Dense]) builds as in Keras 3."""

from __future__ import annotations

import numpy as np

from dlcore_static import keras
from dlcore_static.keras import layers as L
from tests.io.real_keras import keras3

RNG = np.random.default_rng(0)
X = (RNG.normal(size=(8, 3)) * 2 + 1).astype("float32")
IMG = RNG.uniform(0, 255, (2, 9, 8, 3)).astype("float32")


def test_dlcore_files_read_by_keras3(tmp_path):
    k3 = keras3()
    keras.backend.clear_session()
    norm = L.Normalization()
    norm.adapt(X)                                     # before the model, as the tutorials do
    model = keras.models.Sequential([norm, L.Dense(2)])
    model.compile("sgd", "mse")
    model.save(str(tmp_path / "n.keras"))
    back = k3.saving.load_model(tmp_path / "n.keras")
    np.testing.assert_allclose(back.predict(X, verbose=0), model.predict(X), rtol=1e-5,
                               atol=1e-6)
    images = keras.models.Sequential([
        L.Resizing(6, 6, input_shape=(9, 8, 3)), L.CenterCrop(4, 4), L.RandomFlip("horizontal"),
        L.RandomRotation(0.1), L.RandomZoom(0.2), L.RandomTranslation(0.1, 0.1),
        L.RandomContrast(0.2), L.Flatten(), L.Dense(2)])
    want = images.predict(IMG)
    images.save(str(tmp_path / "i.keras"))
    np.testing.assert_allclose(k3.saving.load_model(tmp_path / "i.keras").predict(
        IMG, verbose=0), want, rtol=1e-4, atol=1e-3)
    again = keras.models.load_model(str(tmp_path / "i.keras"))
    np.testing.assert_allclose(again.predict(IMG), want, rtol=1e-5, atol=1e-5)


def test_keras3_files_read_by_dlcore(tmp_path):
    k3 = keras3()
    norm = k3.layers.Normalization()
    norm.adapt(X)
    kmodel = k3.Sequential([k3.Input((3,)), norm,
                            k3.layers.Discretization(bin_boundaries=[-1.0, 0.0, 1.0]),
                            k3.layers.CategoryEncoding(4, output_mode="one_hot")])
    kmodel.save(tmp_path / "k.keras")
    ours = keras.models.load_model(str(tmp_path / "k.keras"))
    np.testing.assert_allclose(ours.predict(X),
                               kmodel.predict(X, verbose=0), rtol=1e-6)
