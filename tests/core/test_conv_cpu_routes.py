"""Issue 19's routes of the CPU convolution and pooling kernels (dlcore/kernels/cpu/conv.py,
conv_rows.py), each forced on the same small problems and checked against PyTorch in float64:
the shifted-row GEMMs (forward, and the input gradient as a full convolution) against the
im2col GEMM, the batch-folded unfolding of the filter gradient (NumPy copy and Numba loop), and
the serial against the ``prange`` loop of every Numba kernel (unfolding, col2im, pooling, in
2-D and 3-D)."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore.kernels.cpu as K
from dlcore.kernels.cpu import conv as C
from dlcore.kernels.cpu import conv_gemm as CG
from dlcore.kernels.cpu import conv_grid as G
from dlcore.kernels.cpu import conv_rows as R

torch = pytest.importorskip("torch")
F = torch.nn.functional

# (x shape, w shape, stride, padding (lo, hi) per axis, dilation, groups)
CASES = [
    ((2, 3, 11, 12), (8, 3, 3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1), 1),
    ((2, 4, 12, 13), (9, 4, 3, 2), (1, 2), ((2, 2), (0, 0)), (2, 1), 1),      # dilated, strided w
    ((1, 5, 14, 10), (8, 5, 5, 3), (1, 1), ((0, 0), (1, 1)), (1, 2), 1),      # unpadded rows
    ((2, 8, 10, 11), (8, 8, 1, 1), (1, 1), ((0, 0), (0, 0)), (1, 1), 1),      # 1x1
    ((2, 3, 12, 11), (8, 3, 3, 3), (2, 1), ((1, 1), (1, 1)), (1, 1), 1),      # strided rows
    ((1, 6, 10, 13), (8, 3, 5, 3), (1, 1), ((2, 2), (1, 1)), (1, 1), 2),      # groups
]


def _torch_ref(x, w, g, case):
    xs, ws, st, pad, dil, groups = case
    tx, tw, tg = (torch.from_numpy(a) for a in (x, w, g))
    tpad = tuple(lo for lo, _ in pad)
    return (F.conv2d(tx, tw, None, st, tpad, dil, groups).numpy(),
            torch.nn.grad.conv2d_input(xs, tw, tg, st, tpad, dil, groups).numpy(),
            torch.nn.grad.conv2d_weight(tx, ws, tg, st, tpad, dil, groups).numpy())


def _force_rows(monkeypatch, on: bool) -> None:
    if on:                              # every stride-1, one-group shape by shifted rows
        monkeypatch.setattr(R, "ROWS_MIN_OUT_CHANNELS", 0)
        monkeypatch.setattr(R, "ROWS_MIN_DEPTH", 0)
        monkeypatch.setattr(R, "ROWS_MIN_HEIGHT", 0)
        monkeypatch.setattr(R, "ROWS_MAX_WASTE", float("inf"))
    else:
        monkeypatch.setattr(R, "ROWS_MIN_OUT_CHANNELS", 10 ** 9)


@pytest.fixture(params=["rows", "im2col"])
def rows(request, monkeypatch):
    _force_rows(monkeypatch, request.param == "rows")
    return request.param


@pytest.fixture(params=["serial", "parallel"])
def loops(request, monkeypatch):
    monkeypatch.setattr(K, "PARALLEL_MIN_WORK", 0 if request.param == "parallel" else 10 ** 12)
    return request.param


#: (forward route, unfolding, Numba loops): each route, unfolding and loop at least twice
ROUTES = [("rows", "numpy", "serial"), ("rows", "numba", "parallel"),
          ("im2col", "numba", "serial"), ("im2col", "numpy", "parallel")]


@pytest.mark.parametrize("route", ROUTES, ids="-".join)
@pytest.mark.parametrize("case", CASES, ids=[str(c[:2]) for c in CASES])
def test_routes_match_torch(route, case, monkeypatch):
    fwd, unfold, loops = route
    _force_rows(monkeypatch, fwd == "rows")
    monkeypatch.setattr(G, "NCHW_TOO", False)       # the padded grid: test_conv_grid.py
    monkeypatch.setattr(C, "NUMPY_UNFOLD_MIN_WIDTH", 0 if unfold == "numpy" else 10 ** 9)
    # dx by rows where the full convolution is taken (rows route) or GEMM + col2im (im2col);
    # the batch-folded filter gradient with the rows route, the per-image one with im2col
    monkeypatch.setattr(C, "FULL_CONV_MIN_PIXELS", 0 if fwd == "rows" else 10 ** 9)
    monkeypatch.setattr(C, "FOLDED_FILTER_GRAD_MIN_PIXELS", 0 if fwd == "rows" else 10 ** 9)
    monkeypatch.setattr(C, "FOLDED_FILTER_GRAD_TINY_PIXELS", 10 ** 9 if fwd == "rows" else 0)
    monkeypatch.setattr(K, "PARALLEL_MIN_WORK", 0 if loops == "parallel" else 10 ** 12)
    xs, ws, st, pad, dil, groups = case
    rng = np.random.default_rng(3)
    x, w = rng.standard_normal(xs), rng.standard_normal(ws)
    p = {"strides": st, "padding": pad, "dilation": dil, "groups": groups}
    y = C.conv(x, w, **p)
    g = rng.standard_normal(y.shape)
    want_y, want_dx, want_dw = _torch_ref(x, w, g, case)
    np.testing.assert_allclose(y, want_y, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(C.conv_transpose(g, w, in_size=xs[2:], **p), want_dx,
                               rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(C.conv_filter_grad(x, g, kernel_size=ws[2:], **p), want_dw,
                               rtol=1e-10, atol=1e-10)


def test_rows_on_1d_non_contiguous_float32(rows, monkeypatch):
    # (the direct blocks, which a 1-D convolution reaches as its (N, C, 1, L) view, off: the
    # rows or the unfolding GEMMs, as the fixture asks; and the route seen taken)
    from dlcore.kernels.cpu import conv_direct as D
    monkeypatch.setattr(D, "ENABLED", False)
    taken = []
    monkeypatch.setattr(C, "conv_rows", lambda *a: taken.append(1) or R.conv_rows(*a))
    rng = np.random.default_rng(4)
    x = rng.standard_normal((3, 20, 9)).astype(np.float32).transpose(0, 2, 1)   # (N, C, L) view
    w = rng.standard_normal((8, 9, 3)).astype(np.float32)
    p = {"strides": (1,), "padding": ((2, 1),), "dilation": (2,), "groups": 1}
    monkeypatch.setattr(C, "takes_grid", lambda *a: False)       # (channels-last x: the
    monkeypatch.setattr(C, "takes_folded", lambda *a: False)     # NHWC routes come first)
    y = C.conv(x, w, **p)
    assert bool(taken) == (rows == "rows")
    tx = F.pad(torch.from_numpy(np.ascontiguousarray(x)), (2, 1))
    want = F.conv1d(tx, torch.from_numpy(w), None, 1, 0, 2)
    assert y.dtype == np.float32 and y.shape == tuple(want.shape)
    np.testing.assert_allclose(y, want.numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("layout", ["nchw", "channels_last", "few_channels_last"])
def test_the_2x2_pool_kernels_match_torch(loops, layout):
    """The 2x2 stride-2 pool's four kernels (``_jit_conv.max_pool_2x2_{,nhwc_}{vals,idx}``,
    serial and ``prange``): values and first-maximum indices as PyTorch's, a NaN winning its
    window, NCHW and channels-last operands (below ``FEW_CHANNELS`` channels the indices of a
    channels-last operand come from an NCHW copy); each call runs its own kernel."""
    c = 3 if layout == "few_channels_last" else 16
    x = np.random.default_rng(6).standard_normal((3, c, 10, 12)).astype(np.float32)
    x[0, 0, 0, 1] = x[1, 2, 5, 4] = np.nan
    xx = x if layout == "nchw" else np.ascontiguousarray(x.transpose(0, 2, 3, 1)).transpose(
        0, 3, 1, 2)
    p = {"kernel_size": (2, 2), "strides": (2, 2), "padding": ((0, 0), (0, 0)),
         "dilation": (1, 1), "out_size": (5, 6)}
    want, idx = F.max_pool2d(torch.from_numpy(x), 2, 2, return_indices=True)
    y, i = C.max_pool(xx, **p), C.max_pool_argmax(xx, **p)
    np.testing.assert_array_equal(y, want.numpy())
    np.testing.assert_array_equal(i, idx.numpy())
    assert C._channels_last(y) == (layout != "nchw")           # (the operand's layout kept)
    J = C._jit()
    lay = "_nhwc" if layout == "channels_last" else ""
    suffix = "_par" if loops == "parallel" else ""
    vals = "max_pool_2x2" + ("" if layout == "nchw" else "_nhwc") + "_vals" + suffix
    assert getattr(J, vals).signatures
    assert getattr(J, f"max_pool_2x2{lay}_idx{suffix}").signatures


@pytest.mark.parametrize("shape, kernel, stride, pad", [
    ((2, 3, 9, 10), (3, 2), (2, 1), (1, 1)),
    ((1, 2, 7, 7), (2, 2), (2, 2), (0, 0)),
])
def test_pooling_serial_and_parallel_match_torch(loops, shape, kernel, stride, pad):
    rng = np.random.default_rng(5)
    x = rng.standard_normal(shape)
    tx = torch.from_numpy(x)
    padding = tuple((q, q) for q in pad)
    out_size = tuple(F.max_pool2d(tx, kernel, stride, pad).shape[2:])
    prm = {"kernel_size": kernel, "strides": stride, "padding": padding}
    y = C.max_pool(x, dilation=(1, 1), out_size=out_size, **prm)
    want, idx = F.max_pool2d(tx, kernel, stride, pad, return_indices=True)
    np.testing.assert_array_equal(y, want.numpy())
    i = C.max_pool_argmax(x, dilation=(1, 1), out_size=out_size, **prm)
    np.testing.assert_array_equal(i, idx.numpy())
    np.testing.assert_array_equal(C.plane_gather(x, i), want.numpy())
    g = rng.standard_normal(y.shape)
    back = torch.zeros_like(tx).flatten(2).scatter_add_(2, idx.flatten(2),
                                                        torch.from_numpy(g).flatten(2))
    np.testing.assert_allclose(C.plane_scatter(g, i, out_size=shape[2:]),
                               back.reshape(shape).numpy(), rtol=1e-12)
    a = C.avg_pool(x, out_size=out_size, count_include_pad=False, **prm)
    np.testing.assert_allclose(a, F.avg_pool2d(tx, kernel, stride, pad,
                                               count_include_pad=False).numpy(), rtol=1e-12)
    ta = tx.clone().requires_grad_(True)
    F.avg_pool2d(ta, kernel, stride, pad, count_include_pad=True).backward(torch.from_numpy(g))
    da = C.avg_pool_grad(g, in_size=shape[2:], count_include_pad=True, **prm)
    np.testing.assert_allclose(da, ta.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("xs, ws, pad, expect", [
    ((64, 1, 28, 28), (6, 1, 5, 5), 2, False),      # LeNet conv1: 6 output channels
    ((64, 6, 14, 14), (16, 6, 5, 5), 0, True),      # LeNet conv2: 14 grid rows for 10
    ((32, 16, 32, 32), (16, 16, 3, 3), 1, True),
    ((32, 64, 8, 8), (64, 64, 3, 3), 1, False),     # 8x8 planes: 10 grid rows for 8
    ((32, 64, 8, 8), (32, 64, 1, 1), 0, True),      # 1x1: no grid rows dropped
])
def test_which_shapes_take_the_rows_route(xs, ws, pad, expect):
    geom = C._geom((1, 1), ((pad, pad), (pad, pad)), (1, 1))
    oh = C._out_size(xs[2:], ws[2:], geom)[0]
    assert R.takes_rows(xs[1], ws[0], ws[2], ws[3], xs[2], oh, geom, 1) is expect
    assert not R.takes_rows(xs[1], ws[0], ws[2], ws[3], xs[2], oh, (2,) + geom[1:], 1)
    assert not R.takes_rows(xs[1], ws[0], ws[2], ws[3], xs[2], oh, geom, 2)


def test_3d_loops_serial_and_parallel_match_torch(loops):
    rng = np.random.default_rng(6)
    x, w = rng.standard_normal((2, 3, 5, 6, 7)), rng.standard_normal((4, 3, 2, 3, 2))
    p = {"strides": (2, 1, 1), "padding": ((1, 1), (0, 0), (1, 1)), "dilation": (1, 1, 1),
         "groups": 1}
    tx, tw = torch.from_numpy(x), torch.from_numpy(w)
    y = C.conv(x, w, **p)
    np.testing.assert_allclose(y, F.conv3d(tx, tw, None, (2, 1, 1), (1, 0, 1)).numpy(),
                               rtol=1e-10, atol=1e-10)
    g = rng.standard_normal(y.shape)
    want = torch.nn.grad.conv3d_input(x.shape, tw, torch.from_numpy(g), (2, 1, 1), (1, 0, 1))
    np.testing.assert_allclose(C.conv_transpose(g, w, in_size=x.shape[2:], **p), want.numpy(),
                               rtol=1e-10, atol=1e-10)
    k, s, pad = (2, 3, 2), (2, 2, 1), (1, 1, 0)
    prm = {"kernel_size": k, "strides": s, "padding": tuple((q, q) for q in pad)}
    want, idx = F.max_pool3d(tx, k, s, pad, return_indices=True)
    out_size = tuple(want.shape[2:])
    np.testing.assert_array_equal(C.max_pool(x, dilation=(1,) * 3, out_size=out_size, **prm),
                                  want.numpy())
    np.testing.assert_array_equal(
        C.max_pool_argmax(x, dilation=(1,) * 3, out_size=out_size, **prm), idx.numpy())
    a = C.avg_pool(x, out_size=out_size, count_include_pad=True, **prm)
    np.testing.assert_allclose(a, F.avg_pool3d(tx, k, s, pad).numpy(), rtol=1e-12)
    ta = tx.clone().requires_grad_(True)
    ga = rng.standard_normal(a.shape)
    F.avg_pool3d(ta, k, s, pad, count_include_pad=False).backward(torch.from_numpy(ga))
    np.testing.assert_allclose(
        C.avg_pool_grad(ga, in_size=x.shape[2:], count_include_pad=False, **prm),
        ta.grad.numpy(), rtol=1e-12)


def test_the_threshold_of_work_picks_the_serial_or_the_parallel_loop():
    j = C._jit()
    assert C._k("avg_pool", K.PARALLEL_MIN_WORK - 1) is j.avg_pool
    assert C._k("avg_pool", K.PARALLEL_MIN_WORK) is j.avg_pool_par
    assert C._k("im2col", 10) is j.im2col


@pytest.mark.parametrize("hw,cin,cout", [(1, 100, 128), (2, 24, 40), (1, 16, 3)])
def test_conv_transpose_of_a_tiny_plane_takes_the_gemm_route(hw, cin, cout, monkeypatch):
    """A ConvTranspose2d that grows a tiny plane (a DCGAN generator's first layer, 1x1 noise
    to 4x4): its forward (the input gradient of a stride-1 convolution) skips the direct full
    convolution, whose taps would be mostly padding, and its weight gradient takes the
    batch-folded GEMM (one outer product per image summed was 12-17 ms); both PyTorch's
    values, float32."""
    from dlcore.kernels.cpu import conv_direct as D
    direct_calls: list = []
    monkeypatch.setattr(C, "conv_transpose_direct",
                        lambda *a: direct_calls.append(1) or D.conv_transpose_direct(*a))
    rng = np.random.default_rng(5)
    x = rng.standard_normal((8, cin, hw, hw)).astype(np.float32)
    w = rng.standard_normal((cin, cout, 4, 4)).astype(np.float32) * 0.1
    tx, tw = torch.from_numpy(x).requires_grad_(True), torch.from_numpy(w).requires_grad_(True)
    ty = F.conv_transpose2d(tx, tw)
    g = rng.standard_normal(tuple(ty.shape)).astype(np.float32)
    ty.backward(torch.from_numpy(g))
    # (conv_transpose takes the geometry of the convolution it is the input gradient of)
    p = {"strides": (1, 1), "padding": ((0, 0), (0, 0)), "dilation": (1, 1), "groups": 1}
    y = C.conv_transpose(x, w, in_size=tuple(ty.shape[2:]), **p)
    np.testing.assert_allclose(y, ty.detach().numpy(), rtol=1e-4, atol=1e-4)
    assert not direct_calls                     # (the padded full convolution not taken)
    dw = C.conv_filter_grad(g, x, kernel_size=(4, 4), **p)
    np.testing.assert_allclose(dw, tw.grad.numpy(), rtol=1e-4, atol=1e-3)
    dx = C.conv(g, w, **p)
    np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=1e-4, atol=1e-3)


@pytest.mark.parametrize("xs,ws,stride,dtype,last", [
    ((6, 16, 4, 4), (1, 16, 4, 4), (1, 1), np.float32, False),    # DCGAN discriminator's last
    ((5, 8, 3, 5), (7, 8, 3, 5), (2, 3), np.float64, False),      # strides: one output anyway
    ((4, 8, 4, 4), (3, 8, 4, 4), (1, 1), np.float32, True),       # channels-last input
    ((3, 6, 1, 9), (5, 6, 1, 9), (1, 1), np.float32, False),      # a 1-D one, height 1
])
def test_a_kernel_covering_the_input_is_a_dense_layer(xs, ws, stride, dtype, last, monkeypatch):
    """A kernel that covers the unpadded input (one output pixel): forward, input gradient
    and filter gradient each one GEMM (``conv_gemm.whole_plane``), PyTorch's values."""
    calls: list = []
    real = CG.matmul
    monkeypatch.setattr(CG, "matmul", lambda a, b: calls.append(1) or real(a, b))
    rng = np.random.default_rng(6)
    x = rng.standard_normal(xs).astype(dtype)
    if last:
        x = np.ascontiguousarray(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
    w = rng.standard_normal(ws).astype(dtype)
    tx, tw = torch.from_numpy(np.ascontiguousarray(x)), torch.from_numpy(w)
    ty = F.conv2d(tx, tw, None, stride)
    g = rng.standard_normal(tuple(ty.shape)).astype(dtype)
    tg = torch.from_numpy(g)
    p = {"strides": stride, "padding": ((0, 0), (0, 0)), "dilation": (1, 1), "groups": 1}
    tol = {"rtol": 1e-5, "atol": 1e-5} if dtype == np.float32 else {"rtol": 1e-12}
    np.testing.assert_allclose(C.conv(x, w, **p), ty.numpy(), **tol)
    np.testing.assert_allclose(C.conv_transpose(g, w, in_size=xs[2:], **p),
                               torch.nn.grad.conv2d_input(xs, tw, tg, stride).numpy(), **tol)
    np.testing.assert_allclose(C.conv_filter_grad(x, g, kernel_size=ws[2:], **p),
                               torch.nn.grad.conv2d_weight(tx, ws, tg, stride).numpy(), **tol)
    assert len(calls) == 3
    if xs[2] == 1:          # the 1-D form of the same layer (the kernels' 3-D buffers)
        y1 = C.conv(x[:, :, 0], w[:, :, 0], **{**p, "strides": (stride[1],),
                                               "padding": ((0, 0),), "dilation": (1,)})
        np.testing.assert_allclose(y1, ty.numpy()[:, :, 0], **tol)
        assert len(calls) == 4


def test_a_padded_or_grouped_whole_plane_kernel_keeps_the_convolution_routes(monkeypatch):
    calls: list = []
    monkeypatch.setattr(CG, "matmul", lambda a, b: calls.append(1))
    rng = np.random.default_rng(7)
    x = rng.standard_normal((2, 4, 3, 3)).astype(np.float32)
    w = rng.standard_normal((4, 2, 3, 3)).astype(np.float32)
    tx, tw = torch.from_numpy(x), torch.from_numpy(w)
    y = C.conv(x, w, strides=(1, 1), padding=((1, 1), (1, 1)), dilation=(1, 1), groups=1 * 2)
    np.testing.assert_allclose(y, F.conv2d(tx, tw, None, 1, 1, 1, 2).numpy(), rtol=1e-5,
                               atol=1e-5)
    w1 = rng.standard_normal((4, 4, 3, 3)).astype(np.float32)
    y = C.conv(x, w1, strides=(1, 1), padding=((1, 1), (1, 1)), dilation=(1, 1), groups=1)
    np.testing.assert_allclose(y, F.conv2d(tx, torch.from_numpy(w1), None, 1, 1).numpy(),
                               rtol=1e-5, atol=1e-5)
    assert not calls
    xi = rng.integers(-3, 3, (2, 4, 3, 3)).astype(np.int64)      # integers: not a dense layer
    wi = rng.integers(-3, 3, (2, 4, 3, 3)).astype(np.int64)
    np.testing.assert_array_equal(
        C.conv(xi, wi, strides=(1, 1), padding=((0, 0), (0, 0)), dilation=(1, 1), groups=1),
        np.einsum("nchw,ochw->no", xi, wi)[:, :, None, None])
    assert not calls


@pytest.mark.parametrize("xs,ws,stride,pad", [((3, 16, 4, 4), (24, 16, 3, 3), (1, 1), 1),
                                              ((2, 8, 7, 5), (16, 8, 3, 2), (2, 1), 1),
                                              ((2, 8, 2, 2), (8, 8, 3, 3), (1, 1), 1)])
def test_a_big_filter_takes_the_folded_gemms(xs, ws, stride, pad, monkeypatch):
    """``conv_gemm.big_filter`` (its size floor lowered to these small filters): the forward
    and the input gradient by one GEMM over the batch's folded columns, PyTorch's values; the
    filter gradient keeps its own route."""
    monkeypatch.setattr(CG, "BIG_FILTER_BYTES", 0)
    calls: list = []
    real = CG.matmul
    monkeypatch.setattr(CG, "matmul", lambda a, b: calls.append(1) or real(a, b))
    rng = np.random.default_rng(8)
    x = rng.standard_normal(xs).astype(np.float32)
    w = rng.standard_normal(ws).astype(np.float32)
    tx, tw = torch.from_numpy(x), torch.from_numpy(w)
    ty = F.conv2d(tx, tw, None, stride, pad)
    g = rng.standard_normal(tuple(ty.shape)).astype(np.float32)
    p = {"strides": stride, "padding": ((pad, pad), (pad, pad)), "dilation": (1, 1), "groups": 1}
    np.testing.assert_allclose(C.conv(x, w, **p), ty.numpy(), rtol=1e-4, atol=1e-4)
    dx = C.conv_transpose(g, w, in_size=xs[2:], **p)
    np.testing.assert_allclose(dx, torch.nn.grad.conv2d_input(xs, tw, torch.from_numpy(g),
                                                              stride, pad).numpy(),
                               rtol=1e-4, atol=1e-4)
    assert len(calls) == 2
    C.conv_filter_grad(x, g, kernel_size=ws[2:], **p)
    assert len(calls) == 2


def test_resnet_layer4_input_gradient_takes_the_folded_gemm(monkeypatch):
    """ResNet-18's layer 4 (512 -> 512 channels 3x3, a 9.4 MB filter, batch 8, 4x4 planes):
    the input gradient's folded columns are (N, C k k, OH OW), 1.2 MB, so it takes the
    batch-folded GEMM (a refactor once counted them times O, 604 MB, over the columns' cap:
    the direct blocks took it instead, 4-5x PyTorch's time at 2x2 planes); PyTorch's values."""
    calls: list = []
    real = CG.matmul
    monkeypatch.setattr(CG, "matmul", lambda a, b: calls.append(a.shape) or real(a, b))
    rng = np.random.default_rng(9)
    w = (rng.standard_normal((512, 512, 3, 3)) * 0.05).astype(np.float32)
    g = rng.standard_normal((8, 512, 4, 4)).astype(np.float32)
    p = {"strides": (1, 1), "padding": ((1, 1), (1, 1)), "dilation": (1, 1), "groups": 1}
    dx = C.conv_transpose(g, w, in_size=(4, 4), **p)
    assert calls == [(512 * 9, 512)]                # W^T (C k k, O) @ g's (O, N OH OW)
    ref = torch.nn.grad.conv2d_input((8, 512, 4, 4), torch.from_numpy(w), torch.from_numpy(g),
                                     1, 1).numpy()
    np.testing.assert_allclose(dx, ref, rtol=1e-3, atol=1e-3)


def test_which_filters_are_big():
    x = np.zeros((8, 512, 4, 4), np.float32)
    w = np.zeros((512, 512, 3, 3), np.float32)                   # 9.4 MB: ResNet-18's layer 4
    assert CG.big_filter(x, w, 1, 8 * 16)
    assert CG.big_filter(x, w, 1, 8 * 64)
    # 2.4 MB: on a grid of at most SMALL_GRID_PIXELS (N OH OW) only
    x256, w256 = np.zeros((8, 256, 4, 4), np.float32), np.zeros((256, 256, 3, 3), np.float32)
    assert CG.big_filter(x256, w256, 1, 8 * 16)
    assert CG.big_filter(x256, w256, 1, CG.SMALL_GRID_PIXELS)
    assert not CG.big_filter(x256, w256, 1, CG.SMALL_GRID_PIXELS + 1)
    assert not CG.big_filter(x256, w256[:128], 1, 8 * 16)               # 1.2 MB
    assert not CG.big_filter(x[:, :256], w256, 1, 8 * 16)               # not C-contiguous
    assert not CG.big_filter(x.astype(np.float64), w, 1, 8 * 16)
    assert not CG.big_filter(x.transpose(0, 2, 3, 1).copy().transpose(0, 3, 1, 2), w, 1,
                             8 * 16)                              # channels-last: its own routes
    assert not CG.big_filter(x, w, 2, 8 * 16)
    cap = CG.BIG_FILTER_MAX_COLS_BYTES // (512 * 9 * 4)          # pixels of folded columns
    assert CG.big_filter(x, w, 1, cap)
    assert not CG.big_filter(x, w, 1, cap + 1)
    assert not CG.big_filter(x, w, 1, 0)
