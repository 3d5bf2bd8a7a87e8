"""The depthwise and pointwise routes of the CPU convolution (dlcore/kernels/cpu/
conv_depthwise.py, _jit_conv_depthwise.py, conv_gemm.py's ``pointwise``): forward, input
gradient and filter gradient against PyTorch's, 3x3 (the nine-tap pass) and other kernels,
strides, dilations, asymmetric padding, channel multipliers, float64, the serial and the
``prange`` loops, and which shapes take each route."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore.kernels.cpu as K
from dlcore.kernels.cpu import conv as C
from dlcore.kernels.cpu import conv_depthwise as D
from dlcore.kernels.cpu import conv_gemm as CG

torch = pytest.importorskip("torch")
F = torch.nn.functional

# (x shape, multiplier, kernel, stride, padding (lo, hi) per axis, dilation)
CASES = [
    ((2, 3, 7, 9), 1, (3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1)),
    ((2, 4, 8, 8), 2, (3, 3), (2, 2), ((1, 1), (1, 1)), (1, 1)),
    ((1, 5, 9, 11), 1, (3, 5), (1, 2), ((2, 2), (0, 0)), (2, 1)),
    ((2, 6, 5, 5), 3, (5, 5), (1, 1), ((2, 2), (2, 2)), (1, 1)),
    ((3, 8, 4, 4), 1, (3, 3), (1, 1), ((0, 1), (1, 0)), (1, 1)),     # TF's SAME, uneven
    ((2, 16, 6, 7), 1, (3, 3), (2, 1), ((1, 1), (1, 1)), (1, 2)),
    ((2, 4, 3, 3), 1, (3, 3), (1, 1), ((0, 0), (0, 0)), (1, 1)),     # one output pixel
]


def _ref(x, w, g, case):
    xs, m, k, st, pad, dil = case
    c = xs[1]
    # (PyTorch pads symmetrically: an uneven pair is the input padded by hand first)
    xp = np.pad(x, ((0, 0), (0, 0), pad[0], pad[1]))
    tx = torch.from_numpy(xp).requires_grad_(True)
    tw = torch.from_numpy(w).requires_grad_(True)
    ty = F.conv2d(tx, tw, None, st, 0, dil, c)
    ty.backward(torch.from_numpy(g))
    dx = tx.grad.numpy()[:, :, pad[0][0]:pad[0][0] + xs[2], pad[1][0]:pad[1][0] + xs[3]]
    return ty.detach().numpy(), dx, tw.grad.numpy()


@pytest.fixture(params=["serial", "parallel"])
def loops(request, monkeypatch):
    monkeypatch.setattr(K, "PARALLEL_MIN_WORK", 0 if request.param == "parallel" else 10 ** 12)
    return request.param


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", CASES, ids=str)
def test_depthwise_matches_torch(case, dtype, loops, monkeypatch):
    calls: list = []
    for name in ("conv_depthwise", "conv_transpose_depthwise", "filter_grad_depthwise"):
        real = getattr(CG, name)
        monkeypatch.setattr(CG, name, lambda *a, _r=real, _n=name: calls.append(_n) or _r(*a))
    xs, m, k, st, pad, dil = case
    rng = np.random.default_rng(9)
    x = rng.standard_normal(xs).astype(dtype)
    w = rng.standard_normal((xs[1] * m, 1) + k).astype(dtype)
    p = {"strides": st, "padding": pad, "dilation": dil, "groups": xs[1]}
    y = C.conv(x, w, **p)
    g = rng.standard_normal(y.shape).astype(dtype)
    ry, rdx, rdw = _ref(x, w, g, case)
    tol = {"rtol": 1e-4, "atol": 1e-4} if dtype == np.float32 else {"rtol": 1e-10,
                                                                     "atol": 1e-10}
    np.testing.assert_allclose(y, ry, **tol)
    np.testing.assert_allclose(C.conv_transpose(g, w, in_size=xs[2:], **p), rdx, **tol)
    np.testing.assert_allclose(C.conv_filter_grad(x, g, kernel_size=k, **p), rdw,
                               rtol=tol["rtol"] * 10, atol=tol["atol"] * 10)
    assert calls == ["conv_depthwise", "conv_transpose_depthwise", "filter_grad_depthwise"]


def test_a_channels_last_input_and_a_1d_signal():
    rng = np.random.default_rng(10)
    x = rng.standard_normal((2, 8, 6, 6)).astype(np.float32)
    xl = np.ascontiguousarray(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
    w = rng.standard_normal((8, 1, 3, 3)).astype(np.float32)
    p = {"strides": (1, 1), "padding": ((1, 1), (1, 1)), "dilation": (1, 1), "groups": 8}
    np.testing.assert_allclose(C.conv(xl, w, **p), F.conv2d(torch.from_numpy(x),
                               torch.from_numpy(w), None, 1, 1, 1, 8).numpy(), rtol=1e-5,
                               atol=1e-5)
    s = rng.standard_normal((2, 4, 15)).astype(np.float32)
    w1 = rng.standard_normal((8, 1, 3)).astype(np.float32)
    y = C.conv(s, w1, strides=(2,), padding=((1, 1),), dilation=(1,), groups=4)
    np.testing.assert_allclose(y, F.conv1d(torch.from_numpy(s), torch.from_numpy(w1), None, 2,
                                           1, 1, 4).numpy(), rtol=1e-5, atol=1e-5)


def test_which_convolutions_are_depthwise():
    g = ((1, 1, 1, 1, 1, 1, 1, 1))
    x = np.zeros((2, 8, 5, 5), np.float32)
    w = np.zeros((8, 1, 3, 3), np.float32)
    assert D.takes_depthwise(8, 1, 8, g, x, w)
    assert D.takes_depthwise(8, 1, 16, g, x, np.zeros((16, 1, 3, 3), np.float32))
    assert not D.takes_depthwise(4, 2, 8, g, x, np.zeros((8, 2, 3, 3), np.float32))  # 2 a group
    assert not D.takes_depthwise(1, 1, 8, g, x[:, :1], w[:, :1])                  # one group
    assert not D.takes_depthwise(8, 1, 8, g, x.astype(np.int32), w.astype(np.int32))
    assert not D.takes_depthwise(8, 1, 8, g, x, w.astype(np.float64))


@pytest.mark.parametrize("xs,o", [((3, 5, 9, 10), 7), ((4, 8, 3, 5), 6), ((2, 6, 1, 1), 3)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pointwise_matches_torch(xs, o, dtype, monkeypatch):
    """1x1, stride 1, no padding: GEMMs per image (or, on planes under
    ``POINTWISE_FOLD_PIXELS``, one over the batch) without the unfolding routes."""
    calls: list = []
    real = CG.matmul
    monkeypatch.setattr(CG, "matmul", lambda a, b: calls.append(1) or real(a, b))
    rng = np.random.default_rng(11)
    x = rng.standard_normal(xs).astype(dtype)
    w = rng.standard_normal((o, xs[1], 1, 1)).astype(dtype)
    tx, tw = torch.from_numpy(x).requires_grad_(True), torch.from_numpy(w).requires_grad_(True)
    ty = F.conv2d(tx, tw)
    g = rng.standard_normal(tuple(ty.shape)).astype(dtype)
    ty.backward(torch.from_numpy(g))
    p = {"strides": (1, 1), "padding": ((0, 0), (0, 0)), "dilation": (1, 1), "groups": 1}
    tol = {"rtol": 1e-5, "atol": 1e-5} if dtype == np.float32 else {"rtol": 1e-12}
    assert CG.pointwise((1, 1), C._geom((1, 1), ((0, 0), (0, 0)), (1, 1)), 1, x, w)
    np.testing.assert_allclose(C.conv(x, w, **p), ty.detach().numpy(), **tol)
    np.testing.assert_allclose(C.conv_transpose(g, w, in_size=xs[2:], **p), tx.grad.numpy(),
                               **tol)
    np.testing.assert_allclose(C.conv_filter_grad(x, g, kernel_size=(1, 1), **p),
                               tw.grad.numpy(), **tol)
    # (small planes: one GEMM over the batch each; a 1x1 plane is a dense layer's GEMMs)
    assert len(calls) == (3 if xs[2] * xs[3] < CG.POINTWISE_FOLD_PIXELS else 0)


def test_which_convolutions_are_pointwise():
    geom = C._geom((1, 1), ((0, 0), (0, 0)), (1, 1))
    x = np.zeros((2, 4, 5, 5), np.float32)
    w = np.zeros((3, 4, 1, 1), np.float32)
    assert CG.pointwise((1, 1), geom, 1, x, w)
    assert not CG.pointwise((1, 1), C._geom((2, 2), ((0, 0), (0, 0)), (1, 1)), 1, x, w)
    assert not CG.pointwise((1, 1), C._geom((1, 1), ((1, 1), (1, 1)), (1, 1)), 1, x, w)
    assert not CG.pointwise((3, 3), geom, 1, x, w)
    assert not CG.pointwise((1, 1), geom, 2, x, w)
    xl = np.ascontiguousarray(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
    assert CG.pointwise((1, 1), geom, 1, xl, w)              # channels-last: rows of pixels
    assert not CG.pointwise((1, 1), geom, 1, x[:, :, ::2], w)   # any other strides


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_channels_last_pointwise_and_depthwise_stay_channels_last(dtype):
    """The TF front end's NHWC operands: values as PyTorch's, results channels-last (no
    layout flip between layers), one GEMM over the rows of pixels for the 1x1 layer."""
    rng = np.random.default_rng(12)
    x = rng.standard_normal((3, 8, 6, 5)).astype(dtype)
    w1 = rng.standard_normal((4, 8, 1, 1)).astype(dtype)
    wd = rng.standard_normal((8, 1, 3, 3)).astype(dtype)
    last = lambda a: np.ascontiguousarray(a.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
    tol = {"rtol": 1e-5, "atol": 1e-5} if dtype == np.float32 else {"rtol": 1e-11}
    for w, groups, pad in ((w1, 1, 0), (wd, 8, 1)):
        tx, tw = torch.from_numpy(x).requires_grad_(True), torch.from_numpy(w).requires_grad_(True)
        ty = F.conv2d(tx, tw, None, 1, pad, 1, groups)
        g = rng.standard_normal(tuple(ty.shape)).astype(dtype)
        ty.backward(torch.from_numpy(g))
        p = {"strides": (1, 1), "padding": ((pad, pad),) * 2, "dilation": (1, 1),
             "groups": groups}
        y = C.conv(last(x), w, **p)
        dx = C.conv_transpose(last(g), w, in_size=(6, 5), **p)
        dw = C.conv_filter_grad(last(x), last(g), kernel_size=w.shape[2:], **p)
        np.testing.assert_allclose(y, ty.detach().numpy(), **tol)
        np.testing.assert_allclose(dx, tx.grad.numpy(), **tol)
        np.testing.assert_allclose(dw, tw.grad.numpy(), **tol)
        for a in (y, dx):
            assert a.transpose(0, 2, 3, 1).flags.c_contiguous
