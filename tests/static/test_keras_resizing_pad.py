"""keras.layers.Resizing(pad_to_aspect_ratio=True, fill_value=...) against real Keras 3.15
(NumPy backend): a band of fill_value above and below (a wide image) or left and right (a tall
one), then the resize; its config and a .keras file round-trip (real Keras 3 loads the file
and predicts the same); pad and crop together is Keras's ValueError."""

from __future__ import annotations

import numpy as np
import pytest

from dlcore_static import keras
from dlcore_static.keras import layers as L
from tests.io.real_keras import keras3

RNG = np.random.default_rng(1)


def _run(layer, x):
    keras.backend.clear_session()
    inp = keras.Input(x.shape[1:])
    return keras.Model(inp, layer(inp)).predict(x)


@pytest.mark.parametrize("shape", [(2, 3, 9, 2), (1, 10, 4, 1)])
def test_pad_to_aspect_ratio_matches_keras(shape):
    k3 = keras3()
    img = RNG.uniform(0, 1, shape).astype("float32")
    for interpolation, size, fill in (("bilinear", (6, 6), 0.0), ("nearest", (5, 8), 0.5)):
        kw = {"interpolation": interpolation, "pad_to_aspect_ratio": True, "fill_value": fill}
        got = _run(L.Resizing(*size, **kw), img)
        want = np.asarray(k3.layers.Resizing(*size, **kw)(img))
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    config = L.Resizing(4, 6, pad_to_aspect_ratio=True, fill_value=0.25).get_config()
    assert config["pad_to_aspect_ratio"] is True and config["fill_value"] == 0.25
    with pytest.raises(ValueError, match="Only one of `pad_to_aspect_ratio` & "
                                         "`crop_to_aspect_ratio` can be `True`"):
        L.Resizing(4, 4, pad_to_aspect_ratio=True, crop_to_aspect_ratio=True)


def test_pad_to_aspect_ratio_survives_a_model_file(tmp_path):
    k3 = keras3()
    keras.backend.clear_session()
    model = keras.models.Sequential([L.Resizing(8, 8, pad_to_aspect_ratio=True, fill_value=0.5,
                                                input_shape=(6, 12, 1))])
    x = RNG.uniform(0, 1, (2, 6, 12, 1)).astype("float32")
    want = model.predict(x)
    path = str(tmp_path / "r.keras")
    model.save(path)
    again = keras.models.load_model(path)
    assert again.layers[0].pad_to_aspect_ratio and again.layers[0].fill_value == 0.5
    np.testing.assert_allclose(again.predict(x), want, rtol=1e-6)
    np.testing.assert_allclose(k3.models.load_model(path).predict(x, verbose=0), want,
                               rtol=1e-5, atol=1e-6)
