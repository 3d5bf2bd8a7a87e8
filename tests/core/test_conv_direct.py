"""The direct float32 convolution (dlcore/kernels/cpu/conv_direct.py): forward, input gradient and
filter gradient against PyTorch in float64, channels-last and NCHW operands, every block kind;
the three kernels are each other's adjoints, and the forward's central differences in float64
(of the float32 kernel, loose tolerance) match both gradients."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from dlcore.kernels.cpu import conv as C
from dlcore.kernels.cpu import conv_direct as D
from dlcore.kernels.cpu import conv_gemm as CG
from dlcore.kernels.cpu.conv_grid import channels_last


@pytest.fixture
def lanes_of(monkeypatch):
    """``lanes_of(n)``: the blocks of an ``n``-lane machine (``conv_direct.lanes``) from there
    to the end of the test; the picks' caches are cleared then and at the end."""
    picks = (D._pick, D._pick_dividing, D._pick_nchw)

    def set_lanes(n: int) -> None:
        for f in picks:
            f.cache_clear()
        monkeypatch.setattr(D, "lanes", lambda: n)
    yield set_lanes
    for f in picks:
        f.cache_clear()


@pytest.fixture(params=[8, 16], ids=["avx2", "avx512"])
def machine(request, lanes_of):
    """The routes' tests run with the blocks of both machines: the 16-lane kinds are checked on
    an AVX2 machine too (LLVM splits each vector in two there) and the 8-lane ones on
    AVX-512."""
    lanes_of(request.param)
    return request.param


def _cl(a: np.ndarray) -> np.ndarray:
    """The channels-last (NCHW view of an NHWC buffer) copy of ``a``."""
    return np.ascontiguousarray(a.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)


def _geo(s, p, d):
    return {"strides": s, "padding": p, "dilation": d, "groups": 1}


# (x NCHW, O, kernel, stride, padding ((lo, hi), (lo, hi)), dilation)
CASES = [
    ((2, 3, 7, 9), 8, (3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1)),     # 8 rows x 8 columns
    ((2, 5, 6, 6), 16, (3, 3), (2, 2), ((1, 0), (1, 1)), (1, 1)),    # 3 x 8, strided, uneven
    ((1, 8, 5, 5), 32, (3, 2), (1, 1), ((2, 0), (0, 1)), (1, 2)),    # 4 x 16, dilated
    ((1, 2, 3, 3), 32, (1, 1), (1, 1), ((0, 0), (0, 0)), (1, 1)),    # 2 x 32, overlapping
    ((1, 2, 4, 3), 24, (1, 1), (1, 1), ((0, 0), (0, 0)), (1, 1)),    # 3 columns < 8 rows, 1x1
    ((2, 8, 6, 6), 8, (2, 2), (2, 1), ((0, 0), (1, 1)), (2, 1)),
    ((2, 8, 7, 6), 16, (3, 3), (2, 3), ((1, 1), (1, 0)), (1, 1)),    # strided dx: GEMM
    ((1, 16, 5, 5), 8, (1, 1), (2, 2), ((0, 0), (0, 0)), (1, 1)),
    ((2, 8, 5, 12), 16, (3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1)),   # blocks + border pixels
    ((1, 8, 9, 20), 8, (3, 3), (2, 2), ((1, 2), (1, 1)), (1, 1)),
]


def _want(x, w, g, s, p, d):
    xt, wt, gt = (torch.from_numpy(np.ascontiguousarray(a)).double() for a in (x, w, g))
    (plh, phh), (plw, phw) = p
    xpad = torch.nn.functional.pad(xt, (plw, phw, plh, phh))
    xpad.requires_grad_(True)
    wt.requires_grad_(True)
    y = torch.nn.functional.conv2d(xpad, wt, stride=s, dilation=d)
    y.backward(gt)
    dx = xpad.grad[:, :, plh:plh + x.shape[2], plw:plw + x.shape[3]]
    return y.detach().numpy(), dx.numpy(), wt.grad.numpy()


@pytest.mark.parametrize("xs, o, k, s, p, layout", [
    ((4, 1, 400), 32, 80, 16, 0, "nchw"),           # torchaudio M5's first layer, shortened
    ((3, 16, 30), 16, 3, 1, 1, "nchw"),             # stride 1: the NCHW blocks
    ((3, 24, 19), 32, 5, 2, 2, "channels_last"),    # an (N, L, C) buffer's (N, C, L) view
])
def test_a_1d_convolution_takes_the_2d_blocks(xs, o, k, s, p, layout, monkeypatch):
    """A 3-D operand runs as its (N, C, 1, L) view, so conv1d reaches the direct blocks (it
    took the unfolding GEMMs, 2.5-3.6x slower at M5's first layer): its forward, input
    gradient and filter gradient against PyTorch's, and the route taken."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal(xs).astype(np.float32)
    w = rng.standard_normal((o, xs[1], k)).astype(np.float32)
    geo = {"strides": (s,), "padding": ((p, p),), "dilation": (1,), "groups": 1}
    taken = []
    for name in ("conv_direct", "conv_nchw", "conv_filter_grad_direct",
                 "conv_filter_grad_rows", "conv_transpose_direct"):
        monkeypatch.setattr(C, name, lambda *a, f=getattr(D, name), n=name:
                            taken.append(n) or f(*a))
    xin = np.ascontiguousarray(x.transpose(0, 2, 1)).transpose(0, 2, 1) \
        if layout == "channels_last" else x
    y = C.conv(xin, w, **geo)
    g = rng.standard_normal(y.shape).astype(np.float32)
    dx = C.conv_transpose(g, w, in_size=xs[2:], **geo)
    dw = C.conv_filter_grad(xin, g, kernel_size=(k,), **geo)
    tx = torch.from_numpy(x).requires_grad_()
    tw = torch.from_numpy(w).requires_grad_()
    ty = torch.nn.functional.conv1d(tx, tw, None, s, p)
    ty.backward(torch.from_numpy(g))
    assert {"conv_direct", "conv_nchw"} & set(taken)
    assert {"conv_filter_grad_direct", "conv_filter_grad_rows"} & set(taken)
    for got, want in ((y, ty.detach().numpy()), (dx, tx.grad.numpy()), (dw, tw.grad.numpy())):
        assert got.dtype == np.float32 and got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-5 * np.abs(want).max())


@pytest.mark.parametrize("layout", ["channels_last", "nchw"])
@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}-{c[1]}")
def test_direct_matches_torch(case, layout, monkeypatch, machine):
    xs, o, k, s, p, d = case
    rng = np.random.default_rng(3)
    x = rng.standard_normal(xs).astype(np.float32)
    w = rng.standard_normal((o, xs[1]) + k).astype(np.float32)
    geo = _geo(s, p, d)
    taken = []
    # (1x1 cases: these blocks, not conv_gemm's pointwise GEMMs, which take them first)
    monkeypatch.setattr(CG, "pointwise", lambda *a: False)
    monkeypatch.setattr(C, "conv_direct", lambda *a: taken.append("f") or D.conv_direct(*a))
    monkeypatch.setattr(C, "conv_filter_grad_direct",
                        lambda *a: taken.append("w") or D.conv_filter_grad_direct(*a))
    monkeypatch.setattr(C, "conv_filter_grad_rows",     # (few input channels: window rows)
                        lambda *a: taken.append("w") or D.conv_filter_grad_rows(*a))
    monkeypatch.setattr(C, "conv_transpose_direct",
                        lambda *a: taken.append("t") or D.conv_transpose_direct(*a))
    xin = _cl(x) if layout == "channels_last" else x
    y = C.conv(xin, w, **geo)
    g = rng.standard_normal(y.shape).astype(np.float32)
    gin = _cl(g) if layout == "channels_last" else g
    y_want, dx_want, dw_want = _want(x, w, g, s, p, d)
    dx = C.conv_transpose(gin, w, in_size=xs[2:], **geo)
    dw = C.conv_filter_grad(xin, gin, kernel_size=k, **geo)
    big_kernel = k != (1, 1)
    want_taken = {"f", "w"} if layout == "channels_last" or big_kernel else set()
    if s == (1, 1) and xs[1] % 8 == 0 and (layout == "channels_last" or big_kernel):
        want_taken.add("t")
    assert set(taken) == want_taken
    for got, want in ((y, y_want), (dx, dx_want), (dw, dw_want)):
        assert got.dtype == np.float32 and got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-5 * np.abs(want).max())
    if "f" in taken:        # NCHW in, NCHW out; channels-last in, channels-last out
        assert channels_last(y) if layout == "channels_last" else y.flags.c_contiguous
    assert dw.flags.c_contiguous


def test_direct_kernels_are_adjoints_and_match_central_differences(machine):
    """<conv(x, w), g> = <x, conv_transpose(g, w)> = <w, filter_grad(x, g)>, and the forward's
    central differences (steps of 1e-2 on a float32 kernel, summed in float64) match both."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 8, 5, 6)).astype(np.float32)
    w = rng.standard_normal((8, 8, 3, 3)).astype(np.float32)
    geo = _geo((1, 1), ((1, 1), (1, 1)), (1, 1))
    y = C.conv(_cl(x), w, **geo)
    g = rng.standard_normal(y.shape).astype(np.float32)
    dx = C.conv_transpose(_cl(g), w, in_size=(5, 6), **geo)
    dw = C.conv_filter_grad(_cl(x), _cl(g), kernel_size=(3, 3), **geo)
    f64 = np.float64
    lhs = np.sum(y.astype(f64) * g)
    assert abs(lhs - np.sum(x.astype(f64) * dx)) < 1e-4 * abs(lhs) + 1e-3
    assert abs(lhs - np.sum(w.astype(f64) * dw)) < 1e-4 * abs(lhs) + 1e-3

    def loss(xv, wv):
        return np.sum(C.conv(_cl(xv), wv, **geo).astype(f64) * g)

    h = 1e-2
    for idx in [(0, 3, 2, 4), (1, 7, 0, 0), (0, 0, 4, 5)]:
        e = np.zeros_like(x)
        e[idx] = h
        fd = (loss(x + e, w) - loss(x - e, w)) / (2 * h)
        assert abs(fd - dx[idx]) < 2e-3 * max(1.0, abs(dx[idx]))
    for idx in [(0, 0, 0, 0), (5, 3, 1, 2), (7, 7, 2, 1)]:
        e = np.zeros_like(w)
        e[idx] = h
        fd = (loss(x, w + e) - loss(x, w - e)) / (2 * h)
        assert abs(fd - dw[idx]) < 2e-3 * max(1.0, abs(dw[idx]))


def test_route_conditions(machine):
    x = _cl(np.zeros((1, 4, 5, 5), np.float32))
    assert D.takes_direct(x, np.float32, 8, 5, 1, 9)
    assert not D.takes_direct(x, np.float32, 6, 5, 1, 9)           # O not a multiple of 8
    assert not D.takes_direct(x.astype(np.float64), np.float64, 8, 5, 1, 9)
    assert not D.takes_direct(x, np.float32, 8, 5, 2, 9)           # groups
    nchw = np.zeros((1, 4, 5, 5), np.float32)
    assert D.takes_direct(nchw, np.float32, 8, 5, 1, 9)
    assert not D.takes_direct(nchw, np.float32, 8, 5, 1, 1)        # NCHW 1x1: GEMM routes


def test_block_picks_on_an_avx2_machine(lanes_of):
    lanes_of(8)
    assert D._pick(8, 3)[1:] == (3, 8) and D._pick(32, 7)[1:] == (4, 16)
    assert D._pick(16, 1)[1:] == (1, 8) and D._pick(12, 4) is None
    assert D._pick(24, 9)[1:] == (8, 8) and D._pick(32, 3)[1:] == (2, 32)
    assert D._pick_dividing(64, 32)[1:] == (4, 16) and D._pick_dividing(8, 3) is None
    assert D._pick_nchw(28, 6)[1:] == (4, 16)


def test_block_picks_on_an_avx512_machine(lanes_of):
    """16-lane blocks first (16 accumulators of 16 lanes where the shape allows), the 8-lane
    ones for channels that are not a multiple of 16 and for few rows."""
    lanes_of(16)
    assert D._pick(64, 8)[1:] == (8, 32) and D._pick(64, 5)[1:] == (4, 64)
    assert D._pick(32, 32)[1:] == (8, 32)
    assert D._pick(16, 32)[1:] == (8, 16) and D._pick(16, 8)[1:] == (8, 16)
    assert D._pick(32, 5)[1:] == (4, 32) and D._pick(24, 9)[1:] == (8, 8)
    assert D._pick(16, 3)[1:] == (3, 8)               # too few rows for a 16-lane kind
    assert D._pick_dividing(64, 32)[1:] == (8, 32) and D._pick_dividing(16, 8)[1:] == (8, 16)
    assert D._pick_dividing(64, 12)[1:] == (4, 64)
    assert D._pick_nchw(32, 16)[1:] == (8, 32) and D._pick_nchw(28, 6)[1:] == (4, 16)


@pytest.mark.parametrize("layout", ["channels_last", "nchw"])
def test_lenets_10_pixel_rows_take_one_block_per_row_on_16_lanes(layout, lanes_of, monkeypatch):
    """LeNet's second layer (6 -> 16 channels, 5x5, 10-pixel output rows): on a 16-lane machine
    the forward takes the (10, 1, 16) block, one per row, where the first fit's (8, 1, 16)
    computed 16 pixels per row (its last block overlapping the first); the same bits as the
    first fit, values as torch's.  On 8 lanes the first fit stays."""
    lanes_of(8)
    assert D._pick_row(16, 10) == D._pick(16, 10) and D._pick(16, 10)[1:] == (4, 16)
    lanes_of(16)
    assert D._pick_row(16, 10) == (D.ROW_KINDS[10], 10, 16)
    assert D._pick_row(16, 16) == D._pick(16, 16)          # rows the first fit divides
    assert D._pick_row(24, 10) == D._pick(24, 10)          # channels the block does not divide
    rng = np.random.default_rng(3)
    x = rng.standard_normal((3, 6, 14, 14)).astype(np.float32)
    w = rng.standard_normal((16, 6, 5, 5)).astype(np.float32)
    xin = _cl(x) if layout == "channels_last" else x
    geom = (1, 1, 0, 0, 1, 1)
    rows = []
    real = D._drivers
    monkeypatch.setattr(D, "_drivers", lambda kind: type("J", (), {"fwd": staticmethod(
        lambda *a: rows.append(a[-2]) or real(kind).fwd(*a))})())
    got = D.conv_direct(xin, w, geom, (10, 10))
    monkeypatch.setattr(D, "_pick_row", D._pick)
    first = D.conv_direct(xin, w, geom, (10, 10))
    assert rows == [10, 8]
    np.testing.assert_array_equal(got, first)
    want = _want(x, w, np.zeros(got.shape, np.float32), (1, 1), ((0, 0), (0, 0)), (1, 1))[0]
    np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-5 * np.abs(want).max())


NCHW_CASES = [
    ((2, 1, 6, 18), 6, (3, 3), ((1, 1), (1, 1)), (1, 1)),    # LeNet-like: 6 channels, 18 px
    ((1, 8, 4, 20), 16, (2, 3), ((1, 0), (2, 1)), (1, 2)),   # dilated, uneven padding
    ((1, 3, 3, 16), 8, (3, 3), ((0, 0), (1, 1)), (1, 1)),
]


@pytest.mark.parametrize("case", NCHW_CASES, ids=lambda c: f"{c[0]}-{c[1]}")
def test_nchw_blocks_match_torch(case, monkeypatch, machine):
    """C-contiguous operands with rows of at least 16 pixels at stride 1: the NCHW blocks for
    the forward and the input gradient (C-contiguous out), values against torch float64."""
    xs, o, k, p, d = case
    rng = np.random.default_rng(7)
    x = rng.standard_normal(xs).astype(np.float32)
    w = rng.standard_normal((o, xs[1]) + k).astype(np.float32)
    geo = _geo((1, 1), p, d)
    taken = []
    monkeypatch.setattr(C, "conv_nchw", lambda *a: taken.append(a[0].shape) or D.conv_nchw(*a))
    y = C.conv(x, w, **geo)
    g = rng.standard_normal(y.shape).astype(np.float32)
    dx = C.conv_transpose(g, w, in_size=xs[2:], **geo)
    y_want, dx_want, _ = _want(x, w, g, (1, 1), p, d)
    assert taken == [xs, g.shape]
    for got, want in ((y, y_want), (dx, dx_want)):
        assert got.dtype == np.float32 and got.flags.c_contiguous and got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-5 * np.abs(want).max())
    assert not D.takes_nchw(x, np.float32, o, (2, 2) + (0,) * 4, y.shape[2:], 1, 9)
    cl = _cl(np.zeros((1, 3, 4, 20), np.float32))          # channels-last: the other blocks
    assert not D.takes_nchw(cl, np.float32, o, (1,) * 6, y.shape[2:], 1, 9)
    assert not D.takes_nchw(x, np.float32, o, (1,) * 6, (4, 15), 1, 9)


def test_mismatched_operands_are_refused_not_read_out_of_bounds():
    x = np.zeros((2, 4, 6, 16), np.float32)
    with pytest.raises(ValueError, match=r"conv \(input channels\): shapes \(2, 4, 6, 16\)"):
        D.conv_nchw(x, np.zeros((8, 3, 3, 3), np.float32), (1, 1, 1, 1, 1, 1), (6, 16))
    with pytest.raises(ValueError, match="input channels"):
        D.conv_direct(_cl(x), np.zeros((8, 5, 3, 3), np.float32), (1, 1, 1, 1, 1, 1), (6, 16))
    with pytest.raises(ValueError, match=r"conv_filter_grad \(batch\)"):
        D.conv_filter_grad_direct(_cl(x), np.zeros((3, 8, 6, 16), np.float32), (3, 3),
                                  (1, 1, 1, 1, 1, 1))


@pytest.mark.parametrize("layout", ["channels_last", "nchw"])
def test_filter_grad_window_rows_match_torch(layout, monkeypatch, machine):
    """Few input channels and output channels that are not a multiple of 8 (LeNet's first
    layer): the filter gradient by window-row blocks, strided and padded, against torch."""
    rng = np.random.default_rng(11)
    x = rng.standard_normal((2, 3, 9, 11)).astype(np.float32)
    w = np.zeros((5, 3, 3, 4), np.float32)
    geo = _geo((2, 1), ((1, 2), (2, 0)), (2, 1))
    taken = []
    monkeypatch.setattr(C, "conv_filter_grad_rows",
                        lambda *a: taken.append(1) or D.conv_filter_grad_rows(*a))
    y = C.conv(x, w, **geo)
    g = rng.standard_normal(y.shape).astype(np.float32)
    xin, gin = (_cl(x), _cl(g)) if layout == "channels_last" else (x, g)
    dw = C.conv_filter_grad(xin, gin, kernel_size=(3, 4), **geo)
    _, _, want = _want(x, w, g, (2, 1), ((1, 2), (2, 0)), (2, 1))
    assert taken == [1] and dw.dtype == np.float32 and dw.flags.c_contiguous
    np.testing.assert_allclose(dw, want, rtol=2e-5, atol=2e-5 * np.abs(want).max())
    assert not D.takes_filter_grad_rows(x, np.zeros((2, 8, 4, 8), np.float32), (3, 4),
                                        (1,) * 6, 1)        # 3 inputs, 8 outputs: channel blocks
    assert not D.takes_filter_grad_rows(np.zeros((2, 4, 9, 11), np.float32),
                                        np.zeros((2, 16, 4, 8), np.float32), (3, 4), (1,) * 6, 1)
    assert D.takes_filter_grad_rows(np.zeros((2, 6, 9, 11), np.float32),
                                    np.zeros((2, 16, 4, 8), np.float32), (3, 4), (1,) * 6, 1)
    assert not D.takes_filter_grad_rows(x, g, (3, 4), (1, 1, 0, 0, 1, 2), 1)   # width dilation


@pytest.mark.parametrize("kind", range(len(D.KINDS)),
                         ids=[f"{mr}x{nv}x{ln}" for mr, nv, ln in D.KINDS])
def test_every_block_kind_matches_torch(kind, monkeypatch):
    """Each register block, whatever this machine would pick: the forward (blocks that
    overwrite), the filter gradient one image at a time (blocks that add) and the NCHW forward
    (rows over channels), values against torch float64."""
    mr, nv, ln = D.KINDS[kind]
    cols = nv * ln
    rng = np.random.default_rng(kind)
    x = rng.standard_normal((2, mr, 5, max(mr, 3) + 2)).astype(np.float32)   # C = mr rows
    w = rng.standard_normal((cols, mr, 3, 3)).astype(np.float32)
    geo = (1, 1, 1, 1, 1, 1)
    out_hw = x.shape[2:]
    forced = (kind, mr, cols)
    monkeypatch.setattr(D, "_pick", lambda *a: forced)
    y = D.conv_direct(_cl(x), w, geo, out_hw)
    g = rng.standard_normal(y.shape).astype(np.float32)
    dw = D.conv_filter_grad_direct(_cl(x), _cl(g), (3, 3), geo)
    y_want, _, dw_want = _want(x, w, g, (1, 1), ((1, 1), (1, 1)), (1, 1))
    for got, want in ((y, y_want), (dw, dw_want)):
        np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-5 * np.abs(want).max())
    # NCHW: rows over output channels (mr of them), vectors over cols pixels of a row
    xn = rng.standard_normal((1, 3, 4, cols + 2)).astype(np.float32)
    wn = rng.standard_normal((mr, 3, 3, 3)).astype(np.float32)
    monkeypatch.setattr(D, "_pick_nchw", lambda *a: forced)
    yn = D.conv_nchw(xn, wn, geo, xn.shape[2:])
    yn_want = _want(xn, wn, np.zeros((1, mr) + xn.shape[2:], np.float32), (1, 1),
                    ((1, 1), (1, 1)), (1, 1))[0]
    np.testing.assert_allclose(yn, yn_want, rtol=2e-5, atol=2e-5 * np.abs(yn_want).max())


def test_nchw_rows_of_one_16_lane_vector_leave_32_channels_to_the_channels_last_blocks(
        lanes_of):
    """On a 16-lane machine a row of 16..31 pixels holds one vector of the NCHW blocks, while
    a multiple of 32 output channels gives the channels-last blocks two: that route wins."""
    x = np.zeros((2, 8, 16, 16), np.float32)
    geom = (1, 1, 1, 1, 1, 1)
    lanes_of(16)
    assert not D.takes_nchw(x, np.float32, 32, geom, (16, 16), 1, 9)
    assert D.takes_nchw(x, np.float32, 16, geom, (16, 16), 1, 9)       # 16 channels: NCHW
    assert D.takes_nchw(x, np.float32, 32, geom, (32, 32), 1, 9)       # 32-pixel rows: NCHW
    lanes_of(8)
    assert D.takes_nchw(x, np.float32, 32, geom, (16, 16), 1, 9)


@pytest.mark.parametrize("o,padding,per_image", [(16, ((1, 1), (1, 1)), True),
                                                 (32, ((0, 2), (1, 0)), True),
                                                 (32, ((1, 1), (1, 1)), False)])
def test_an_rgb_stems_filter_gradient_takes_one_block_of_9_rows(o, padding, per_image,
                                                                monkeypatch, machine):
    """3x3 on 3 input channels with a multiple of 16 output channels: on 16 lanes the window
    rows' 9 (j, c) elements are one block (``EXACT_ROWS[9]``) per kernel row, one image at a
    time where an image fits ``IMAGE_TILE_BYTES`` (else the whole batch per block); on 8 lanes
    the channel blocks stay.  Values against torch float64."""
    if not per_image:
        monkeypatch.setattr(D, "IMAGE_TILE_BYTES", 0)
    rng = np.random.default_rng(12)
    x = rng.standard_normal((3, 3, 10, 9)).astype(np.float32)
    w = np.zeros((o, 3, 3, 3), np.float32)
    geo = _geo((1, 2), padding, (1, 1))
    y = C.conv(_cl(x), w, **geo)
    g = rng.standard_normal(y.shape).astype(np.float32)
    kinds = []
    real = D._drivers
    monkeypatch.setattr(D, "_drivers", lambda kind: _Spy(real(kind), kinds))
    dw = C.conv_filter_grad(_cl(x), _cl(g), kernel_size=(3, 3), **geo)
    _, _, want = _want(x, w, g, (1, 2), padding, (1, 1))
    np.testing.assert_allclose(dw, want, rtol=2e-5, atol=2e-5 * np.abs(want).max())
    rows9 = D.lanes() == 16
    geom = C._geom(geo["strides"], geo["padding"], geo["dilation"])
    assert D.takes_filter_grad_rows(x, g, (3, 3), geom, 1) == rows9
    driver = "filter_grad_rows_images" if per_image else "filter_grad_rows"
    assert kinds == ([(driver, D.EXACT_ROWS[9])] if rows9 else []), kinds
    assert D.KINDS[D.EXACT_ROWS[9]] == (9, 1, 16)
    assert not D.takes_filter_grad_rows(x, g[:, :8], (3, 3), (1,) * 6, 1)    # 8 outputs
    assert not D.takes_filter_grad_rows(x, np.zeros((3, 24, 10, 5), np.float32), (3, 3),
                                        (1,) * 6, 1)                              # 24 outputs


@pytest.mark.parametrize("n,layout", [(3, "channels_last"), (1, "channels_last"), (3, "nchw")])
def test_lenets_filter_gradient_reads_its_6_channels_in_place(n, layout, monkeypatch,
                                                               machine):
    """6 output channels in blocks of 8 columns: every image but the last is read from g
    itself (each load also reads 2 channels of the next pixel, whose columns are dropped), the
    last from a padded copy; one image, or an NCHW g, take the padded copy of all of g.
    Values against torch float64, with the rows of the result written 6 apart."""
    rng = np.random.default_rng(13)
    x = rng.standard_normal((n, 1, 12, 10)).astype(np.float32)
    w = np.zeros((6, 1, 5, 5), np.float32)
    geo = _geo((1, 1), ((2, 2), (2, 2)), (1, 1))
    g = rng.standard_normal((n, 6, 12, 10)).astype(np.float32)
    ragged = []
    real = D._filter_grad_rows_ragged
    monkeypatch.setattr(D, "_filter_grad_rows_ragged",
                        lambda *a: ragged.append(1) or real(*a))
    xin, gin = (_cl(x), _cl(g)) if layout == "channels_last" else (x, g)
    dw = C.conv_filter_grad(xin, gin, kernel_size=(5, 5), **geo)
    _, _, want = _want(x, w, g, (1, 1), ((2, 2), (2, 2)), (1, 1))
    np.testing.assert_allclose(dw, want, rtol=2e-5, atol=2e-5 * np.abs(want).max())
    assert ragged == ([1] if n > 1 and layout == "channels_last" else [])


class _Spy:
    """A kind's drivers module, recording which driver ran with which block kind."""

    def __init__(self, mod, log):
        self.mod, self.log = mod, log

    def __getattr__(self, name):
        fn = getattr(self.mod, name)
        if not name.startswith("filter_grad_rows"):
            return fn
        return lambda *a: self.log.append((name, a[6])) or fn(*a)


def test_the_filter_gradient_of_16_channels_takes_16_rows_on_16_lanes(lanes_of):
    lanes_of(16)
    assert D._pick_filter(16, 32) == (D.FILTER_16, 16, 16)
    assert D.KINDS[D.FILTER_16] == (16, 1, 16)
    assert D._pick_filter(32, 32) == D._pick(32, 32)            # (8,2,16)
    assert D._pick_filter(16, 8) == D._pick(16, 8)              # too few input channels
    lanes_of(8)
    assert D._pick_filter(16, 32) == D._pick(16, 32)


@pytest.mark.parametrize("env,want", [({"DLCORE_CONV_LANES": "8"}, 8),
                                      ({"NUMBA_ENABLE_AVX": "0"}, 8), ({}, None)])
def test_lanes_follow_what_numba_compiles_for(env, want):
    """16 lanes only where Numba's target has AVX-512F (its own reading of the host, which
    ``NUMBA_ENABLE_AVX=0`` strips of AVX), and ``DLCORE_CONV_LANES=8`` keeps 8."""
    import os
    import subprocess
    import sys
    from numba.core.codegen import get_host_cpu_features
    if want is None:
        want = 16 if "+avx512f" in get_host_cpu_features().split(",") else 8
    code = "from dlcore.kernels.cpu import conv_direct as D; print(D.lanes())"
    full = {k: v for k, v in os.environ.items() if k not in ("DLCORE_CONV_LANES",
                                                              "NUMBA_ENABLE_AVX")}
    out = subprocess.run([sys.executable, "-c", code], env={**full, **env},
                         capture_output=True, text=True, timeout=120, check=True)
    assert int(out.stdout.split()[-1]) == want


# (N, C, H, W, O, kernel, stride, leading pads, trailing pads, dilation): padded convolutions
# whose interior holds a block of rows and columns (the unpadded forward) and some that do not
UNPADDED_CASES = [
    (2, 16, 32, 32, 16, (3, 3), (1, 1), (1, 1), (1, 1), (1, 1)),
    (2, 3, 20, 20, 16, (3, 3), (1, 1), (1, 1), (1, 1), (1, 1)),
    (2, 32, 16, 16, 32, (3, 3), (1, 1), (1, 1), (1, 1), (1, 1)),
    (1, 8, 12, 13, 8, (5, 5), (1, 1), (2, 2), (2, 2), (1, 1)),
    (1, 8, 14, 12, 24, (3, 3), (1, 1), (2, 2), (2, 2), (2, 2)),     # dilated
    (2, 8, 23, 21, 16, (3, 3), (2, 2), (1, 1), (0, 1), (1, 1)),     # strided, TF's SAME
    (1, 8, 20, 19, 8, (3, 5), (1, 2), (0, 2), (2, 2), (1, 1)),      # uneven, one axis unpadded
    (1, 8, 18, 18, 16, (7, 7), (1, 1), (3, 3), (3, 3), (1, 1)),     # wide borders
    (1, 8, 11, 11, 16, (3, 3), (1, 1), (4, 4), (4, 4), (1, 1)),     # rows reading nothing
    (2, 64, 8, 8, 64, (3, 3), (1, 1), (1, 1), (1, 1), (1, 1)),      # interior < a block: pads
    (1, 8, 10, 10, 16, (3, 3), (1, 1), (1, 1), (1, 1), (1, 1)),     # 10-pixel rows: first fit
]


@pytest.mark.parametrize("layout", ["channels_last", "nchw"])
@pytest.mark.parametrize("case", UNPADDED_CASES, ids=lambda c: f"{c[:5]}-k{c[5]}s{c[6]}")
def test_the_unpadded_forward_gives_the_padded_copys_bits(case, layout, monkeypatch, machine):
    n, c, h, wd, o, k, s, lo, hi, d = case
    rng = np.random.default_rng(7)
    x = rng.standard_normal((n, c, h, wd)).astype(np.float32)
    w = rng.standard_normal((o, c) + k).astype(np.float32)
    xin = _cl(x) if layout == "channels_last" else x
    out_hw = tuple((size + a + b - dd * (kk - 1) - 1) // ss + 1
                   for size, a, b, dd, kk, ss in zip((h, wd), lo, hi, d, k, s))
    geom = (s[0], s[1], lo[0], lo[1], d[0], d[1])
    pads: list = []
    real_padded = D._padded
    monkeypatch.setattr(D, "_padded", lambda *a: pads.append(1) or real_padded(*a))
    got = D.conv_direct(xin, w, geom, out_hw)
    unpadded = not pads
    pads.clear()
    monkeypatch.setattr(D, "UNPADDED", False)
    want = D.conv_direct(xin, w, geom, out_hw)
    assert pads == [1]
    np.testing.assert_array_equal(got, want)
    y_want = _want(x, w, np.zeros(want.shape, np.float32), s, tuple(zip(lo, hi)), d)[0]
    np.testing.assert_allclose(got, y_want, rtol=2e-5, atol=2e-5 * np.abs(y_want).max())
    kind, mr, _ = D._pick(o, out_hw[1])
    interior = [len([q for q in range(m) if all(0 <= q * ss - a + t * dd < size
                                                for t in range(kk))])
                for m, ss, a, dd, kk, size in zip(out_hw, s, lo, d, k, (h, wd))]
    assert unpadded == (min(interior) >= mr)
    assert channels_last(got) if layout == "channels_last" else got.flags.c_contiguous


def test_one_channel_is_channels_last_when_its_channel_axis_steps_one_element():
    nhwc = np.zeros((2, 5, 6, 1), np.float32)
    assert channels_last(nhwc.transpose(0, 3, 1, 2))                     # a transposed NHWC
    assert channels_last(np.ascontiguousarray(nhwc.transpose(0, 3, 1, 2)))   # (the same view)
    assert not channels_last(np.zeros((2, 1, 5, 6), np.float32))         # a plain NCHW array
    assert not channels_last(np.zeros((2, 5, 6), np.float32)[:, None])   # (a zero stride)
    assert not channels_last(np.zeros((2, 1, 1, 1), np.float32))         # a 1x1 plane: NCHW
    assert channels_last(np.zeros((2, 5, 6, 3), np.float32).transpose(0, 3, 1, 2))
    assert not channels_last(np.zeros((2, 3, 5, 6), np.float32))
    # MNIST's first convolution in the static front end: the result stays a channels-last
    # view (no NCHW copy), with torch's values
    rng = np.random.default_rng(14)
    x = rng.standard_normal((3, 10, 9, 1)).astype(np.float32)
    w = rng.standard_normal((32, 1, 3, 3)).astype(np.float32)
    y = C.conv(x.transpose(0, 3, 1, 2), w, **_geo((1, 1), ((0, 0), (0, 0)), (1, 1)))
    assert channels_last(y)
    want = torch.nn.functional.conv2d(torch.from_numpy(x.transpose(0, 3, 1, 2).copy()),
                                      torch.from_numpy(w)).numpy()
    np.testing.assert_allclose(y, want, rtol=2e-5, atol=2e-5)


@pytest.mark.parametrize("c, taken", [(48, True), (50, False)])
def test_the_filter_gradient_runs_direct_only_one_image_at_a_time(c, taken, monkeypatch,
                                                                  lanes_of):
    """Input channels the block rows divide run per image; others (whose blocks would stream
    the whole batch, 2x slower at Keras' IMDB Conv1D) keep the GEMM routes, with the same
    values."""
    lanes_of(16)
    rng = np.random.default_rng(9)
    x = np.ascontiguousarray(rng.standard_normal((3, 40, c)).astype(np.float32)).transpose(0, 2, 1)
    g = rng.standard_normal((3, 32, 38)).astype(np.float32)
    assert D.takes_filter_grad_direct(x[:, :, None], g.dtype, 32, c, 1, 3) == taken
    seen = []
    monkeypatch.setattr(C, "conv_filter_grad_direct",
                        lambda *a: seen.append(1) or D.conv_filter_grad_direct(*a))
    geo = {"strides": (1,), "padding": ((0, 0),), "dilation": (1,), "groups": 1}
    dw = C.conv_filter_grad(x, g, kernel_size=(3,), **geo)
    assert bool(seen) == taken
    want = torch.nn.grad.conv1d_weight(torch.from_numpy(np.ascontiguousarray(x)), (32, c, 3),
                                       torch.from_numpy(g))
    np.testing.assert_allclose(dw, want.numpy(), rtol=2e-5, atol=2e-5 * np.abs(want).max())


def test_each_block_kind_has_its_own_drivers_module():
    """The drivers are compiled per block kind: a module per (kind, corner kind), written once
    a process, binding ``_block`` to that kind's block alone (a driver holding all 15 kinds
    compiled every one of them on a first run)."""
    from dlcore.kernels.cpu import _jit_conv_direct as J
    a, b = J.drivers(0, D.CORNER_KIND), J.drivers(2, D.CORNER_KIND)
    assert a is J.drivers(0, D.CORNER_KIND) and a is not b
    with open(a.__file__) as f:
        src = f.read()
    assert f"_BK = _make_block{D.KINDS[0]}" in src
    assert f"_BC = _make_block{D.KINDS[D.CORNER_KIND]}" in src
    assert "_block(kind" not in src and src.count("@njit(cache=True, nogil=True)\ndef ") == 8
    with pytest.raises(RuntimeError, match="drivers"):
        z = np.zeros((1, 2, 2, 8), np.float32)              # the templates never run as such
        J.fwd(z, np.zeros((1, 1, 8, 8), np.float32), z.copy(), 1, 1, 1, 1, 11, 1, 8)
