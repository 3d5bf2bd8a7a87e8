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


def _bicubic_ref(x, oh, ow, align):
    """TF 1.15's ResizeBicubic (legacy: a = -0.75, position out * scale, fraction rounded to
    1/1024, taps floor-1..floor+2 clamped), pixel by pixel."""
    def w(t, a=-0.75):
        t = abs(t)
        return ((a + 2) * t - (a + 3)) * t * t + 1 if t <= 1 else \
            ((a * t - 5 * a) * t + 8 * a) * t - 4 * a

    def taps(n_in, n_out):
        s = np.float32((n_in - 1) / (n_out - 1) if align and n_out > 1 else n_in / n_out)
        out = []
        for o in range(n_out):
            src = np.float32(o) * s
            lo = int(np.floor(src))
            d = round(float(src - lo) * 1024) / 1024
            out.append([(min(max(lo + k, 0), n_in - 1), w(k - d)) for k in (-1, 0, 1, 2)])
        return out
    b, h, wd, c = x.shape
    y = np.zeros((b, oh, ow, c))
    for i, ti in enumerate(taps(h, oh)):
        for j, tj in enumerate(taps(wd, ow)):
            y[:, i, j] = sum(wi * wj * x[:, r, q] for r, wi in ti for q, wj in tj)
    return y


@pytest.mark.parametrize("align", [False, True])
def test_bicubic_is_tfs_kernel_in_float32(align):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 5, 6, 2))
    y = tf.image.resize_bicubic(x, [7, 4], align_corners=align)
    z = tf.image.resize_images(x.astype(np.uint8), [7, 4], method=tf.image.ResizeMethod.BICUBIC,
                               align_corners=align)
    assert y.dtype == tf.float32 and z.dtype == tf.float32
    with tf.Session() as s:
        got = s.run(y)
    np.testing.assert_allclose(got, _bicubic_ref(x, 7, 4, align), rtol=1e-5, atol=1e-5)
    if align:       # PyTorch's bicubic (a = -0.75, align_corners): within the table's step
        torch = pytest.importorskip("torch")
        t = torch.nn.functional.interpolate(torch.tensor(x).permute(0, 3, 1, 2), size=(7, 4),
                                            mode="bicubic", align_corners=True)
        np.testing.assert_allclose(got, t.permute(0, 2, 3, 1).numpy(), atol=5e-3)


def test_bicubic_same_size_is_identity_and_has_a_gradient():
    x = tf.placeholder(tf.float32, [1, 3, 4, 1])
    y = tf.image.resize_bicubic(x, [3, 4])
    (g,) = tf.gradients(tf.reduce_sum(y * 2.0), [x])
    v = np.arange(12, dtype=np.float32).reshape(1, 3, 4, 1)
    with tf.Session() as s:
        got, gv = s.run([y, g], {x: v})
    np.testing.assert_allclose(got, v, atol=1e-6)
    np.testing.assert_allclose(gv, np.full_like(v, 2.0), atol=1e-6)
