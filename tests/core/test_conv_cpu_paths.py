"""The CPU convolution kernels choose their route by shape (dlcore/kernels/cpu/conv.py): the
unfolding is NumPy's strided copy or the Numba loop, and ``conv_transpose`` at stride 1 is one
unfolding of ``g`` with the flipped filter or a GEMM + col2im.  The op table's small shapes take
one route each; here every route is forced (thresholds set to 0 or out of reach) on the same
problems and checked against PyTorch's convolution and its two gradients, float64."""

from __future__ import annotations

import numpy as np
import pytest

from dlcore.kernels.cpu import conv as C

torch = pytest.importorskip("torch")

# (x shape, w shape, stride, padding (lo, hi) per axis, dilation, groups)
CASES = [
    ((2, 3, 9, 11), (4, 3, 3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1), 1),
    ((2, 4, 8, 12), (3, 4, 3, 2), (1, 1), ((2, 2), (0, 0)), (2, 1), 1),       # O < C, dilated
    ((1, 6, 10, 13), (6, 3, 5, 3), (1, 1), ((2, 2), (1, 1)), (1, 1), 2),      # groups
    ((2, 3, 12, 11), (5, 3, 3, 3), (2, 1), ((1, 1), (1, 1)), (1, 1), 1),      # strided
    ((2, 2, 7, 14), (2, 2, 1, 1), (1, 1), ((0, 0), (0, 0)), (1, 1), 1),       # 1x1
]


@pytest.fixture(params=["numpy", "numba"])
def route(request, monkeypatch):
    if request.param == "numpy":        # every stride-1 unfolding by NumPy, full-conv dx
        monkeypatch.setattr(C, "NUMPY_UNFOLD_MIN_WIDTH", 0)
        monkeypatch.setattr(C, "FULL_CONV_MIN_PIXELS", 0)
    else:                               # the Numba loop and GEMM + col2im everywhere
        monkeypatch.setattr(C, "NUMPY_UNFOLD_MIN_WIDTH", 10 ** 9)
        monkeypatch.setattr(C, "FULL_CONV_MIN_PIXELS", 10 ** 9)
    return request.param


@pytest.mark.parametrize("case", CASES, ids=[str(c[:2]) for c in CASES])
def test_every_route_matches_torch(route, case):
    xs, ws, st, pad, dil, groups = case
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal(xs), rng.standard_normal(ws)
    p = {"strides": st, "padding": pad, "dilation": dil, "groups": groups}
    tx, tw = torch.from_numpy(x), torch.from_numpy(w)
    tpad = tuple(lo for lo, _ in pad)
    want = torch.nn.functional.conv2d(tx, tw, None, st, tpad, dil, groups)
    y = C.conv(x, w, **p)
    np.testing.assert_allclose(y, want.numpy(), rtol=1e-10, atol=1e-10)
    g = rng.standard_normal(y.shape)
    tg = torch.from_numpy(g)
    dx = C.conv_transpose(g, w, in_size=xs[2:], **p)
    want_dx = torch.nn.grad.conv2d_input(xs, tw, tg, st, tpad, dil, groups)
    np.testing.assert_allclose(dx, want_dx.numpy(), rtol=1e-10, atol=1e-10)
    dw = C.conv_filter_grad(x, g, kernel_size=ws[2:], **p)
    want_dw = torch.nn.grad.conv2d_weight(tx, ws, tg, st, tpad, dil, groups)
    np.testing.assert_allclose(dw, want_dw.numpy(), rtol=1e-10, atol=1e-10)


def test_one_d_and_non_contiguous_input(route):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, 12, 4)).transpose(0, 2, 1)          # (N, C, L) view, strided
    w = rng.standard_normal((4, 4, 3))
    p = {"strides": (1,), "padding": ((1, 1),), "dilation": (1,), "groups": 1}
    y = C.conv(x, w, **p)
    want = torch.nn.functional.conv1d(torch.from_numpy(np.ascontiguousarray(x)),
                                      torch.from_numpy(w), None, 1, 1)
    np.testing.assert_allclose(y, want.numpy(), rtol=1e-10, atol=1e-10)
    g = rng.standard_normal(y.shape)
    dx = C.conv_transpose(g, w, in_size=(12,), **p)
    want_dx = torch.nn.grad.conv1d_input(x.shape, torch.from_numpy(w), torch.from_numpy(g), 1, 1)
    np.testing.assert_allclose(dx, want_dx.numpy(), rtol=1e-10, atol=1e-10)
