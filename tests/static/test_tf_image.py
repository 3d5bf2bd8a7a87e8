"""``tf.image``: resizing (TF1's legacy sampling, align_corners, half_pixel_centers), flips,
random flips and crops drawn per run, crops and pads, standardisation, dtype and colour
conversion.  Values against NumPy loops written from TensorFlow 1's kernels (and PyTorch's
interpolate where the two agree), gradients against central differences, errors."""

from __future__ import annotations

import doctest

import numpy as np
import pytest
from static_gradcheck import check_value_and_gradient, numeric_grad

import dlcore_static as tf

RNG = np.random.default_rng(11)


def check(build, ref, x):
    check_value_and_gradient(build, ref, x, RNG)


# ----------------------------------------------------------------------------- references
def _src(o, n_in, n_out, align, half):
    s = (n_in - 1) / (n_out - 1) if align and n_out > 1 else n_in / n_out
    return (o + 0.5) * s - 0.5 if half else o * s


def ref_bilinear(x, oh, ow, align=False, half=False):
    """TensorFlow 1's ResizeBilinear kernel, pixel by pixel."""
    b, h, w, c = x.shape
    out = np.zeros((b, oh, ow, c))
    for i in range(oh):
        yi = _src(i, h, oh, align, half)
        y0 = int(np.floor(yi))
        y1, ly = min(y0 + 1, h - 1), yi - np.floor(yi)
        y0 = max(y0, 0)
        for j in range(ow):
            xj = _src(j, w, ow, align, half)
            x0 = int(np.floor(xj))
            x1, lx = min(x0 + 1, w - 1), xj - np.floor(xj)
            x0 = max(x0, 0)
            top = x[:, y0, x0] * (1 - lx) + x[:, y0, x1] * lx
            bot = x[:, y1, x0] * (1 - lx) + x[:, y1, x1] * lx
            out[:, i, j] = top * (1 - ly) + bot * ly
    return out


def ref_nearest(x, oh, ow, align=False):
    h, w = x.shape[1:3]
    sh = (h - 1) / (oh - 1) if align and oh > 1 else h / oh
    sw = (w - 1) / (ow - 1) if align and ow > 1 else w / ow
    rnd = (lambda v: np.floor(v + 0.5)) if align else np.floor
    ri = np.minimum(rnd(np.arange(oh) * sh).astype(int), h - 1)
    ci = np.minimum(rnd(np.arange(ow) * sw).astype(int), w - 1)
    return x[:, ri][:, :, ci]


# ----------------------------------------------------------------------------- resize
@pytest.mark.parametrize("size", [(5, 3), (2, 7), (1, 1)])
@pytest.mark.parametrize("align", [False, True])
def test_resize_bilinear_values_and_gradient(size, align):
    # TF 1.15's ResizeBilinear computes and returns float32 for a float64 input (its gradient
    # is float64): float32's tolerances (tests/static/test_fidtf11_resize.py)
    x = RNG.standard_normal((2, 3, 4, 2))
    y = check_value_and_gradient(lambda p: tf.image.resize_images(p, size, align_corners=align),
                                 lambda v: ref_bilinear(v, *size, align=align), x, RNG,
                                 rtol=1e-6, atol=1e-6, grad_rtol=1e-5, grad_atol=1e-6)
    assert y.dtype == tf.float32


def test_resize_half_pixel_centers_and_torch():
    torch = pytest.importorskip("torch")
    x = RNG.standard_normal((1, 3, 5, 2))
    for half, align in ((True, False), (False, True)):
        y = tf.image.resize_bilinear(x, [7, 4], align_corners=align, half_pixel_centers=half)
        with tf.Session() as s:
            got = s.run(y)
        t = torch.nn.functional.interpolate(torch.tensor(x).permute(0, 3, 1, 2), size=(7, 4),
                                            mode="bilinear", align_corners=align)
        assert got.dtype == np.float32      # (TF 1.15's ResizeBilinear, float64 input)
        np.testing.assert_allclose(got, t.permute(0, 2, 3, 1).numpy(), rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(got, ref_bilinear(x, 7, 4, align, half), rtol=1e-6,
                                   atol=1e-6)


@pytest.mark.parametrize("align", [False, True])
def test_resize_nearest_keeps_dtype_and_gradient(align):
    xi = RNG.integers(0, 255, (2, 3, 5, 1)).astype(np.uint8)
    y = tf.image.resize_images(xi, [7, 2], method=tf.image.ResizeMethod.NEAREST_NEIGHBOR,
                               align_corners=align)
    with tf.Session() as s:
        got = s.run(y)
    assert got.dtype == np.uint8
    np.testing.assert_array_equal(got, ref_nearest(xi, 7, 2, align))
    x = RNG.standard_normal((1, 3, 2, 2))
    check(lambda p: tf.image.resize_nearest_neighbor(p, [4, 5], align_corners=align),
          lambda v: ref_nearest(v, 4, 5, align), x)


def test_resize_single_image_dtypes_and_batch_unknown():
    img = RNG.integers(0, 9, (4, 4, 3)).astype(np.int32)
    y = tf.image.resize(img, [2, 2])
    assert y.dtype == tf.float32 and y.shape.as_list() == [2, 2, 3]
    p = tf.placeholder(tf.float32, [None, 4, 4, 3])
    yb = tf.image.resize_images(p, tf.constant([8, 6]))
    assert yb.shape.as_list() == [None, 8, 6, 3]
    with tf.Session() as s:
        np.testing.assert_allclose(s.run(y), ref_bilinear(img[None].astype(np.float64), 2, 2)[0],
                                   rtol=1e-6)
        assert s.run(yb, {p: np.zeros((3, 4, 4, 3))}).shape == (3, 8, 6, 3)
    pr = tf.image.resize_images(np.zeros((4, 8, 1), np.float32), [4, 4],
                                preserve_aspect_ratio=True)
    assert pr.shape.as_list() == [2, 4, 1]


def test_resize_errors():
    x = np.zeros((1, 2, 2, 1), np.float32)
    with pytest.raises(ValueError, match="'size' must be a 1-D Tensor of 2 elements"):
        tf.image.resize_images(x, [3])
    with pytest.raises(ValueError, match="^'images' must have either 3 or 4 dimensions.$"):
        tf.image.resize_images(np.zeros((2, 2), np.float32), [3, 3])      # (TF 1.15's words)
    with pytest.raises(ValueError, match="'image' must be 4-dimensional"):
        tf.image.resize_bilinear(np.zeros((2, 2, 1), np.float32), [3, 3])
    with pytest.raises(ValueError, match="align_corners must be False"):
        tf.image.resize_bilinear(x, [3, 3], align_corners=True, half_pixel_centers=True)
    with pytest.raises(NotImplementedError, match="size must be known"):
        tf.image.resize_images(x, tf.placeholder(tf.int32, [2]))
    # a height known only at run time is resized when the graph runs (TF 1.15 does; fidtf10)
    p = tf.placeholder(tf.float32, [1, None, 2, 1])
    y = tf.image.resize_images(p, [3, 3])
    assert y.shape.as_list() == [1, 3, 3, 1]
    with tf.Session() as s:
        np.testing.assert_allclose(s.run(y, {p: np.ones((1, 5, 2, 1))}), np.ones((1, 3, 3, 1)))


# ----------------------------------------------------------------------------- flips, crops
def test_flips_and_crops_values_and_gradients():
    x = RNG.standard_normal((2, 4, 6, 3))
    check(tf.image.flip_left_right, lambda v: v[:, :, ::-1], x)
    check(tf.image.flip_up_down, lambda v: v[:, ::-1], x)
    check(lambda p: tf.image.central_crop(p, 0.5), lambda v: v[:, 1:3, 1:5], x)
    check(lambda p: tf.image.central_crop(p, 0.3), lambda v: v[:, 1:3, 2:4], x)
    check(lambda p: tf.image.resize_image_with_crop_or_pad(p, 7, 3),
          lambda v: np.pad(v[:, :, 1:4], [(0, 0), (1, 2), (0, 0), (0, 0)]), x)
    check(lambda p: tf.image.crop_to_bounding_box(p[0], 1, 2, 2, 3),
          lambda v: v[0, 1:3, 2:5], x)
    check(lambda p: tf.image.pad_to_bounding_box(p, 2, 0, 6, 7),
          lambda v: np.pad(v, [(0, 0), (2, 0), (0, 1), (0, 0)]), x)


def test_random_flip_per_image_per_run_and_seeded():
    x = np.arange(8 * 3, dtype=np.float32).reshape(8, 1, 3, 1)
    y = tf.image.random_flip_left_right(x, seed=4)
    with tf.Session() as s:
        runs = [s.run(y) for _ in range(4)]
    with tf.Session() as s:
        np.testing.assert_array_equal(s.run(y), runs[0])        # seeded: repeats
    flipped = []
    for r in runs:
        for b in range(8):
            row = r[b, 0, :, 0]
            assert row.tolist() in (x[b, 0, :, 0].tolist(), x[b, 0, ::-1, 0].tolist())
            flipped.append(row[0] != x[b, 0, 0, 0])
    assert 0 < sum(flipped) < len(flipped)                       # both outcomes occur
    single = tf.image.random_flip_up_down(np.arange(3.0).reshape(3, 1, 1))
    assert single.shape.as_list() == [3, 1, 1]


def test_random_crop_windows_and_gradient():
    x = np.arange(6 * 5 * 2, dtype=np.float64).reshape(6, 5, 2)
    p = tf.placeholder(tf.float64, [None, 5, 2])
    y = tf.random_crop(p, [3, 4, 2], seed=9)
    w = RNG.standard_normal((3, 4, 2))
    (g,) = tf.gradients(tf.reduce_sum(y * w), [p])
    starts = set()
    with tf.Session() as s:
        for _ in range(12):
            yv, gv = s.run([y, g], {p: x})
            i, j = np.argwhere(x[..., 0] == yv[0, 0, 0])[0]
            starts.add((int(i), int(j)))
            np.testing.assert_array_equal(yv, x[i:i + 3, j:j + 4])
            expected = np.zeros_like(x)
            expected[i:i + 3, j:j + 4] = w
            np.testing.assert_allclose(gv, expected)
    assert len(starts) > 1
    assert tf.image.random_crop is tf.random_crop
    with pytest.raises(ValueError, match=r"Need value.shape >= size, got \[6, 5, 2\] "
                                         r"\[7, 1, 1\]"):
        tf.random_crop(x, [7, 1, 1])


def test_crop_pad_errors():
    x = np.zeros((4, 4, 1), np.float32)
    with pytest.raises(ValueError, match="central_fraction must be within"):
        tf.image.central_crop(x, 0.0)
    with pytest.raises(ValueError, match="height must be >= target \\+ offset"):
        tf.image.crop_to_bounding_box(x, 2, 0, 3, 1)
    with pytest.raises(ValueError, match="width must be <= target - offset"):
        tf.image.pad_to_bounding_box(x, 0, 2, 4, 5)
    with pytest.raises(ValueError, match="target_width must be > 0"):
        tf.image.resize_image_with_crop_or_pad(x, 2, 0)


# ----------------------------------------------------------------------------- values
def test_per_image_standardization_values_and_gradient():
    x = RNG.standard_normal((2, 3, 2, 2)) * 3 + 1

    def ref(v):
        m = v.mean(axis=(1, 2, 3), keepdims=True)
        sd = np.maximum(v.std(axis=(1, 2, 3), keepdims=True), 1 / np.sqrt(12))
        return (v - m) / sd
    p = tf.placeholder(tf.float32, x.shape)
    y = tf.image.per_image_standardization(p)
    (g,) = tf.gradients(tf.reduce_sum(y * np.arange(24.0).reshape(x.shape)), [p])
    with tf.Session() as s:
        yv, gv = s.run([y, g], {p: x})
        const = s.run(tf.image.per_image_standardization(np.full((2, 2, 1), 5, np.uint8)))
    assert y.dtype == tf.float32
    np.testing.assert_allclose(yv, ref(x), rtol=1e-4, atol=1e-5)
    w = np.arange(24.0).reshape(x.shape)
    np.testing.assert_allclose(gv, numeric_grad(lambda v: np.sum(ref(v) * w), x), rtol=1e-3,
                               atol=1e-3)
    np.testing.assert_array_equal(const, np.zeros((2, 2, 1)))   # stddev floor: no division by 0


@pytest.mark.parametrize("src, dst, values, expected", [
    (np.uint8, np.float32, [0, 51, 255], [0.0, 0.2, 1.0]),
    (np.float32, np.uint8, [0.0, 0.5, 1.0], [0, 127, 255]),        # 0.5 * 255.5 truncates
    (np.float64, np.int32, [0.25], [int(0.25 * (2 ** 31 - 1 + 0.5))]),
    (np.uint8, np.int32, [1, 255], [1 << 23, 255 << 23]),
    (np.int32, np.uint8, [1 << 23, 2 ** 31 - 1], [1, 255]),
    (np.float32, np.float64, [0.5], [0.5]),
])
def test_convert_image_dtype(src, dst, values, expected):
    y = tf.image.convert_image_dtype(np.array(values, src), tf.as_dtype(dst))
    with tf.Session() as s:
        got = s.run(y)
    assert got.dtype == dst
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    sat = tf.image.convert_image_dtype(np.array([1.5, -0.2], np.float32), tf.uint8,
                                       saturate=True)
    with tf.Session() as s:
        assert s.run(sat).tolist() == [255, 0]


def test_rgb_to_grayscale_and_back():
    x = RNG.uniform(0, 1, (2, 3, 3)).astype(np.float32)
    xi = (x * 255).astype(np.uint8)
    g = tf.image.rgb_to_grayscale(x)
    gi = tf.image.rgb_to_grayscale(xi)
    with tf.Session() as s:
        gv, giv, rgb = s.run([g, gi, tf.image.grayscale_to_rgb(g)])
    w = np.array([0.2989, 0.5870, 0.1140])
    np.testing.assert_allclose(gv[..., 0], x @ w, rtol=1e-5)
    assert giv.dtype == np.uint8
    np.testing.assert_array_equal(giv[..., 0], ((xi / 255.0) @ w * 255.5).astype(np.uint8))
    np.testing.assert_array_equal(rgb, np.repeat(gv, 3, -1))
    with pytest.raises(ValueError, match="must be 3"):
        tf.image.rgb_to_grayscale(np.zeros((2, 2)))


def test_docstring_examples_run():
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    tests = [t for t in doctest.DocTestFinder().find(tf.image) if t.examples]
    assert len(tests) >= 15
    for t in tests:
        with tf.Graph().as_default():
            runner.run(t)
    assert runner.failures == 0


# ----------------------------------------------------------------------------- adjustments
def test_brightness_and_contrast_values_and_gradients():
    x = RNG.uniform(0, 1, (2, 3, 2, 3))
    p = tf.placeholder(tf.float64, x.shape)               # computed in float32, as TF does
    yb = tf.image.adjust_brightness(p, 0.2)
    w = RNG.standard_normal(x.shape)
    (gb,) = tf.gradients(tf.reduce_sum(yb * w), [p])
    with tf.Session() as s:
        ybv, gbv = s.run([yb, gb], {p: x})
    assert ybv.dtype == np.float64
    np.testing.assert_allclose(ybv, x.astype(np.float32) + np.float32(0.2), rtol=1e-6)
    np.testing.assert_allclose(gbv, w.astype(np.float32), rtol=1e-6)

    def contrast(v, f=1.7):
        m = v.mean(axis=(1, 2), keepdims=True)
        return (v - m) * f + m
    xf = x.astype(np.float32)
    with tf.Session() as s:
        got = s.run(tf.image.adjust_contrast(xf, 1.7))
        got_u8 = s.run(tf.image.adjust_brightness(np.array([[[200]]], np.uint8), 0.5))
    np.testing.assert_allclose(got, contrast(xf), rtol=1e-5, atol=1e-6)
    assert got_u8.tolist() == [[[255]]]                  # saturates at uint8's 255
    p32 = tf.placeholder(tf.float32, x.shape)
    (gc,) = tf.gradients(tf.reduce_sum(tf.image.adjust_contrast(p32, 1.7) * w), [p32])
    with tf.Session() as s:
        gcv = s.run(gc, {p32: xf})
    wm = w.mean(axis=(1, 2), keepdims=True)                # d/dx of the linear map above
    np.testing.assert_allclose(gcv, 1.7 * (w - wm) + wm, rtol=1e-4, atol=1e-5)


def test_random_brightness_and_contrast_per_run():
    x = np.arange(8, dtype=np.float32).reshape(2, 4, 1) / 8
    yb = tf.image.random_brightness(x, 0.3, seed=2)
    yc = tf.image.random_contrast(x, 0.2, 1.8, seed=3)
    with tf.Session() as s:
        runs = [s.run([yb, yc]) for _ in range(4)]
    deltas = {round(float((b - x).mean()), 6) for b, _ in runs}
    assert len(deltas) > 1 and all(abs(d) <= 0.3 for d in deltas)
    m = x.mean()
    for b, c in runs:
        np.testing.assert_allclose(b - x, (b - x).mean(), atol=1e-6)       # one delta a run
        f = (c - m) / (x - m)
        assert 0.2 <= f.mean() < 1.8
        np.testing.assert_allclose(f, f.mean(), rtol=1e-4)
    with pytest.raises(ValueError, match="max_delta must be non-negative"):
        tf.image.random_brightness(x, -1.0)
    with pytest.raises(ValueError, match="upper must be > lower"):
        tf.image.random_contrast(x, 1.0, 1.0)
    with pytest.raises(ValueError, match="lower must be non-negative"):
        tf.image.random_contrast(x, -1.0, 1.0)


@pytest.mark.parametrize("k", [0, 1, 2, 3, 5, -1])
def test_rot90_and_transpose(k):
    x = RNG.standard_normal((2, 3, 4, 2))
    check(lambda p: tf.image.rot90(p, k), lambda v: np.rot90(v, k, axes=(1, 2)), x)
    if k == 1:
        check(tf.image.transpose_image, lambda v: v.transpose(0, 2, 1, 3), x)
        with pytest.raises(NotImplementedError, match="k must be a Python int"):
            tf.image.rot90(x, tf.constant(1))


def test_adjustment_examples_run():
    import dlcore_static.image_adjust as m
    runner = doctest.DocTestRunner()
    tests = [t for t in doctest.DocTestFinder().find(m) if t.examples]
    assert len(tests) == 6
    for t in tests:
        with tf.Graph().as_default():
            runner.run(t)
    assert runner.failures == 0
