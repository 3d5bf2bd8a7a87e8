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


# ------------------------------------------------------------ EmbeddingBag(scale_grad_by_freq)

W7 = np.random.default_rng(5).standard_normal((7, 3))


def _bag_run(m, idx, offsets, dtype, psw=False, module=False, **kw):
    """embedding_bag(scale_grad_by_freq=True) of W7 in ``m``; a fixed cotangent: output,
    d weight and d per_sample_weights."""
    w = m.tensor(W7.astype(dtype), requires_grad=True)
    ps = (m.tensor(np.linspace(0.5, 2.0, idx.size).reshape(idx.shape).astype(dtype),
                   requires_grad=True) if psw else None)
    off = None if offsets is None else m.tensor(offsets)
    if module:
        bag = m.nn.EmbeddingBag(7, 3, scale_grad_by_freq=True, _weight=w, **kw)
        y = bag(m.tensor(idx), off, per_sample_weights=ps)
        w = bag.weight
    else:
        y = m.nn.functional.embedding_bag(m.tensor(idx), w, off, per_sample_weights=ps,
                                          scale_grad_by_freq=True, **kw)
    g = m.tensor(np.linspace(-1, 1, y.numel()).reshape(tuple(y.shape)).astype(dtype))
    (y * g).sum().backward()
    return [y.detach().numpy(), w.grad.numpy()] + ([ps.grad.numpy()] if psw else [])


# every index repeated equally often: torch 2.13's CPU kernel is right on these (see below)
EQUAL_COUNTS = [(np.array([4, 2, 4, 0, 2, 0, 6, 6]), np.array([0, 3, 3, 5])),
                (np.array([[1, 3], [3, 1], [5, 5]]), None)]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("mode,psw", [("sum", False), ("sum", True), ("mean", False)])
@pytest.mark.parametrize("padding_idx", [None, 2])
@pytest.mark.parametrize("case", [0, 1], ids=["1d-offsets", "2d"])
@pytest.mark.parametrize("module", [False, True], ids=["F", "nn"])
def test_embedding_bag_scale_grad_by_freq_vs_torch(case, mode, psw, padding_idx, dtype,
                                                   module):
    """F.embedding_bag / nn.EmbeddingBag(scale_grad_by_freq=True): values, d weight (each
    index's rows divided by its frequency in the whole input) and d per_sample_weights."""
    idx, offs = EQUAL_COUNTS[case]
    kw = dict(mode=mode, padding_idx=padding_idx)
    ref, got = (_bag_run(m, idx, offs, dtype, psw, module, **kw) for m in LIBS)
    for a, b in zip(got, ref):
        _close(a, b, dtype)


@pytest.mark.parametrize("mode,psw", [("sum", False), ("sum", True), ("mean", False)])
@pytest.mark.parametrize("padding_idx", [None, 1])
def test_embedding_bag_scale_grad_by_freq_mixed_counts(mode, psw, padding_idx):
    """Indices of different frequencies: the documented semantics, i.e. torch's own
    F.embedding(scale_grad_by_freq=True) rows reduced per bag (torch 2.13's CPU embedding_bag
    kernel divides by the wrong count here, pytorch/pytorch#190063, fixed after 2.13; its
    CUDA kernel and nn.Embedding agree with this)."""
    idx, offs = np.array([1, 2, 1, 3, 1, 0, 2, 5, 5, 1]), np.array([0, 3, 3, 5, 8])
    got = _bag_run(dt, idx, offs, "float64", psw, mode=mode, padding_idx=padding_idx)
    w = torch.tensor(W7, requires_grad=True)
    ps = torch.tensor(np.linspace(0.5, 2.0, idx.size), requires_grad=True)
    rows = torch.nn.functional.embedding(torch.tensor(idx), w, padding_idx=padding_idx,
                                         scale_grad_by_freq=True)
    outs = []
    for a, e in zip(offs, list(offs[1:]) + [idx.size]):
        keep = [j for j in range(a, e) if idx[j] != padding_idx]
        r = rows[keep] * (ps[keep, None] if psw else 1.0)
        outs.append(r.mean(0) if mode == "mean" and keep else r.sum(0))
    y = torch.stack(outs)
    (y * torch.tensor(np.linspace(-1, 1, y.numel()).reshape(tuple(y.shape)))).sum().backward()
    ref = [y.detach().numpy(), w.grad.numpy()] + ([ps.grad.numpy()] if psw else [])
    for a, b in zip(got, ref):
        _close(a, b, "float64")


def test_embedding_bag_scale_grad_by_freq_hand_value():
    """pytorch/pytorch#190063's example, by hand: indices [1, 1, 3] in one summed bag give
    rows 1 and 3 of d weight 2/2 = 1 and 1/1 = 1."""
    w = dt.ones(4, 3, requires_grad=True)
    dt.nn.functional.embedding_bag(dt.tensor([1, 1, 3]), w, dt.tensor([0]), mode="sum",
                                   scale_grad_by_freq=True).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy()[:, 0], [0.0, 1.0, 0.0, 1.0])


BAG_ERRORS = {
    "F max": lambda m: m.nn.functional.embedding_bag(
        m.tensor([1, 2]), m.ones(4, 2), m.tensor([0]), mode="max", scale_grad_by_freq=True),
    "F max sparse": lambda m: m.nn.functional.embedding_bag(
        m.tensor([1, 2]), m.ones(4, 2), m.tensor([0]), mode="max", scale_grad_by_freq=True,
        sparse=True),
    "nn max": lambda m: m.nn.EmbeddingBag(4, 2, mode="max", scale_grad_by_freq=True)(
        m.tensor([1, 2]), m.tensor([0])),
    "sparse backward": lambda m: m.nn.functional.embedding_bag(
        m.tensor([1, 2]), m.ones(4, 2, requires_grad=True), m.tensor([0]), mode="sum",
        scale_grad_by_freq=True, sparse=True).sum().backward(),
}


@pytest.mark.parametrize("case", list(BAG_ERRORS))
def test_embedding_bag_scale_grad_by_freq_errors_as_torch(case):
    _raises_like_torch(BAG_ERRORS[case])


@pytest.mark.cuda
def test_breadth5d_on_cuda_as_on_cpu():
    """The three on a CUDA device (Numba's simulator in CI), tiny shapes: the same values and
    gradients as on the CPU (all three are dlcore compositions, no kernel of their own)."""
    import dlcore
    if not dlcore.cuda_available():
        pytest.skip("numba.cuda is not usable (no GPU and no simulator)")
    rng = np.random.default_rng(0)
    x, img = rng.standard_normal((1, 1, 2, 2, 3)), rng.standard_normal((1, 1, 6, 5))
    th = np.eye(3, 4)[None] * 1.1
    out = {}
    for dev in ("cpu", "cuda"):
        xt = dt.tensor(x, requires_grad=True, device=dev)
        tt = dt.tensor(th, requires_grad=True, device=dev)
        g = dt.nn.functional.affine_grid(tt, (1, 1, 2, 2, 2), align_corners=False)
        y = dt.nn.functional.grid_sample(xt, g, padding_mode="reflection", align_corners=False)
        y.sum().backward()
        a = dt.tensor(img, requires_grad=True, device=dev)
        z = dt.nn.functional.interpolate(a, size=(2, 2), mode="bicubic", antialias=True)
        z.sum().backward()
        w = dt.tensor(np.arange(8.0).reshape(4, 2), requires_grad=True, device=dev)
        e = dt.nn.functional.embedding_bag(dt.tensor([1, 1, 3], device=dev), w,
                                           dt.tensor([0], device=dev), mode="sum",
                                           scale_grad_by_freq=True)
        e.sum().backward()
        assert y.device.type == z.device.type == e.device.type == w.grad.device.type == dev
        out[dev] = [t.detach().cpu().numpy() for t in (y, xt.grad, tt.grad, z, a.grad, e, w.grad)]
    for p, q in zip(out["cpu"], out["cuda"]):
        _close(q, p, "float64")
