"""Keras 3's RandomRotation, RandomZoom and RandomTranslation against real Keras 3.15 (NumPy
backend): with a fixed draw (equal factor bounds) the same pixels for every fill mode and
interpolation; random draws per image while training; the input itself otherwise."""

from __future__ import annotations

import numpy as np
import pytest

from dlcore_static import keras
from dlcore_static.keras import layers as L
from tests.io.real_keras import keras3

IMG = np.random.default_rng(0).uniform(0, 255, (2, 6, 7, 3)).astype("float32")


def _run(layer, x, training=True):
    keras.backend.clear_session()
    inp = keras.Input(x.shape[1:])
    return keras.Model(inp, layer(inp, training=training)).predict(x)


@pytest.mark.parametrize("fill_mode,interpolation", [("reflect", "bilinear"),
                                                     ("wrap", "nearest"),
                                                     ("constant", "bilinear"),
                                                     ("nearest", "bilinear")])
def test_fixed_draws_match_keras(fill_mode, interpolation):
    k3 = keras3()
    kw = {"fill_mode": fill_mode, "interpolation": interpolation, "fill_value": 7.0}
    cases = [(L.RandomRotation, k3.layers.RandomRotation, ((0.1, 0.1),)),
             (L.RandomZoom, k3.layers.RandomZoom, ((-0.2, -0.2), (0.4, 0.4))),
             (L.RandomTranslation, k3.layers.RandomTranslation, ((0.2, 0.2), (-0.3, -0.3)))]
    for ours, theirs, args in cases:
        want = np.asarray(theirs(*args, **kw)(IMG, training=True))
        np.testing.assert_allclose(_run(ours(*args, **kw), IMG), want, atol=2e-4, rtol=1e-5)


def test_random_draws_only_while_training():
    np.testing.assert_array_equal(_run(L.RandomRotation(0.2), IMG, training=None), IMG)
    x = np.repeat(IMG[:1], 6, axis=0)
    got = _run(L.RandomZoom(0.3, seed=3), x)
    assert got.shape == x.shape
    assert len({g.tobytes() for g in got}) == len(x)      # one zoom per image
    with pytest.raises(ValueError, match="Unknown `fill_mode` mirror"):
        L.RandomRotation(0.1, fill_mode="mirror")
    with pytest.raises(ValueError, match=r"in the range \[-1.0, 1.0\]"):
        L.RandomTranslation(1.5, 0.1)
