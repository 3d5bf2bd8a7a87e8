"""Three PyTorch gaps found by tutorial programs, against the real PyTorch 2.13: 3-D spatial
transformers (``F.affine_grid`` for 5-D sizes, ``F.grid_sample`` on 5-D inputs),
``F.interpolate(..., antialias=True)`` (bilinear / bicubic downsampling) and
``EmbeddingBag(scale_grad_by_freq=True)``: values, gradients and errors (type and text)."""

from __future__ import annotations

import itertools
import re
import warnings

import numpy as np
import pytest

import dlcore_eager as dt

torch = pytest.importorskip("torch")

LIBS = (torch, dt)
TOL = {"float32": dict(rtol=2e-5, atol=2e-5), "float64": dict(rtol=1e-10, atol=1e-10)}


def _close(a, b, dtype):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), **TOL[dtype])


def _raises_like_torch(fn):
    """fn(lib) raises the same exception type with the same message in both libraries."""
    with pytest.raises(Exception) as ref:
        fn(torch)
    with pytest.raises(type(ref.value), match=re.escape(str(ref.value))):
        fn(dt)


# ---------------------------------------------------------------------------- 3-D grid sampling

@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("mode,padding_mode,align_corners",
                         list(itertools.product(["bilinear", "nearest"],
                                                ["zeros", "border", "reflection"],
                                                [True, False])))
def test_affine_grid_and_grid_sample_5d(mode, padding_mode, align_corners, dtype):
    """theta (2, 3, 4) -> affine_grid (2, 4, 3, 6, 3) -> grid_sample of a (2, 3, 3, 4, 5)
    volume (the grid reaches outside it): values, d input and d theta (through the grid)."""
    rng = np.random.default_rng(7)
    x = rng.standard_normal((2, 3, 3, 4, 5)).astype(dtype)
    th = ((np.eye(3, 4)[None] + 0.3 * rng.standard_normal((2, 3, 4))) * 1.4).astype(dtype)
    out = []
    for m in LIBS:
        xt, tt = m.tensor(x, requires_grad=True), m.tensor(th, requires_grad=True)
        g = m.nn.functional.affine_grid(tt, (2, 3, 4, 3, 6), align_corners=align_corners)
        y = m.nn.functional.grid_sample(xt, g, mode=mode, padding_mode=padding_mode,
                                        align_corners=align_corners)
        w = m.tensor(np.linspace(-1, 1, y.numel()).reshape(tuple(y.shape)).astype(dtype))
        (y * w).sum().backward()
        out.append((tuple(g.shape), tuple(y.shape), g.detach().numpy(), y.detach().numpy(),
                    xt.grad.numpy(), tt.grad.numpy()))
    (gs_t, ys_t, *ref), (gs_d, ys_d, *got) = out
    assert (gs_d, ys_d) == (gs_t, ys_t) == ((2, 4, 3, 6, 3), (2, 3, 4, 3, 6))
    assert got[0].dtype == got[1].dtype == np.dtype(dtype)
    for a, b in zip(got, ref):
        _close(a, b, dtype)


@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
def test_grid_sample_5d_grid_gradient_direct(mode):
    """A free grid (N, Do, Ho, Wo, 3) with points outside the volume: d grid as torch's
    (zeros, not None, for 'nearest')."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((1, 2, 2, 3, 4))
    grid = rng.uniform(-1.3, 1.3, (1, 2, 3, 2, 3))
    res = []
    for m in LIBS:
        xt, gt = m.tensor(x, requires_grad=True), m.tensor(grid, requires_grad=True)
        y = m.nn.functional.grid_sample(xt, gt, mode=mode, padding_mode="zeros",
                                        align_corners=False)
        (y * y).sum().backward()
        res.append((y.detach().numpy(), xt.grad.numpy(), gt.grad.numpy()))
    for a, b in zip(*res):
        _close(a, b, "float64")


def test_affine_grid_5d_unit_size_warning():
    """align_corners=True with a unit spatial size warns as torch does, and the grid matches."""
    th = np.array([[[1.0, 0.2, 0.0, 0.1], [0.0, 1.0, 0.0, 0.0], [0.3, 0.0, 0.9, 0.0]]])
    out = []
    for m in LIBS:
        with warnings.catch_warnings(record=True) as rec:
            warnings.simplefilter("always")
            g = m.nn.functional.affine_grid(m.tensor(th), (1, 1, 1, 2, 3), align_corners=True)
        out.append(([str(r.message) for r in rec], g.numpy()))
    assert out[0][0] == out[1][0] and len(out[0][0]) == 1
    _close(out[1][1], out[0][1], "float64")


GRID_ERRORS = {
    "theta 2-D for 5-D size": lambda m: m.nn.functional.affine_grid(
        m.zeros(2, 2, 3), (2, 1, 3, 4, 5), align_corners=False),
    "theta 3-D for 4-D size": lambda m: m.nn.functional.affine_grid(
        m.zeros(2, 3, 4), (2, 1, 3, 4), align_corners=False),
    "theta unbatched": lambda m: m.nn.functional.affine_grid(
        m.zeros(3, 4), (2, 1, 3, 4, 5), align_corners=False),
    "theta integer": lambda m: m.nn.functional.affine_grid(
        m.zeros(2, 3, 4, dtype=m.int64), (2, 1, 3, 4, 5), align_corners=False),
    "empty 5-D size": lambda m: m.nn.functional.affine_grid(
        m.zeros(2, 3, 4), (2, 1, 0, 4, 5), align_corners=False),
    "6-D size": lambda m: m.nn.functional.affine_grid(
        m.zeros(2, 3, 4), (2, 1, 2, 3, 4, 5), align_corners=False),
    "theta batch 5-D": lambda m: m.nn.functional.affine_grid(
        m.zeros(2, 3, 4), (3, 1, 3, 4, 5), align_corners=False),
    "theta batch 4-D": lambda m: m.nn.functional.affine_grid(
        m.zeros(2, 2, 3), (3, 1, 3, 4), align_corners=False),
    "grid last dim 5-D": lambda m: m.nn.functional.grid_sample(
        m.zeros(1, 1, 2, 3, 4), m.zeros(1, 2, 3, 4, 2), align_corners=False),
    "grid 4-D for 5-D input": lambda m: m.nn.functional.grid_sample(
        m.zeros(1, 1, 2, 3, 4), m.zeros(1, 2, 3, 3), align_corners=False),
    "grid 5-D for 4-D input": lambda m: m.nn.functional.grid_sample(
        m.zeros(1, 1, 2, 3), m.zeros(1, 2, 3, 4, 2), align_corners=False),
    "3-D input": lambda m: m.nn.functional.grid_sample(
        m.zeros(1, 2, 3), m.zeros(1, 2, 1), align_corners=False),
    "6-D input": lambda m: m.nn.functional.grid_sample(
        m.zeros(1, 1, 1, 2, 3, 4), m.zeros(1, 1, 2, 3, 4, 4), align_corners=False),
    "batch 5-D": lambda m: m.nn.functional.grid_sample(
        m.zeros(1, 1, 2, 3, 4), m.zeros(2, 2, 3, 4, 3), align_corners=False),
    "empty spatial": lambda m: m.nn.functional.grid_sample(
        m.zeros(1, 1, 0, 3, 4), m.zeros(1, 2, 3, 4, 3), align_corners=False),
    "bicubic 5-D": lambda m: m.nn.functional.grid_sample(
        m.zeros(1, 1, 2, 3, 4), m.zeros(1, 2, 3, 4, 3), mode="bicubic", align_corners=False),
}


@pytest.mark.parametrize("case", list(GRID_ERRORS))
def test_grid_errors_as_torch(case):
    _raises_like_torch(GRID_ERRORS[case])


# ------------------------------------------------------------------- antialiased interpolation

@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("kw", [dict(size=(5, 3)), dict(size=(4, 11)), dict(scale_factor=0.3),
                                dict(scale_factor=(0.45, 0.7)), dict(size=(1, 1)),
                                dict(size=(16, 20))],
                         ids=["5x3", "4x11", "sf0.3", "sf0.45x0.7", "1x1", "up16x20"])
def test_interpolate_antialias(mode, align_corners, kw, dtype):
    """F.interpolate(antialias=True) of a (2, 3, 13, 9) image: down (both axes, one axis,
    scale factors, to one pixel) and up: values, d input and grad_fn name as torch's."""
    rng = np.random.default_rng(11)
    x = rng.standard_normal((2, 3, 13, 9)).astype(dtype)
    res = []
    for m in LIBS:
        xt = m.tensor(x, requires_grad=True)
        y = m.nn.functional.interpolate(xt, mode=mode, align_corners=align_corners,
                                        antialias=True, **kw)
        w = m.tensor(np.linspace(-1, 1, y.numel()).reshape(tuple(y.shape)).astype(dtype))
        (y * w).sum().backward()
        res.append((y.detach().numpy(), xt.grad.numpy(), type(y.grad_fn).__name__))
    (y_t, g_t, name_t), (y_d, g_d, name_d) = res
    assert y_d.shape == y_t.shape and y_d.dtype == np.dtype(dtype) and name_d == name_t
    _close(y_d, y_t, dtype)
    _close(g_d, g_t, dtype)


def test_interpolate_antialias_differs_from_plain():
    """A 3x downsample of a checkerboard: antialias averages it to about 0.5 (as torch)
    where plain bilinear samples the pattern (0 or 1)."""
    x = np.indices((15, 15)).sum(0) % 2 * 1.0
    for m in LIBS:
        xt = m.tensor(x[None, None])
        aa = m.nn.functional.interpolate(xt, size=(5, 5), mode="bilinear", antialias=True)
        plain = m.nn.functional.interpolate(xt, size=(5, 5), mode="bilinear")
        np.testing.assert_allclose(aa.numpy(), 0.5, atol=0.01)
        np.testing.assert_array_equal(np.abs(plain.numpy() - 0.5), 0.5)


AA_ERRORS = {
    "linear 3-D": lambda m: m.nn.functional.interpolate(
        m.zeros(1, 1, 8), size=3, mode="linear", antialias=True),
    "nearest 4-D": lambda m: m.nn.functional.interpolate(
        m.zeros(1, 1, 8, 8), size=3, mode="nearest", antialias=True),
    "area 4-D": lambda m: m.nn.functional.interpolate(
        m.zeros(1, 1, 8, 8), size=3, mode="area", antialias=True),
    "trilinear 5-D": lambda m: m.nn.functional.interpolate(
        m.zeros(1, 1, 4, 4, 4), size=2, mode="trilinear", antialias=True),
    "size and scale": lambda m: m.nn.functional.interpolate(
        m.zeros(1, 1, 8, 8), size=3, scale_factor=0.5, mode="bilinear", antialias=True),
}


@pytest.mark.parametrize("case", list(AA_ERRORS))
def test_interpolate_antialias_errors_as_torch(case):
    _raises_like_torch(AA_ERRORS[case])
