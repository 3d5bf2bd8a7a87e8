"""Cache-blocked variants of the channels-last convolution gradients (issue 19): the filter
gradient one image at a time (``conv_direct.IMAGE_TILE_BYTES``), the strided input gradient's
GEMM + col2im in chunks of images (``conv.COL2IM_CHUNK_BYTES``) and by scatter blocks
(``conv_direct.conv_transpose_scatter``), against PyTorch in float64 (and the per-image filter
gradient against the whole-batch loop on the same float32 data)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from dlcore.kernels.cpu import conv as C
from dlcore.kernels.cpu import conv_direct as D


def _cl(a: np.ndarray) -> np.ndarray:
    """The channels-last (NCHW view of an NHWC buffer) copy of ``a``."""
    return np.ascontiguousarray(a.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)


# (x NCHW, O, kernel, stride, padding)
CASES = [
    ((3, 8, 6, 7), 16, 3, 1, 1),
    ((2, 16, 9, 9), 8, 3, 2, 0),
    ((3, 8, 6, 6), 32, 1, 2, 0),
    ((2, 4, 7, 5), 8, 5, 1, 2),
]


def _data(xs, o, k, s, p):
    rng = np.random.default_rng(7)
    x = rng.standard_normal(xs).astype(np.float32)
    w = rng.standard_normal((o, xs[1], k, k)).astype(np.float32)
    oh = (xs[2] + 2 * p - k) // s + 1
    ow = (xs[3] + 2 * p - k) // s + 1
    g = rng.standard_normal((xs[0], o, oh, ow)).astype(np.float32)
    geo = {"strides": (s, s), "padding": ((p, p), (p, p)), "dilation": (1, 1), "groups": 1}
    return x, w, g, geo


@pytest.mark.parametrize("case", CASES)
def test_filter_grad_per_image(case, monkeypatch):
    xs, o, k, s, p = case
    x, w, g, geo = _data(*case)
    t = torch.nn.grad.conv2d_weight(torch.from_numpy(x).double(), w.shape,
                                    torch.from_numpy(g).double(), stride=s, padding=p).numpy()
    monkeypatch.setattr(D, "IMAGE_TILE_BYTES", 0)
    whole = C.conv_filter_grad(_cl(x), _cl(g), kernel_size=(k, k), **geo)
    monkeypatch.setattr(D, "IMAGE_TILE_BYTES", 1 << 30)
    per_image = C.conv_filter_grad(_cl(x), _cl(g), kernel_size=(k, k), **geo)
    np.testing.assert_allclose(per_image, t, rtol=1e-4, atol=1e-4)
    if xs[1] % D._pick(o, xs[1])[1] == 0:     # taken: the same sums in the same order
        np.testing.assert_array_equal(per_image, whole)


@pytest.mark.parametrize("case", CASES[1:3])
@pytest.mark.parametrize("chunk", [1, 1 << 30])
def test_strided_input_grad_chunks(case, chunk, monkeypatch):
    xs, _, _, s, p = case
    _, w, g, geo = _data(*case)
    t = torch.nn.grad.conv2d_input(xs, torch.from_numpy(w).double(),
                                   torch.from_numpy(g).double(), stride=s, padding=p).numpy()
    monkeypatch.setattr(C, "COL2IM_CHUNK_BYTES", chunk)
    monkeypatch.setattr(D, "ENABLED", False)        # not the scatter blocks (below)
    dx = C.conv_transpose(_cl(g), w, in_size=xs[2:], **geo)
    assert dx.shape == xs
    np.testing.assert_allclose(dx, t, rtol=1e-4, atol=1e-4)


# (x NCHW, O, kernel, stride, padding, dilation): the scatter blocks' geometry
SCATTER = [
    ((2, 8, 7, 7), 16, 3, 2, 1, 1),       # padded: the grid is cropped
    ((2, 16, 8, 10), 8, 3, 2, 0, 1),      # the last input row/column gets nothing
    ((1, 32, 7, 6), 24, 2, 3, 1, 2),      # dilated, stride 3, blocks of 2 x 32
    ((2, 8, 6, 8), 32, 1, 2, 0, 1),       # 1x1
]


@pytest.mark.parametrize("layout", ["nhwc", "nchw"])
@pytest.mark.parametrize("case", SCATTER)
def test_strided_input_grad_scatter(case, layout):
    xs, o, k, s, p, d = case
    if layout == "nchw" and k == 1:
        pytest.skip("C-contiguous 1x1: the GEMM routes (the copies lose)")
    rng = np.random.default_rng(3)
    w = rng.standard_normal((o, xs[1], k, k)).astype(np.float32)
    oh = (xs[2] + 2 * p - d * (k - 1) - 1) // s + 1
    ow = (xs[3] + 2 * p - d * (k - 1) - 1) // s + 1
    g = rng.standard_normal((xs[0], o, oh, ow)).astype(np.float32)
    ga = _cl(g) if layout == "nhwc" else g
    assert D.takes_transpose_scatter(ga, w.dtype, xs[1], ow, 1, k * k)
    t = torch.nn.grad.conv2d_input(xs, torch.from_numpy(w).double(), torch.from_numpy(g).double(),
                                   stride=s, padding=p, dilation=d).numpy()
    dx = C.conv_transpose(ga, w, in_size=xs[2:], strides=(s, s), padding=((p, p), (p, p)),
                          dilation=(d, d), groups=1)
    assert dx.shape == xs
    assert dx.flags.c_contiguous == (layout == "nchw")       # NCHW in, NCHW out
    np.testing.assert_allclose(dx, t, rtol=1e-4, atol=1e-4)
