"""The 2x2, stride-2 max pool's indices (``max_pool_argmax``'s branch-free 2x2 loop, which
computes a row's indices in int32 before widening them into the int64 output): the first
maximum in window order, the first NaN winning, against a NumPy reference (ties from a ReLU's
zeros, NaN, +-inf, odd sizes, a strided view, float64), and ``F.max_pool2d``'s gradient
(the scatter at those indices) against torch."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dt
from dlcore.kernels.cpu import conv as C


def _ref_argmax(x, oh, ow):
    n, c, w = x.shape[0], x.shape[1], x.shape[3]
    win = x[:, :, :2 * oh, :2 * ow].reshape(n, c, oh, 2, ow, 2).transpose(0, 1, 2, 4, 3, 5)
    k = np.argmax(win.reshape(n, c, oh, ow, 4), -1)     # (first NaN, else first maximum)
    rows = 2 * np.arange(oh)[:, None] + k // 2
    cols = 2 * np.arange(ow)[None, :] + k % 2
    return rows * w + cols


def _kw(oh, ow):
    return {"kernel_size": (2, 2), "strides": (2, 2), "padding": ((0, 0), (0, 0)),
            "dilation": (1, 1), "out_size": (oh, ow)}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("hw", [(8, 10), (9, 7)])
def test_2x2_argmax_is_the_first_maximum(dtype, hw):
    rng = np.random.default_rng(0)
    x = np.maximum(rng.standard_normal((3, 4) + hw), 0).astype(dtype)   # many tied zeros
    x[0, 0, 0, :2] = np.nan                          # a NaN second in its window
    x[0, 0, 1, 1] = np.nan
    x[1, 1, :2, :2] = np.inf
    x[1, 2, :2, :2] = -np.inf
    x[2, 3, 2:4, 2:4] = 1.5                           # a full tie: the first tap
    oh, ow = hw[0] // 2, hw[1] // 2
    got = C.max_pool_argmax(x, **_kw(oh, ow))
    assert got.dtype == np.int64 and got.shape == (3, 4, oh, ow)
    np.testing.assert_array_equal(got, _ref_argmax(x, oh, ow))
    view = x[:, ::2]                                  # a strided (non-contiguous) input
    np.testing.assert_array_equal(C.max_pool_argmax(view, **_kw(oh, ow)),
                                  _ref_argmax(view, oh, ow))


def test_max_pool2d_gradient_at_ties_equals_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    xs = rng.standard_normal((2, 3, 6, 6)).astype(np.float32)
    gs = rng.standard_normal((2, 3, 3, 3)).astype(np.float32)
    out = []
    for lib in (dt, torch):
        x = lib.tensor(xs, requires_grad=True)
        y = lib.nn.functional.max_pool2d(lib.relu(x), 2)   # ReLU's zeros tie in windows
        y.backward(lib.tensor(gs))
        out.append((y.detach().numpy(), x.grad.numpy()))
    np.testing.assert_array_equal(out[0][0], out[1][0])
    np.testing.assert_array_equal(out[0][1], out[1][1])
