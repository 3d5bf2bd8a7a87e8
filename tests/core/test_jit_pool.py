"""The general max pool's loops (dlcore/kernels/cpu/_jit_pool.py), the rows and the window
scan, against a plain window scan in Python: values and first-maximum indices (a NaN is the
maximum and the first one wins; a window of -inf takes its first tap), for strides that split
rows into phases, padding, dilation and ceil_mode's extra window, float32 and float64, the
serial and the ``prange`` loop, int32 and int64 index rows, and a channels-last input read
through its NCHW view; and through :func:`dlcore.kernels.cpu.conv.max_pool` against PyTorch on
data without NaNs."""

from __future__ import annotations

import numpy as np
import pytest

from dlcore.kernels.cpu import _jit_pool as J
from dlcore.kernels.cpu import conv as C
from dlcore.kernels.cpu import pool as P

torch = pytest.importorskip("torch")


def _scan(x, k, s, p, d, out_hw):
    """Each window's maximum and the flat index of its first maximum, by the definition."""
    n_, c_, h, w = x.shape
    vals = np.full((n_, c_) + out_hw, -np.inf, x.dtype)
    idx = np.full((n_, c_) + out_hw, -1, np.int64)
    for n in range(n_):
        for c in range(c_):
            for oh in range(out_hw[0]):
                for ow in range(out_hw[1]):
                    best, arg = -np.inf, -1
                    for i in range(k[0]):
                        ih = oh * s[0] - p[0] + i * d[0]
                        for j in range(k[1]):
                            iw = ow * s[1] - p[1] + j * d[1]
                            if not (0 <= ih < h and 0 <= iw < w):
                                continue
                            v = x[n, c, ih, iw]
                            if arg < 0 or (best == best and (v > best or v != v)):
                                best, arg = v, ih * w + iw
                    vals[n, c, oh, ow], idx[n, c, oh, ow] = best, arg
    return vals, idx


GEOMETRIES = [  # (shape, kernel, stride, padding, dilation, ceil_mode)
    ((2, 3, 1, 37), (1, 4), (1, 4), (0, 0), (1, 1), False),     # M5's 1-D pool
    ((2, 3, 9, 10), (3, 2), (2, 3), (1, 1), (1, 1), True),
    ((1, 4, 11, 13), (3, 3), (2, 2), (1, 1), (2, 2), True),
    ((2, 2, 8, 9), (3, 3), (1, 1), (1, 1), (1, 1), False),
    ((1, 2, 6, 15), (2, 5), (3, 4), (1, 2), (1, 2), True),
    ((2, 9, 7, 8), (3, 3), (2, 2), (1, 1), (1, 1), True),       # channels for the NHWC loop
    ((2, 16, 1, 21), (1, 2), (1, 2), (0, 0), (1, 1), False),    # Keras' MaxPooling1D(2)
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("geo", GEOMETRIES, ids=lambda g: f"{g[0]}-k{g[1]}-s{g[2]}")
@pytest.mark.parametrize("loop, index_type", [
    ("max_pool_rows", np.int32), ("max_pool_rows", np.int64), ("max_pool_rows_par", np.int32),
    ("max_pool_scan", None), ("max_pool_scan_par", None), ("max_pool_nhwc", np.int32),
    ("max_pool_nhwc_par", np.int64)])
def test_the_loops_equal_the_window_scan(geo, dtype, loop, index_type):
    shape, k, s, p, d, ceil = geo
    rng = np.random.default_rng(7)
    x = np.round(rng.standard_normal(shape) * 2).astype(dtype)          # ties
    flat = x.reshape(-1)
    flat[rng.choice(x.size, x.size // 9, replace=False)] = np.nan
    flat[rng.choice(x.size, x.size // 9, replace=False)] = -np.inf
    x[0, 0, 0, :] = -np.inf                                              # a row of -inf
    out_hw = tuple(torch.nn.functional.max_pool2d(
        torch.zeros(shape), k, s, p, d, ceil_mode=ceil).shape[2:])
    want_v, want_i = _scan(x, k, s, p, d, out_hw)
    vals = np.empty(shape[:2] + out_hw, dtype)
    idx = np.empty(shape[:2] + out_hw, np.int64)
    f = getattr(J, loop)
    geom = (k[0], k[1], s[0], s[1], p[0], p[1], d[0], d[1])
    if loop.startswith("max_pool_nhwc"):        # the NHWC buffers, a pixel's channels a row
        xb = np.ascontiguousarray(x.transpose(0, 2, 3, 1))
        vb = np.empty((shape[0],) + out_hw + (shape[1],), dtype)
        ib = np.empty(vb.shape, np.int64)
        f(xb, *geom, vb, ib[:0], False, np.empty(shape[1], index_type))
        f(xb, *geom, vb[:0], ib, True, np.empty(shape[1], index_type))
        np.testing.assert_array_equal(vb.transpose(0, 3, 1, 2), want_v)
        np.testing.assert_array_equal(ib.transpose(0, 3, 1, 2), want_i)
        return
    if loop.startswith("max_pool_scan"):        # the window scan (rows of few outputs)
        f(x, *geom, vals, idx[:0], False)
        f(x, *geom, vals[:0], idx, True)
        np.testing.assert_array_equal(vals, want_v)
        np.testing.assert_array_equal(idx, want_i)
        return
    f(x, *geom, vals, idx[:0], False, np.empty(out_hw[1], index_type))
    f(x, *geom, vals[:0], idx, True, np.empty(out_hw[1], index_type))
    np.testing.assert_array_equal(vals, want_v)
    np.testing.assert_array_equal(idx, want_i)
    xl = np.ascontiguousarray(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)   # NHWC buffer
    f(xl, *geom, vals, idx[:0], False, np.empty(out_hw[1], index_type))
    np.testing.assert_array_equal(vals, want_v)


@pytest.mark.parametrize("route", ["rows", "scan", "channels_last"])
@pytest.mark.parametrize("geo", GEOMETRIES, ids=lambda g: f"{g[0]}-k{g[1]}-s{g[2]}")
def test_the_wrapper_matches_torch(geo, route, monkeypatch):
    shape, k, s, p, d, ceil = geo
    monkeypatch.setattr(P, "POOL_ROWS_MIN_OUTPUTS", 0 if route == "rows" else 10 ** 9)
    monkeypatch.setattr(P, "NHWC_MIN_CHANNELS", 1)
    x = np.random.default_rng(8).standard_normal(shape).astype(np.float32)
    if route == "channels_last":                # (N, C, H, W) view of an NHWC buffer
        x = np.ascontiguousarray(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
    want, want_i = torch.nn.functional.max_pool2d(torch.from_numpy(x), k, s, p, d,
                                                  ceil_mode=ceil, return_indices=True)
    kw = {"kernel_size": k, "strides": s, "padding": tuple((q, q) for q in p),
          "dilation": d, "out_size": tuple(want.shape[2:])}
    np.testing.assert_array_equal(C.max_pool(x, **kw), want.numpy())
    np.testing.assert_array_equal(C.max_pool_argmax(x, **kw), want_i.numpy())
    if shape[2] == 1:                                                    # the 1-D form
        kw1 = {"kernel_size": k[1:], "strides": s[1:], "padding": ((p[1], p[1]),),
               "dilation": d[1:], "out_size": tuple(want.shape[3:])}
        np.testing.assert_array_equal(C.max_pool_argmax(x[:, :, 0], **kw1),
                                      want_i.numpy()[:, :, 0])


AVG_GEOMETRIES = [  # (shape, kernel, stride, leading pad, trailing pad (ceil_mode's extra))
    ((2, 3, 6, 37), (3, 3), (1, 1), (1, 1), (1, 1)),
    ((2, 3, 9, 40), (2, 5), (2, 3), (1, 2), (2, 3)),
    ((3, 2, 1, 41), (1, 4), (1, 4), (0, 0), (0, 3)),     # M5-like 1-D, a ceil_mode window
]


@pytest.mark.parametrize("geo", AVG_GEOMETRIES, ids=lambda g: f"{g[0]}-k{g[1]}-s{g[2]}")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("include_pad", [True, False])
@pytest.mark.parametrize("par", [False, True])
def test_the_average_pool_rows_give_the_window_loops_bits(geo, dtype, include_pad, par):
    """The rows (``avg_pool_rows``, ``avg_pool_grad_rows``) sum each window's terms in the
    window loop's order, so forward and gradient are bit for bit ``_jit_conv``'s."""
    from dlcore.kernels.cpu import _jit_conv as JC
    shape, k, s, p, hi = geo
    rng = np.random.default_rng(11)
    x = rng.standard_normal(shape).astype(dtype)
    out_hw = tuple((shape[2 + a] + p[a] + hi[a] - k[a]) // s[a] + 1 for a in range(2))
    args = (k[0], k[1], s[0], s[1], p[0], p[1], hi[0], hi[1], include_pad)
    want, got = np.empty(shape[:2] + out_hw, dtype), np.empty(shape[:2] + out_hw, dtype)
    suffix = "_par" if par else ""
    JC.avg_pool(x, *args, want)
    getattr(J, "avg_pool_rows" + suffix)(x, *args, got)
    np.testing.assert_array_equal(got, want)
    g = rng.standard_normal(want.shape).astype(dtype)
    dwant, dgot = np.zeros(shape, dtype), np.zeros(shape, dtype)
    JC.avg_pool_grad(g, *args, dwant)
    getattr(J, "avg_pool_grad_rows" + suffix)(g, *args, dgot)
    np.testing.assert_array_equal(dgot, dwant)


@pytest.mark.parametrize("rows", [True, False])
def test_the_average_pool_matches_torch(rows, monkeypatch):
    monkeypatch.setattr(P, "POOL_ROWS_MIN_OUTPUTS", 0 if rows else 10 ** 9)
    x = np.random.default_rng(12).standard_normal((2, 4, 9, 33)).astype(np.float32)
    tx = torch.from_numpy(x).requires_grad_()
    want = torch.nn.functional.avg_pool2d(tx, 3, 2, 1, ceil_mode=True, count_include_pad=False)
    kw = {"kernel_size": (3, 3), "strides": (2, 2), "padding": ((1, 2), (1, 2))}
    got = C.avg_pool(x, out_size=tuple(want.shape[2:]), count_include_pad=False, **kw)
    np.testing.assert_allclose(got, want.detach().numpy(), rtol=1e-6, atol=1e-6)
    g = np.random.default_rng(13).standard_normal(got.shape).astype(np.float32)
    want.backward(torch.from_numpy(g))
    dx = C.avg_pool_grad(g, in_size=(9, 33), count_include_pad=False, **kw)
    np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=1e-6, atol=1e-6)
