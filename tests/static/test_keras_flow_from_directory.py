"""ImageDataGenerator.flow_from_directory against real Keras 3.15's on the same folder of PNG
and JPEG files: the same class indices, file order, subsets, labels and (seeded, augmented)
batches; and a model trained from it with fit."""

from __future__ import annotations

import contextlib
import io

import numpy as np
import pytest

from dlcore_static import keras
from dlcore_static.keras.preprocessing.image import ImageDataGenerator
from tests.io.real_keras import keras3

PIL = pytest.importorskip("PIL.Image")


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("images")
    rng = np.random.default_rng(0)
    for k, cls in enumerate(("dogs", "cats", "birds")):
        (root / cls / "sub").mkdir(parents=True)
        for i in range(3 + k):
            img = PIL.fromarray(rng.integers(0, 255, (9 + i, 7, 3), dtype=np.uint8))
            where = root / cls / ("sub" if i == 2 else "") / f"im{i}.{'png' if i % 2 else 'jpg'}"
            img.save(where)
        (root / cls / "notes.txt").write_text("not an image")
    return root


def _both(k3, folder, gen_kw, **flow_kw):
    ours = ImageDataGenerator(**gen_kw).flow_from_directory(str(folder), **flow_kw)
    with contextlib.redirect_stdout(io.StringIO()):
        from keras.src.legacy.preprocessing import image  # (Keras 3 keeps it there)
        theirs = image.ImageDataGenerator(**gen_kw).flow_from_directory(str(folder), **flow_kw)
    return ours, theirs


def test_same_files_labels_and_batches_as_keras(folder, capsys):
    k3 = keras3()
    kw = {"target_size": (6, 5), "batch_size": 4, "seed": 3}
    ours, theirs = _both(k3, folder, {"rotation_range": 20, "horizontal_flip": True,
                                      "rescale": 1 / 255.0}, **kw)
    assert "Found 12 images belonging to 3 classes." in capsys.readouterr().out
    assert ours.class_indices == theirs.class_indices == {"birds": 0, "cats": 1, "dogs": 2}
    assert ours.filenames == theirs.filenames
    np.testing.assert_array_equal(ours.classes, theirs.classes)
    for _ in range(4):                             # endless next(), reshuffled per pass
        (xa, ya), (xb, yb) = next(ours), next(theirs)
        np.testing.assert_allclose(xa, xb, rtol=1e-5, atol=1e-6)
        np.testing.assert_array_equal(ya, yb)
    for mode in ("binary", "sparse", None):
        ours, theirs = _both(k3, folder, {"validation_split": 0.4}, class_mode=mode,
                             subset="validation", color_mode="grayscale", shuffle=False,
                             target_size=(4, 4), interpolation="bilinear")
        assert ours.filenames == theirs.filenames and len(ours) == len(theirs)
        a, b = ours[0], theirs[0]
        for u, v in zip(a if mode else [a], b if mode else [b]):
            assert u.dtype == v.dtype
            np.testing.assert_allclose(u, v)
    with pytest.raises(ValueError, match="Invalid class_mode: bad"):
        ImageDataGenerator().flow_from_directory(str(folder), class_mode="bad")


def test_fit_from_directory(folder, capsys):
    keras.backend.clear_session()
    it = ImageDataGenerator(rescale=1 / 255.0).flow_from_directory(
        str(folder), target_size=(8, 8), batch_size=6, keep_aspect_ratio=True)
    model = keras.models.Sequential([keras.layers.Flatten(input_shape=(8, 8, 3)),
                                     keras.layers.Dense(3, activation="softmax")])
    model.compile("sgd", "categorical_crossentropy", metrics=["accuracy"])
    hist = model.fit(it, epochs=2, verbose=0)
    assert len(hist.history["loss"]) == 2 and it[0][0].shape == (6, 8, 8, 3)
