"""TF 1.15's resize dtypes: ResizeBilinear is float32 for any input (float64 too), nearest
neighbour keeps the dtype, and resize_images returns an image already of the size as it is."""

import numpy as np
import pytest

import dlcore_static as tf


@pytest.fixture(autouse=True)
def _graph():
    with tf.Graph().as_default() as g:
        yield g


def _bilinear_ref(x, oh, ow):
    """TF's half-pixel-free, corner-unaligned bilinear sampling (scale = in/out)."""
    b, h, w, c = x.shape
    out = np.zeros((b, oh, ow, c))
    for i in range(oh):
        for j in range(ow):
            y, xx = i * h / oh, j * w / ow
            y0, x0 = int(np.floor(y)), int(np.floor(xx))
            y1, x1 = min(y0 + 1, h - 1), min(x0 + 1, w - 1)
            dy, dx = y - y0, xx - x0
            top = x[:, y0, x0] * (1 - dx) + x[:, y0, x1] * dx
            bot = x[:, y1, x0] * (1 - dx) + x[:, y1, x1] * dx
            out[:, i, j] = top * (1 - dy) + bot * dy
    return out


@pytest.mark.parametrize("dt", [np.float64, np.float32, np.uint8, np.int32, np.int16])
def test_bilinear_is_float32_for_any_dtype(dt):
    img = (np.arange(2 * 3 * 4 * 2) % 7).reshape(2, 3, 4, 2).astype(dt)
    want = _bilinear_ref(img.astype(np.float64), 5, 3)
    outs = [tf.image.resize_images(img, [5, 3]), tf.image.resize_bilinear(img, [5, 3]),
            tf.image.resize_images(tf.constant(img[0]), (5, 3),
                                   method=tf.image.ResizeMethod.BILINEAR)]
    assert [o.dtype for o in outs] == [tf.float32] * 3
    with tf.Session() as s:
        got = s.run(outs)
    for g in got[:2]:
        assert g.dtype == np.float32
        np.testing.assert_allclose(g, want, rtol=1e-6, atol=1e-5)
    np.testing.assert_allclose(got[2], want[0], rtol=1e-6, atol=1e-5)


@pytest.mark.parametrize("dt", [np.float64, np.uint8, np.int32])
def test_nearest_keeps_the_dtype(dt):
    img = np.arange(16).reshape(1, 4, 4, 1).astype(dt)
    outs = [tf.image.resize_images(img, [2, 2], method=tf.image.ResizeMethod.NEAREST_NEIGHBOR),
            tf.image.resize_nearest_neighbor(img, [2, 2])]
    with tf.Session() as s:
        for g in s.run(outs):
            assert g.dtype == dt
            np.testing.assert_array_equal(g[0, :, :, 0], img[0, ::2, ::2, 0])


def test_same_size_is_returned_as_it_is():
    img = tf.placeholder(tf.uint8, [None, 3, 4, 1])
    same = tf.image.resize_images(img, [3, 4])
    assert same is img and same.dtype == tf.uint8
    grown = tf.image.resize_images(img, [3, 5])
    assert grown.dtype == tf.float32
    # the raw op resizes (float32) whatever the size
    assert tf.image.resize_bilinear(img, [3, 4]).dtype == tf.float32
    v = np.arange(12, dtype=np.uint8).reshape(1, 3, 4, 1)
    with tf.Session() as s:
        np.testing.assert_array_equal(s.run(same, {img: v}), v)


def test_run_time_sized_image_is_float32():
    x = tf.placeholder(tf.float64, [1, None, None, 1])
    y = tf.image.resize_bilinear(x, [2, 2])
    assert y.dtype == tf.float32
    with tf.Session() as s:
        got = s.run(y, {x: np.arange(16.0).reshape(1, 4, 4, 1)})
    assert got.dtype == np.float32
    np.testing.assert_allclose(got[0, :, :, 0], [[0, 2], [8, 10]])
