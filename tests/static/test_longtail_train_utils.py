"""tf.train.cosine_decay_restarts (against Keras 3's CosineDecayRestarts, the same formula) and
linear_cosine_decay (NumPy), and keras.utils' pad_sequences, set_random_seed, img_to_array,
array_to_img, save_img, load_img."""

from __future__ import annotations

import os

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static.keras import utils


def _run(t):
    with tf.Session() as s:
        return s.run(t)


@pytest.mark.parametrize("t_mul,m_mul", [(2.0, 0.5), (1.0, 1.0)])
def test_cosine_decay_restarts_matches_keras3(t_mul, m_mul):
    os.environ.setdefault("KERAS_BACKEND", "numpy")
    k3 = pytest.importorskip("keras")
    if k3.backend.backend() != "numpy":
        pytest.skip("Keras 3 with the numpy backend is the oracle")
    ref = k3.optimizers.schedules.CosineDecayRestarts(0.1, 3, t_mul=t_mul, m_mul=m_mul,
                                                      alpha=0.1)
    steps = [0, 1, 2, 3, 4, 8, 9, 10, 20]
    got = _run([tf.train.cosine_decay_restarts(0.1, s, 3, t_mul=t_mul, m_mul=m_mul, alpha=0.1)
                for s in steps])
    np.testing.assert_allclose(got, [float(ref(s)) for s in steps], rtol=1e-5, atol=1e-7)


def test_linear_cosine_decay_against_numpy():
    steps = np.array([0, 2, 5, 10, 12])
    got = _run([tf.train.linear_cosine_decay(0.1, int(s), 10, num_periods=1.0, alpha=0.1)
                for s in steps])
    t = np.minimum(steps, 10)
    want = 0.1 * ((0.1 + (10 - t) / 10) * 0.5 * (1 + np.cos(2 * np.pi * t / 10)) + 0.001)
    np.testing.assert_allclose(got, want, rtol=1e-5)


def test_keras_utils_homes_of_the_helpers(tmp_path):
    assert utils.pad_sequences([[1, 2, 3], [4]], maxlen=2).tolist() == [[2, 3], [0, 4]]
    utils.set_random_seed(3)
    a = np.random.rand(3)
    utils.set_random_seed(3)
    np.testing.assert_array_equal(a, np.random.rand(3))
    with pytest.raises(ValueError, match="Expected `seed` argument to be an integer"):
        utils.set_random_seed(1.5)
    img = np.arange(24, dtype=np.float32).reshape(2, 4, 3) * 10
    path = str(tmp_path / "x.png")
    utils.save_img(path, img, scale=False)
    back = utils.img_to_array(utils.load_img(path))
    np.testing.assert_array_equal(back, img)
    gray = utils.img_to_array(utils.load_img(path, color_mode="grayscale", target_size=(4, 8)))
    assert gray.shape == (4, 8, 1)
    assert utils.array_to_img(img, scale=False).size == (4, 2)
    from dlcore_static.keras.preprocessing import image
    assert image.load_img is utils.load_img and image.save_img is utils.save_img
