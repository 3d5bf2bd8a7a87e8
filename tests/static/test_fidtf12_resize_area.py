"""tf.image.resize_area / resize_images(method=AREA) as TF 1.15's ResizeArea (fidtf12): float32
for any input dtype, each output pixel the overlap-weighted mean of the input cells under it,
checked against a per-pixel transcription of resize_area_op.cc's loops and, for whole-number
factors, against torch's area interpolation (adaptive average pooling)."""

import numpy as np
import pytest

import dlcore_static as tf


def ref_area(x, oh, ow, align_corners=False):
    """resize_area_op.cc, pixel by pixel (float32 positions, BoundIfNeeded clamping)."""
    b, h, w, c = x.shape

    def scale(n_in, n_out):
        return np.float32((n_in - 1) / (n_out - 1) if align_corners and n_out > 1 else
                          n_in / n_out)
    hs, ws = scale(h, oh), scale(w, ow)
    out = np.zeros((b, oh, ow, c), np.float32)
    for y in range(oh):
        in_y, in_y1 = np.float32(y) * hs, np.float32(y + 1) * hs
        for xx in range(ow):
            in_x, in_x1 = np.float32(xx) * ws, np.float32(xx + 1) * ws
            acc = np.zeros((b, c), np.float64)
            for i in range(int(np.floor(in_y)), int(np.ceil(in_y1))):
                sy = (hs if i + 1 > in_y1 else i + 1 - in_y) if i < in_y else \
                    (in_y1 - i if i + 1 > in_y1 else 1.0)
                for j in range(int(np.floor(in_x)), int(np.ceil(in_x1))):
                    sx = (ws if j + 1 > in_x1 else j + 1 - in_x) if j < in_x else \
                        (in_x1 - j if j + 1 > in_x1 else 1.0)
                    acc += sy * sx * x[:, min(i, h - 1), min(j, w - 1), :]
            out[:, y, xx, :] = acc / (hs * ws)
    return out


@pytest.mark.parametrize("shape,size,align", [((2, 5, 7, 3), (2, 3), False),
                                              ((1, 5, 7, 2), (10, 3), False),
                                              ((1, 4, 6, 1), (3, 4), True),
                                              ((1, 3, 3, 1), (7, 5), False)])
def test_resize_area_equals_the_kernels_loops(shape, size, align):
    x = np.random.RandomState(0).uniform(-5, 5, shape).astype(np.float32)
    y = tf.image.resize_area(x, size, align_corners=align)
    assert y.dtype == tf.float32 and y.shape.as_list() == [shape[0], *size, shape[3]]
    with tf.Session() as s:
        np.testing.assert_allclose(s.run(y), ref_area(x, *size, align), rtol=1e-5, atol=1e-5)


def test_resize_area_whole_factors_equal_torch_area():
    torch = pytest.importorskip("torch")
    x = np.random.RandomState(1).uniform(0, 255, (2, 6, 8, 3)).astype(np.uint8)
    y = tf.image.resize_images(x, [3, 2], method=tf.image.ResizeMethod.AREA)
    assert y.dtype == tf.float32                  # (uint8 in, float32 out, as ResizeArea)
    want = torch.nn.functional.interpolate(torch.tensor(x, dtype=torch.float64)
                                           .permute(0, 3, 1, 2), size=(3, 2), mode="area")
    with tf.Session() as s:
        np.testing.assert_allclose(s.run(y), want.permute(0, 2, 3, 1).numpy(), rtol=1e-5)


def test_resize_area_of_a_run_time_sized_image_and_same_size_skip():
    p = tf.placeholder(tf.float32, [None, None, None, 1])
    y = tf.image.resize_area(p, [2, 2])
    x = np.arange(30, dtype=np.float32).reshape(1, 5, 6, 1)
    img = np.zeros((4, 4, 1), np.uint8)
    assert tf.image.resize_images(img, [4, 4], method=tf.image.ResizeMethod.AREA).dtype == \
        tf.uint8                                 # (skip_resize_if_same: returned as it is)
    with tf.Session() as s:
        np.testing.assert_allclose(s.run(y, {p: x}), ref_area(x, 2, 2), rtol=1e-6)
