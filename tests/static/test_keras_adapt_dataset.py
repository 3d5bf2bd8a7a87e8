"""Keras preprocessing layers adapted on a tf.data.Dataset (the keras.io 'structured data'
and text tutorials' ``layer.adapt(ds.map(lambda x, y: x))``): one pass is read through the
dataset's own graph, and the adapted state equals the one adapted on the same data as an
array (Normalization's mean and variance, Discretization's bins, StringLookup's and
TextVectorization's vocabularies); then Model.fit on the dataset.  An endlessly repeating
dataset needs ``steps`` (Keras's ValueError)."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static import keras
from dlcore_static.keras import layers

RNG = np.random.default_rng(0)
X = (RNG.normal(size=(40, 3)) * [1, 10, 100] + [0, 5, -50]).astype("float32")
Y = (X[:, :1] > 0).astype("float32")


def test_adapt_on_a_dataset_equals_adapt_on_the_array():
    keras.backend.clear_session()
    ds = tf.data.Dataset.from_tensor_slices((X, Y)).shuffle(40, seed=1).batch(16)
    norm = layers.Normalization()
    norm.adapt(ds.map(lambda a, b: a))
    np.testing.assert_allclose(norm._adapted[0], X.mean(0), rtol=1e-5)
    np.testing.assert_allclose(norm._adapted[1], X.var(0), rtol=1e-5)
    disc, ref = layers.Discretization(num_bins=3), layers.Discretization(num_bins=3)
    disc.adapt(tf.data.Dataset.from_tensor_slices(X[:, 0]).batch(8))
    ref.adapt(X[:, 0])
    assert disc.bin_boundaries == ref.bin_boundaries
    words = np.array(["a", "b", "c", "a", "b", "a", "d"] * 3)
    lk, lref = layers.StringLookup(), layers.StringLookup()
    lk.adapt(tf.data.Dataset.from_tensor_slices(words).batch(5))
    lref.adapt(words)
    assert lk.get_vocabulary() == lref.get_vocabulary() == ["[UNK]", "a", "b", "d", "c"]
    texts = np.array(["The cat sat", "a dog", "the dog sat down"])
    tv, tref = layers.TextVectorization(ngrams=2), layers.TextVectorization(ngrams=2)
    tv.adapt(tf.data.Dataset.from_tensor_slices((texts, np.arange(3))).batch(2).map(
        lambda t, i: t))
    tref.adapt(texts)
    assert tv.get_vocabulary() == tref.get_vocabulary()
    with pytest.raises(ValueError, match="infinitely repeating dataset, you must specify"):
        layers.TextVectorization().adapt(tf.data.Dataset.from_tensor_slices(texts).repeat())
    part = layers.TextVectorization()
    part.adapt(tf.data.Dataset.from_tensor_slices(texts).batch(1).repeat(), steps=2)
    assert "down" not in part.get_vocabulary() and "dog" in part.get_vocabulary()

    inputs = keras.Input(shape=(3,))
    model = keras.Model(inputs, layers.Dense(1, activation="sigmoid")(norm(inputs)))
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    hist = model.fit(ds, epochs=2, validation_data=ds, verbose=0).history
    assert len(hist["loss"]) == 2 and hist["val_loss"][-1] < hist["val_loss"][0]
    z = keras.Model(inputs, norm(inputs)).predict(X)
    np.testing.assert_allclose(z, (X - X.mean(0)) / X.std(0), rtol=1e-4, atol=1e-5)
