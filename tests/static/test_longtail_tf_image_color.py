"""tf.image colour spaces, colour adjustments and measures: rgb_to_hsv/hsv_to_rgb against
Python's colorsys, adjust_saturation/adjust_hue/random_*, adjust_gamma, rgb_to_yuv/yuv_to_rgb,
total_variation, psnr, image_gradients, sobel_edges against NumPy; gradients by central
differences; errors by type and message."""

from __future__ import annotations

import colorsys

import numpy as np
import pytest
from static_gradcheck import check_value_and_gradient

import dlcore_static as tf

RNG = np.random.default_rng(0)
IMG = RNG.uniform(0, 1, (2, 3, 4, 3))
IMG[0, 0, 0] = [0.5, 0.5, 0.5]                    # grey: hue 0, saturation 0
IMG[0, 0, 1] = [0.0, 0.0, 0.0]
IMG[0, 0, 2] = [0.7, 0.7, 0.2]                    # a tie of the maximum (r first)


def _run(t):
    with tf.Session() as s:
        return s.run(t)


def _np_hsv(x):
    return np.apply_along_axis(lambda p: colorsys.rgb_to_hsv(*p), -1, x)


def _np_rgb(x):
    return np.apply_along_axis(lambda p: colorsys.hsv_to_rgb(*p), -1, x)


def test_rgb_hsv_round_trip_against_colorsys():
    hsv = _run(tf.image.rgb_to_hsv(IMG))
    np.testing.assert_allclose(hsv, _np_hsv(IMG), atol=1e-12)
    np.testing.assert_allclose(_run(tf.image.hsv_to_rgb(hsv)), IMG, atol=1e-12)
    h = RNG.uniform(0, 1, (50, 3))
    np.testing.assert_allclose(_run(tf.image.hsv_to_rgb(h)), _np_rgb(h), atol=1e-12)
    with pytest.raises(ValueError, match="the last dimension of images must be 3"):
        tf.image.rgb_to_hsv(np.zeros((2, 2, 4)))


def test_adjust_saturation_hue_and_their_random_forms():
    x = IMG.astype(np.float32)
    hsv = _np_hsv(IMG)
    sat = hsv.copy()
    sat[..., 1] = np.clip(sat[..., 1] * 1.7, 0, 1)
    np.testing.assert_allclose(_run(tf.image.adjust_saturation(x, 1.7)), _np_rgb(sat),
                               atol=1e-5)
    hue = hsv.copy()
    hue[..., 0] = (hue[..., 0] - 0.3) % 1.0
    np.testing.assert_allclose(_run(tf.image.adjust_hue(x, -0.3)), _np_rgb(hue), atol=1e-5)
    u8 = (IMG * 255).astype(np.uint8)
    out = _run(tf.image.adjust_saturation(u8, 0.0))
    assert out.dtype == np.uint8 and np.abs(out.astype(int).max(-1) - out.astype(int).min(-1)
                                            ).max() <= 1
    r = _run([tf.image.random_hue(x, 0.2, seed=1), tf.image.random_saturation(x, 0.5, 1.5,
                                                                               seed=2)])
    assert r[0].shape == r[1].shape == x.shape
    with pytest.raises(ValueError, match="max_delta must be <= 0.5."):
        tf.image.random_hue(x, 0.6)
    with pytest.raises(ValueError, match="upper must be > lower."):
        tf.image.random_saturation(x, 1.0, 0.5)


def test_gamma_yuv_total_variation_psnr():
    np.testing.assert_allclose(_run(tf.image.adjust_gamma(IMG, 2.0, 0.5)), 0.5 * IMG ** 2)
    u8 = np.array([[[0, 128, 255]]], np.uint8)
    np.testing.assert_array_equal(_run(tf.image.adjust_gamma(u8, 0.5)),
                                  np.round(255 * np.sqrt(u8 / 255.0)).astype(np.uint8))
    with pytest.raises(ValueError, match="Gamma should be a non-negative real number."):
        tf.image.adjust_gamma(IMG, -1.0)
    yuv = _run(tf.image.rgb_to_yuv(IMG))
    np.testing.assert_allclose(yuv[..., 0], IMG @ np.array([0.299, 0.587, 0.114]), atol=1e-12)
    np.testing.assert_allclose(_run(tf.image.yuv_to_rgb(yuv)), IMG, atol=1e-6)
    tv = np.abs(np.diff(IMG, axis=1)).sum((1, 2, 3)) + np.abs(np.diff(IMG, axis=2)).sum((1, 2, 3))
    np.testing.assert_allclose(_run(tf.image.total_variation(IMG)), tv)
    np.testing.assert_allclose(_run(tf.image.total_variation(IMG[0])), tv[0])
    b = np.clip(IMG + 0.05 * RNG.standard_normal(IMG.shape), 0, 1)
    want = 20 * np.log10(1.0) - 10 * np.log10(((IMG - b) ** 2).mean((1, 2, 3)))
    np.testing.assert_allclose(_run(tf.image.psnr(IMG.astype(np.float32),
                                                  b.astype(np.float32), 1.0)), want, rtol=1e-5)


def test_image_gradients_and_sobel_edges():
    dy, dx = _run(tf.image.image_gradients(IMG))
    np.testing.assert_allclose(dy[:, :-1], np.diff(IMG, axis=1))
    np.testing.assert_array_equal(dy[:, -1], 0)
    np.testing.assert_allclose(dx[:, :, :-1], np.diff(IMG, axis=2))
    got = _run(tf.image.sobel_edges(IMG))
    p = np.pad(IMG, ((0, 0), (1, 1), (1, 1), (0, 0)), mode="reflect")
    ky = np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]])
    for c, k in enumerate((ky, ky.T)):
        want = sum(k[i, j] * p[:, i:i + 3, j:j + 4] for i in range(3) for j in range(3))
        np.testing.assert_allclose(got[..., c], want, atol=1e-12)
    with pytest.raises(ValueError, match="image_gradients expects a 4D tensor"):
        tf.image.image_gradients(IMG[0])


def test_gradients_by_finite_differences():
    x = RNG.uniform(0.1, 0.9, (1, 2, 3, 3))
    check_value_and_gradient(lambda p: tf.image.rgb_to_hsv(p), _np_hsv, x, RNG)
    check_value_and_gradient(lambda p: tf.image.sobel_edges(p), lambda v: _run(
        tf.image.sobel_edges(v)), x, RNG)
