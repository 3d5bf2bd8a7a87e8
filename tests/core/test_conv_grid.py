"""The padded-grid route of the CPU convolution (dlcore/kernels/cpu/conv_grid.py): channels-last
operands (the NCHW views of NHWC buffers that the TensorFlow front end hands the kernels), at
stride 1, forward, input gradient and filter gradient against PyTorch in float64; the outputs
keep the channels-last layout; channels-first operands, strides and groups keep their routes."""

from __future__ import annotations

import numpy as np
import pytest

from dlcore.kernels.cpu import conv as C
from dlcore.kernels.cpu import conv_gemm as CG
from dlcore.kernels.cpu import conv_grid as G

torch = pytest.importorskip("torch")

# (x shape, w shape, padding (lo, hi) per axis, dilation)
CASES = [
    ((2, 3, 9, 8), (4, 3, 3, 3), ((1, 1), (1, 1)), (1, 1)),
    ((2, 5, 8, 7), (3, 5, 3, 2), ((1, 1), (0, 0)), (1, 1)),
    ((1, 4, 10, 9), (2, 4, 3, 3), ((2, 2), (2, 2)), (2, 2)),         # dilated
    ((2, 3, 6, 5), (2, 3, 1, 1), ((0, 0), (0, 0)), (1, 1)),          # 1x1
    ((2, 3, 7, 7), (2, 3, 3, 3), ((0, 1), (1, 0)), (1, 1)),          # uneven padding (SAME)
]


def _channels_last(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)


def _reference(x, w, g, pad, dil):
    tx = torch.from_numpy(np.pad(x, ((0, 0), (0, 0)) + pad)).requires_grad_()
    tw = torch.from_numpy(w).requires_grad_()
    y = torch.nn.functional.conv2d(tx, tw, None, 1, 0, dil)
    y.backward(torch.from_numpy(g))
    (h0, _), (w0, _) = pad
    dx = tx.grad.numpy()[:, :, h0:h0 + x.shape[2], w0:w0 + x.shape[3]]
    return y.detach().numpy(), dx, tw.grad.numpy()


@pytest.mark.parametrize("case", CASES, ids=range(len(CASES)))
def test_grid_route_matches_torch_and_keeps_channels_last(case, monkeypatch):
    xs, ws, pad, dil = case
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal(xs), rng.standard_normal(ws)
    p = {"strides": (1, 1), "padding": pad, "dilation": dil, "groups": 1}
    y0 = C.conv(x, w, **p)
    g = rng.standard_normal(y0.shape)
    y_ref, dx_ref, dw_ref = _reference(x, w, g, pad, dil)
    monkeypatch.setattr(G, "GRID_MAX_WASTE", float("inf"))
    monkeypatch.setattr(C, "GRID_MIN_IN_CHANNELS", 1)
    monkeypatch.setattr(CG, "pointwise", lambda *a: False)     # (1x1: the grid, not its GEMMs)
    calls = []

    def spy(f):
        return lambda *a: calls.append(f) or f(*a)

    for f in (G.conv_grid, G.conv_transpose_grid, G.conv_filter_grad_grid):
        monkeypatch.setattr(C, f.__name__, spy(f))
    xl, gl = _channels_last(x), _channels_last(g)
    y = C.conv(xl, w, **p)
    dx = C.conv_transpose(gl, w, in_size=xs[2:], **p)
    dw = C.conv_filter_grad(xl, gl, kernel_size=ws[2:], **p)
    assert calls == [G.conv_grid, G.conv_transpose_grid, G.conv_filter_grad_grid]
    np.testing.assert_allclose(y, y_ref, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(dx, dx_ref, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(dw, dw_ref, rtol=1e-10, atol=1e-10)
    for a in (y, dx):
        assert a.transpose(0, 2, 3, 1).flags.c_contiguous
    np.testing.assert_allclose(C.conv(x, w, **p), y_ref, rtol=1e-10, atol=1e-10)   # NCHW
    assert C.conv(x, w, **p).flags.c_contiguous


def test_which_operands_take_the_grid():
    rng = np.random.default_rng(1)
    nchw = rng.standard_normal((2, 4, 16, 16))
    nhwc = _channels_last(nchw)
    geom = (1, 1, 1, 1, 1, 1, 1, 1)
    assert G.takes_grid(nhwc, (3, 3), geom, (16, 16), 1)
    assert G.takes_grid(nchw, (3, 3), geom, (16, 16), 1)                   # NCHW too
    assert not G.takes_grid(nchw[:, :, ::-1], (3, 3), geom, (16, 16), 1)   # neither layout
    assert not G.takes_grid(nhwc, (3, 3), (2, 2) + geom[2:], (8, 8), 1)    # strided
    assert not G.takes_grid(nhwc, (3, 3), geom, (16, 16), 2)               # groups
    assert not G.takes_grid(nhwc[:, :, :6, :6], (3, 3), geom, (6, 6), 1)   # a view, not NHWC
    assert not G.takes_grid(_channels_last(rng.standard_normal((2, 4, 6, 6))), (3, 3),
                            geom, (6, 6), 1)                             # 8x8 grid for 6x6
    one = _channels_last(rng.standard_normal((2, 1, 16, 16)))              # also NCHW
    assert G.takes_grid(one, (3, 3), geom, (16, 16), 1)
    assert not G.channels_last(one)                 # ... so its result is C-contiguous NCHW


def test_grid_route_on_nchw_operands_gives_nchw(monkeypatch):
    """C-contiguous operands take the grid too (the eager front end's), with NCHW results."""
    rng = np.random.default_rng(6)
    x, w = rng.standard_normal((2, 8, 9, 8)), rng.standard_normal((8, 8, 3, 3))
    p = {"strides": (1, 1), "padding": ((1, 1), (1, 1)), "dilation": (1, 1), "groups": 1}
    monkeypatch.setattr(G, "GRID_MAX_WASTE", float("inf"))
    y = C.conv(x, w, **p)
    g = rng.standard_normal(y.shape)
    dx = C.conv_transpose(g, w, in_size=(9, 8), **p)
    dw = C.conv_filter_grad(x, g, kernel_size=(3, 3), **p)
    y_ref, dx_ref, dw_ref = _reference(x, w, g, ((1, 1), (1, 1)), (1, 1))
    assert y.flags.c_contiguous and dx.flags.c_contiguous
    np.testing.assert_allclose(y, y_ref, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(dx, dx_ref, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(dw, dw_ref, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("case", [((2, 3, 9, 8), (4, 3, 3, 3), (2, 2), ((1, 1), (1, 1)), 1),
                                  ((2, 5, 8, 9), (3, 5, 1, 1), (2, 1), ((0, 0), (0, 0)), 1),
                                  ((2, 4, 5, 5), (3, 4, 3, 3), (1, 1), ((1, 1), (1, 1)), 1),
                                  ((2, 3, 9, 9), (2, 3, 3, 2), (2, 1), ((2, 2), (1, 1)), 2)],
                         ids=["strided", "1x1 strided", "small plane", "dilated"])
def test_folded_route_for_channels_last_the_grid_does_not_take(case, monkeypatch):
    """Strided (or wasteful-grid) channels-last convolutions: NHWC columns (kernels taller or
    wider than one) or batch-folded ones (1x1) and one GEMM whose output is NHWC; the filter
    gradient reads a channels-last g in place."""
    xs, ws, st, pad, d = case
    rng = np.random.default_rng(2)
    x, w = rng.standard_normal(xs), rng.standard_normal(ws)
    p = {"strides": st, "padding": pad, "dilation": (d, d), "groups": 1}
    tx = torch.from_numpy(x).requires_grad_()
    tw = torch.from_numpy(w).requires_grad_()
    ty = torch.nn.functional.conv2d(tx, tw, None, st, tuple(lo for lo, _ in pad), d)
    g = rng.standard_normal(tuple(ty.shape))
    ty.backward(torch.from_numpy(g))
    calls = []
    monkeypatch.setattr(C, "conv_folded", lambda *a: calls.append(1) or G.conv_folded(*a))
    monkeypatch.setattr(C, "conv_nhwc_cols", lambda *a: calls.append(1) or G.conv_nhwc_cols(*a))
    monkeypatch.setattr(C, "filter_grad_folded",
                        lambda *a: calls.append(2) or G.filter_grad_folded(*a))
    y = C.conv(_channels_last(x), w, **p)
    dw = C.conv_filter_grad(_channels_last(x), _channels_last(g), kernel_size=ws[2:], **p)
    assert calls == [1, 2]
    assert y.transpose(0, 2, 3, 1).flags.c_contiguous
    np.testing.assert_allclose(y, ty.detach().numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(dw, tw.grad.numpy(), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("case", [((2, 6, 8, 8), 2, 2, 0, 1), ((2, 5, 9, 11), 3, 2, 1, 1),
                                  ((1, 4, 9, 10), 3, 1, 1, 2)], ids=["2x2", "padded", "dilated"])
def test_max_pool_keeps_channels_last(case):
    """Max pooling, its argmax and the gradient's scatter read a channels-last view in place and
    give channels-last results, equal to those of the C-contiguous input (NaN and ties too)."""
    shape, k, s, p, d = case
    rng = np.random.default_rng(3)
    x = np.round(rng.standard_normal(shape) * 2)
    x[0, 0, 0, :3] = np.nan
    out = tuple((n + 2 * p - d * (k - 1) - 1) // s + 1 for n in shape[2:])
    kw = {"kernel_size": (k, k), "strides": (s, s), "padding": ((p, p), (p, p)),
          "dilation": (d, d), "out_size": out}
    y0, a0 = C.max_pool(x, **kw), C.max_pool_argmax(x, **kw)
    g = rng.standard_normal(y0.shape)
    dx0 = C.plane_scatter(g, a0, out_size=shape[2:])
    y, a = C.max_pool(_channels_last(x), **kw), C.max_pool_argmax(_channels_last(x), **kw)
    dx = C.plane_scatter(_channels_last(g), a, out_size=shape[2:])
    np.testing.assert_array_equal(y, y0)
    np.testing.assert_array_equal(a, a0)
    np.testing.assert_array_equal(dx, dx0)
    for r in (y, a, dx):
        assert r.transpose(0, 2, 3, 1).flags.c_contiguous
    _, ti = torch.nn.functional.max_pool2d(torch.from_numpy(np.nan_to_num(x, nan=-9.0)), k, s,
                                           p, d, return_indices=True)
    np.testing.assert_array_equal(C.max_pool_argmax(_channels_last(np.nan_to_num(x, nan=-9.0)),
                                                    **kw), ti.numpy())


@pytest.mark.parametrize("case", [((2, 3, 9, 8), (4, 3, 3, 3), 2, 1, 1),
                                  ((2, 5, 9, 9), (3, 5, 3, 2), 1, 0, 2),
                                  ((2, 4, 7, 7), (3, 4, 1, 1), 2, 0, 1)],
                         ids=["strided", "dilated", "1x1 strided"])
def test_input_gradient_of_channels_last_g_by_nhwc_col2im(case):
    """The input gradient of a channels-last g the grid does not take: g read in place, the
    columns per output pixel and the NHWC scatter-add (_jit_conv.col2im_nhwc)."""
    xs, ws, s, p, d = case
    rng = np.random.default_rng(4)
    x, w = rng.standard_normal(xs), rng.standard_normal(ws)
    tx = torch.from_numpy(x).requires_grad_()
    ty = torch.nn.functional.conv2d(tx, torch.from_numpy(w), None, s, p, d)
    g = rng.standard_normal(tuple(ty.shape))
    ty.backward(torch.from_numpy(g))
    kw = {"strides": (s, s), "padding": ((p, p), (p, p)), "dilation": (d, d), "groups": 1}
    dx = C.conv_transpose(_channels_last(g), w, in_size=xs[2:], **kw)
    np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=1e-10, atol=1e-10)
    assert dx.transpose(0, 2, 3, 1).flags.c_contiguous


@pytest.mark.parametrize("channels", [4, 16])
@pytest.mark.parametrize("layout", ["nchw", "nhwc"])
def test_2x2_pool_loop_equals_the_window_scan(layout, channels):
    """The branch-free 2x2 stride-2 loop gives the general loop's values and first-maximum
    indices: ties, NaN (the first wins), signed zeros, -inf, an odd trailing row and column;
    a channels-last input's indices come from an NCHW copy at 4 channels (``FEW_CHANNELS``)
    and from its NHWC buffer at 16, its values from the NHWC buffer at both."""
    from dlcore.kernels.cpu import _jit_pool as J
    rng = np.random.default_rng(5)
    x = np.round(rng.standard_normal((3, channels, 9, 7)))
    x.reshape(-1)[rng.choice(x.size, 12, replace=False)] = np.nan
    x.reshape(-1)[rng.choice(x.size, 12, replace=False)] = -np.inf
    x.reshape(-1)[rng.choice(x.size, 12, replace=False)] = -0.0
    x[0, 0, :2, :2] = np.nan
    x[0, 1, :2, :2] = [[0.0, -0.0], [-0.0, 0.0]]
    x = x.astype(np.float32)
    xin = _channels_last(x) if layout == "nhwc" else x
    kw = {"kernel_size": (2, 2), "strides": (2, 2), "padding": ((0, 0), (0, 0)),
          "dilation": (1, 1), "out_size": (4, 3)}
    y, a = C.max_pool(xin, **kw), C.max_pool_argmax(xin, **kw)
    y0, a0 = np.empty((3, channels, 4, 3), np.float32), np.empty((3, channels, 4, 3), np.int64)
    J.max_pool_rows(x, 2, 2, 2, 2, 0, 0, 1, 1, y0, a0[:0], False, np.empty(3, np.int32))
    J.max_pool_rows(x, 2, 2, 2, 2, 0, 0, 1, 1, y0[:0], a0, True, np.empty(3, np.int32))
    np.testing.assert_array_equal(a, a0)
    np.testing.assert_array_equal(y, y0)
    np.testing.assert_array_equal(np.signbit(y), np.signbit(y0))
