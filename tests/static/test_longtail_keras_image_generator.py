"""keras.preprocessing.image.ImageDataGenerator against Keras 3's own (numpy backend): the same
batches for the same seed with rescale, shifts, flips, rotation, zoom, shear, channel shift;
feature-wise statistics from fit; flow as a Sequence and as an endless iterator; Keras's
errors; a model trained from datagen.flow."""

from __future__ import annotations

import os

import numpy as np
import pytest

from dlcore_static.keras.preprocessing import image as dimage

X = np.random.default_rng(0).uniform(0, 255, (5, 6, 7, 3)).astype(np.float32)
Y = np.arange(5)


def _keras3_image():
    os.environ.setdefault("KERAS_BACKEND", "numpy")
    k3 = pytest.importorskip("keras")
    if k3.backend.backend() != "numpy":
        pytest.skip("Keras 3 with the numpy backend is the oracle")
    from keras.src.legacy.preprocessing import image
    return image


ARGS = [{"rescale": 1 / 255.0},
        {"rotation_range": 30, "width_shift_range": 0.2, "height_shift_range": 0.1,
             "horizontal_flip": True, "vertical_flip": True},
        {"zoom_range": 0.2, "shear_range": 10, "channel_shift_range": 20.0, "fill_mode": "constant",
             "cval": 3.0, "width_shift_range": [1, 2], "height_shift_range": 2},
        {"samplewise_center": True, "samplewise_std_normalization": True, "fill_mode": "reflect",
             "rotation_range": 90, "data_format": "channels_first"}]


@pytest.mark.parametrize("kw", ARGS, ids=["rescale", "affine_flips", "zoom_shear", "cf"])
def test_flow_matches_keras_for_a_seed(kw):
    kimage = _keras3_image()
    x = X.transpose(0, 3, 1, 2) if kw.get("data_format") == "channels_first" else X
    ours = dimage.ImageDataGenerator(**kw).flow(x, Y, batch_size=2, seed=7)
    theirs = kimage.ImageDataGenerator(**kw).flow(x, Y, batch_size=2, seed=7)
    for _ in range(4):                              # next(): endless, wraps after 3 batches
        (a, ya), (b, yb) = next(ours), next(theirs)
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-4)
        np.testing.assert_array_equal(ya, yb)
    assert len(ours) == len(theirs) == 3
    np.testing.assert_allclose(ours[2][0], theirs[2][0], rtol=1e-5, atol=1e-4)


def test_fit_featurewise_statistics_and_zca_match_keras():
    kimage = _keras3_image()
    for kw in ({"featurewise_center": True, "featurewise_std_normalization": True},
               {"zca_whitening": True}):
        ours, theirs = dimage.ImageDataGenerator(**kw), kimage.ImageDataGenerator(**kw)
        ours.fit(X[:4])
        theirs.fit(X[:4])
        np.testing.assert_allclose(ours.standardize(X[4].copy()),
                                   theirs.standardize(X[4].copy()), rtol=1e-3, atol=1e-3)


def test_transform_functions_and_brightness_match_keras():
    kimage = _keras3_image()
    img = X[0]
    np.testing.assert_allclose(
        dimage.apply_affine_transform(img, theta=20, tx=1, zx=0.9, row_axis=0, col_axis=1,
                                      channel_axis=2),
        kimage.apply_affine_transform(img, theta=20, tx=1, zx=0.9, row_axis=0, col_axis=1,
                                      channel_axis=2), rtol=1e-5, atol=1e-4)
    g1 = dimage.ImageDataGenerator(brightness_range=(0.5, 1.5))
    g2 = kimage.ImageDataGenerator(brightness_range=(0.5, 1.5))
    np.testing.assert_allclose(g1.random_transform(img, seed=3), g2.random_transform(img, seed=3),
                               atol=1e-4)


def test_errors_as_keras():
    with pytest.raises(ValueError, match="`zoom_range` should be a float or a tuple"):
        dimage.ImageDataGenerator(zoom_range=(1, 2, 3))
    with pytest.raises(ValueError, match="`validation_split` must be strictly between 0 and 1"):
        dimage.ImageDataGenerator(validation_split=1.5)
    with pytest.raises(ValueError, match="should have rank 4. You passed an array with shape"):
        dimage.ImageDataGenerator().flow(X[..., 0], Y)
    with pytest.raises(ValueError, match=r"should have the same length. Found: x.shape = "
                       r"\(5, 6, 7, 3\), y.shape = \(4,\)"):
        dimage.ImageDataGenerator().flow(X, Y[:4])
    with pytest.raises(ValueError, match="Asked to retrieve element 3, but the Sequence has "
                       "length 3"):
        dimage.ImageDataGenerator().flow(X, Y, batch_size=2)[3]


def test_validation_subsets_and_model_fit_from_flow():
    from dlcore_static.keras.layers import Dense, Flatten
    from dlcore_static.keras.models import Sequential
    gen = dimage.ImageDataGenerator(rescale=1 / 255.0, validation_split=0.4,
                                    horizontal_flip=True)
    train = gen.flow(X, Y % 2, batch_size=2, subset="training", seed=1,
                     ignore_class_split=True)
    val = gen.flow(X, Y % 2, batch_size=2, subset="validation", seed=1,
                   ignore_class_split=True)
    assert (train.n, val.n) == (3, 2)
    m = Sequential([Flatten(input_shape=(6, 7, 3)), Dense(2, activation="softmax")])
    m.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    h = m.fit_generator(train, steps_per_epoch=len(train), epochs=2, verbose=0,
                        validation_data=val, validation_steps=1)
    assert len(h.history["loss"]) == 2 and "val_accuracy" in h.history
    h2 = m.fit(train, epochs=1, verbose=0)                 # tf.keras: fit takes a Sequence
    assert np.isfinite(h2.history["loss"][0])
