"""fidtf4 (session 16) sweep of tf.nn / tf.image: the behaviours that differ between TF1 and
the obvious PyTorch/NumPy spelling, pinned (references: torch 2.13 CPU with the padding TF
uses, and TF 1.15's documented formulas)."""

import numpy as np
import pytest
import torch

import dlcore_static as tf


def _run(t):
    with tf.Session() as sess:
        return sess.run(t)


def test_moments_has_tf1_signature():
    a = np.random.RandomState(0).randn(3, 5).astype(np.float32)
    m, v = _run(tf.nn.moments(a, [1], keep_dims=True))
    assert m.shape == (3, 1)
    np.testing.assert_allclose(m, a.mean(1, keepdims=True), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(v, a.var(1, keepdims=True), rtol=1e-5)
    m, v = _run(tf.nn.moments(a, [0], None, "stats"))        # (x, axes, shift, name)
    assert m.shape == (5,)
    np.testing.assert_allclose(v, a.var(0), rtol=1e-5)
    with pytest.raises(ValueError, match="Cannot specify both 'keep_dims' and 'keepdims'"):
        tf.nn.moments(a, [0], keep_dims=True, keepdims=True)


def test_conv2d_transpose_same_pads_at_the_end_as_tf():
    # TF: the forward SAME conv of 4 -> 2 (stride 2, k 3) pads 0 before, 1 after, so the
    # transposed conv is torch's full output (5) cropped to [0:4] (torch's padding=1 differs)
    w = np.random.RandomState(1).randn(3, 3, 3, 4).astype(np.float32)
    got = _run(tf.nn.conv2d_transpose(np.ones((1, 2, 2, 4), np.float32), w, [1, 4, 4, 3],
                                      [1, 2, 2, 1], "SAME"))
    full = torch.nn.functional.conv_transpose2d(
        torch.ones(1, 4, 2, 2), torch.from_numpy(np.ascontiguousarray(w.transpose(3, 2, 0, 1))),
        stride=2).numpy().transpose(0, 2, 3, 1)
    np.testing.assert_allclose(got, full[:, :4, :4], rtol=1e-5, atol=1e-5)


def test_max_pool_with_argmax_flat_index():
    x = np.random.RandomState(2).randn(1, 4, 4, 3).astype(np.float32)
    _, idx = _run(tf.nn.max_pool_with_argmax(x, [1, 2, 2, 1], [1, 2, 2, 1], "VALID"))
    assert idx.dtype == np.int64
    for i in range(2):
        for j in range(2):
            for c in range(3):
                win = x[0, 2 * i:2 * i + 2, 2 * j:2 * j + 2, c].ravel()
                k = int(np.argmax(win))
                # TF: ((b * height + y) * width + x) * channels + c
                assert idx[0, i, j, c] == ((2 * i + k // 2) * 4 + 2 * j + k % 2) * 3 + c


def test_resize_bilinear_is_tf1_legacy_sampling():
    img = np.random.RandomState(3).rand(1, 4, 6, 3).astype(np.float32)
    got = _run(tf.image.resize_bilinear(img, [8, 12]))
    # TF 1.15 (align_corners=False, half_pixel_centers=False): source = dest * in / out
    h, w = 4, 6
    want = np.zeros((1, 8, 12, 3), np.float32)
    for i in range(8):
        y = i * h / 8
        y0 = int(np.floor(y))
        y1, dy = min(y0 + 1, h - 1), y - y0
        for j in range(12):
            x = j * w / 12
            x0 = int(np.floor(x))
            x1, dx = min(x0 + 1, w - 1), x - x0
            want[:, i, j] = (img[:, y0, x0] * (1 - dy) * (1 - dx) + img[:, y0, x1] * (1 - dy)
                             * dx + img[:, y1, x0] * dy * (1 - dx) + img[:, y1, x1] * dy * dx)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_convert_image_dtype_float_to_uint8_truncates_as_tf():
    # TF 1.15: x * (255 + 0.5) then a truncating cast: 0.5 -> 127 (not round's 128)
    got = _run(tf.image.convert_image_dtype(np.array([0., 1., .5, .999], np.float32), tf.uint8))
    np.testing.assert_array_equal(got, np.trunc(np.array([0., 1., .5, .999]) * 255.5))
