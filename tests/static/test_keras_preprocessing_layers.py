"""Keras 3's numeric and image preprocessing layers (keras.layers.Normalization, Discretization,
CategoryEncoding, Resizing, CenterCrop, RandomFlip, RandomContrast) against real Keras 3.15
(NumPy backend): the same adapted state and the same outputs for the same inputs."""

from __future__ import annotations

import numpy as np
import pytest

from dlcore_static import keras
from dlcore_static.keras import layers as L
from tests.io.real_keras import keras3

RNG = np.random.default_rng(0)
IMG = RNG.uniform(0, 255, (2, 5, 7, 3)).astype("float32")


def _run(layer, x, dtype=None, training=None):
    keras.backend.clear_session()
    inp = keras.Input(x.shape[1:], dtype=dtype) if dtype else keras.Input(x.shape[1:])
    out = layer(inp) if training is None else layer(inp, training=training)
    return keras.Model(inp, out).predict(x)


def test_normalization_adapt_matches_keras():
    k3 = keras3()
    x = (RNG.normal(size=(6, 3)) * 3 + 1).astype("float32")
    for data in (x, [x[:2], x[2:5], x[5:]]):          # one array, or batches merged as Keras
        ours, theirs = L.Normalization(), k3.layers.Normalization()
        ours.adapt(data)
        theirs.adapt(x)           # (Keras's adapt of a list asks for TensorFlow)
        np.testing.assert_allclose(_run(ours, x), np.asarray(theirs(x)), rtol=1e-5, atol=1e-6)
        got, want = ours.get_weights(), theirs.get_weights()
        assert [w.dtype for w in got] == [w.dtype for w in want]
        for a, b in zip(got[:2], want[:2]):
            np.testing.assert_allclose(a, b, rtol=1e-5)
    inv = L.Normalization(mean=[1.0, 2.0, 3.0], variance=[4.0, 1.0, 0.25], invert=True)
    kinv = k3.layers.Normalization(mean=[1.0, 2.0, 3.0], variance=[4.0, 1.0, 0.25], invert=True)
    np.testing.assert_allclose(_run(inv, x), np.asarray(kinv(x)), rtol=1e-6)
    with pytest.raises(ValueError, match="both `mean` and `variance` must be set"):
        L.Normalization(mean=1.0)


def test_normalization_axis_none_in_a_trained_sequential():
    """The regression tutorial: one scalar mean/variance, adapted before the model exists."""
    keras.backend.clear_session()
    hp = RNG.uniform(50, 200, (16,)).astype("float32")
    norm = L.Normalization(input_shape=[1], axis=None)
    norm.adapt(hp)
    model = keras.models.Sequential([norm, L.Dense(1)])
    model.compile(optimizer="adam", loss="mean_absolute_error")
    model.fit(hp, 2 * hp, epochs=1, verbose=0)
    mean, var, _ = norm.get_weights()
    np.testing.assert_allclose([mean, var], [hp.mean(), hp.var()], rtol=1e-5)
    out = keras.Model(model.inputs, norm.output).predict(hp[:3, None])
    np.testing.assert_allclose(out[:, 0], (hp[:3] - hp.mean()) / hp.std(), rtol=1e-4)


@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_resizing_and_center_crop_match_keras(interpolation):
    k3 = keras3()
    for hw in ((3, 4), (8, 9)):
        got = _run(L.Resizing(*hw, interpolation=interpolation), IMG)
        want = np.asarray(k3.layers.Resizing(*hw, interpolation=interpolation)(IMG))
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-3)
    got = _run(L.Resizing(4, 4, interpolation=interpolation, crop_to_aspect_ratio=True), IMG)
    want = k3.layers.Resizing(4, 4, interpolation=interpolation, crop_to_aspect_ratio=True)(IMG)
    np.testing.assert_allclose(got, np.asarray(want), rtol=1e-5, atol=1e-3)
    hw = (3, 4) if interpolation == "bilinear" else (6, 9)      # a crop, or a resize (bigger)
    np.testing.assert_allclose(_run(L.CenterCrop(*hw), IMG),
                               np.asarray(k3.layers.CenterCrop(*hw)(IMG)), rtol=1e-5, atol=1e-3)


def test_discretization_and_category_encoding_match_keras():
    k3 = keras3()
    d = RNG.normal(size=(100,)).astype("float32")
    ours, theirs = L.Discretization(num_bins=4), k3.layers.Discretization(num_bins=4)
    ours.adapt(d)
    theirs.reset_state()          # Keras's adapt() asks for TensorFlow; these are its steps
    theirs.update_state(d)
    theirs.finalize_state()
    assert ours.bin_boundaries == theirs.bin_boundaries
    xs = np.array([[-3.0], [0.1], [2.0], [ours.bin_boundaries[1]]], dtype="float32")
    got = _run(ours, xs)
    assert got.dtype == np.int32
    np.testing.assert_array_equal(got, np.asarray(theirs(xs)))
    with pytest.raises(ValueError, match="Cannot adapt a Discretization layer"):
        L.Discretization(bin_boundaries=[0.0]).adapt(d)
    ids = np.array([[0, 1, 1], [2, 2, 0]])
    for mode in ("multi_hot", "count"):
        np.testing.assert_array_equal(_run(L.CategoryEncoding(4, mode), ids, dtype="int32"),
                                      np.asarray(k3.layers.CategoryEncoding(4, mode)(ids)))
    one = np.array([[0], [3], [1]])
    np.testing.assert_array_equal(_run(L.CategoryEncoding(4, "one_hot"), one, dtype="int32"),
                                  np.asarray(k3.layers.CategoryEncoding(4, "one_hot")(one)))
    with pytest.raises(ValueError, match="Unknown arg for output_mode: tf_idf"):
        L.CategoryEncoding(4, "tf_idf")


def test_random_flip_and_contrast_only_while_training():
    keras.backend.clear_session()
    np.testing.assert_array_equal(_run(L.RandomFlip(), IMG), IMG)
    np.testing.assert_array_equal(_run(L.RandomContrast(0.5), IMG), IMG)
    x = np.repeat(IMG, 8, axis=0)
    for mode, view in (("horizontal", (slice(None), slice(None, None, -1))),
                       ("vertical", (slice(None, None, -1),)),
                       ("horizontal_and_vertical", (slice(None, None, -1), slice(None, None, -1)))):
        got = _run(L.RandomFlip(mode, seed=1), x, training=True)
        flipped = [not np.array_equal(g, a) for g, a in zip(got, x)]
        for g, a, f in zip(got, x, flipped):
            np.testing.assert_array_equal(g, a[view] if f else a)
        assert 0 < sum(flipped) < len(x)
    got = _run(L.RandomContrast(0.5, value_range=(-1e9, 1e9)), x, training=True)
    m = x.mean(axis=(1, 2), keepdims=True)
    f = ((got - m) / (x - m)).reshape(len(x), -1)
    np.testing.assert_allclose(f, f[:, :1] * np.ones_like(f), rtol=1e-3)     # one per image
    assert (f[:, 0] >= 0.5 - 1e-4).all() and (f[:, 0] <= 1.5 + 1e-4).all()
    assert np.ptp(f[:, 0]) > 0.01
    clipped = _run(L.RandomContrast(0.9), x, training=True)
    assert clipped.min() >= 0 and clipped.max() <= 255
    with pytest.raises(ValueError, match="received an unknown mode argument diagonal"):
        L.RandomFlip("diagonal")
