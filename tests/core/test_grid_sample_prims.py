"""2-D grid_sample as the primitives of dlcore/ops/grid_sample.py: the cell an identity grid's
exact pixel centres fall in (PyTorch's fused unnormalisation; the grid's gradient jumps between
cells), strided operands, the routing (16-bit types and 5-D keep the composite), the shape
rules' errors, and the nested recomputation (dlcore/recompute.py) that gives the grid
gradient its own vjp, with a composite closing over a value of the enclosing call."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

import dlcore
from dlcore import ops
from dlcore.errors import ShapeError
from dlcore.recompute import composite_vjp

gs = importlib.import_module("dlcore.ops.grid_sample")      # (ops.grid_sample: the function)
torch = pytest.importorskip("torch")
F = torch.nn.functional


@pytest.mark.parametrize("align", [False, True])
@pytest.mark.parametrize("size", [17, 28])
def test_identity_grid_gradient_as_torch(align, size):
    """theta = identity: every point is a pixel centre, (g + 1) s - 1/2 lands on an integer or
    next to it; the grid gradient is the slope of the cell PyTorch picks (a wrong cell is off
    by the difference of two neighbours' slopes, not by rounding)."""
    rng = np.random.default_rng(size)
    x = rng.standard_normal((2, 3, size, size)).astype(np.float32)
    theta = np.tile(np.array([[1, 0, 0], [0, 1, 0]], np.float32), (2, 1, 1))
    grid = F.affine_grid(torch.tensor(theta), [2, 3, size, size], align_corners=align).numpy()
    g = rng.standard_normal((2, 3, size, size)).astype(np.float32)
    kw = dict(mode="bilinear", padding_mode="zeros", align_corners=align)
    gt = torch.tensor(grid, requires_grad=True)
    y = F.grid_sample(torch.tensor(x), gt, **kw)
    y.backward(torch.tensor(g))
    np.testing.assert_allclose(gs.grid_sample(x, grid, **kw), y.detach().numpy(), atol=2e-6)
    np.testing.assert_allclose(gs.grid_sample_grad_grid_p.bind(g, x, grid, **kw),
                               gt.grad.numpy(), rtol=1e-4, atol=1e-4)


def test_strided_operands_read_as_their_values():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 5, 4, 3)).astype(np.float32).transpose(0, 3, 2, 1)
    grid = rng.uniform(-1.1, 1.1, (2, 2, 6, 3)).astype(np.float32).transpose(0, 2, 3, 1)[..., :2]
    kw = dict(mode="bilinear", padding_mode="border", align_corners=False)
    want = F.grid_sample(torch.tensor(x.copy()), torch.tensor(grid.copy()), **kw).numpy()
    np.testing.assert_allclose(gs.grid_sample(x, grid, **kw), want, atol=2e-6)


def test_half_types_and_5d_keep_the_composite():
    import dlcore_eager as dl
    rng = np.random.default_rng(2)
    x = rng.standard_normal((1, 2, 3, 4)).astype(np.float32)
    grid = rng.uniform(-1, 1, (1, 2, 2, 2)).astype(np.float32)
    y4 = dl.nn.functional.grid_sample(dl.tensor(x, requires_grad=True), dl.tensor(grid),
                                      align_corners=False)
    assert type(y4.grad_fn).__name__ == "GridSampler2DBackward0"
    for half in (dl.float16, dl.bfloat16):
        xh = dl.tensor(x).to(half).requires_grad_()
        y = dl.nn.functional.grid_sample(xh, dl.tensor(grid).to(half), align_corners=False)
        assert y.dtype == half and y.grad_fn is not None
        assert type(y.grad_fn).__name__ != "GridSampler2DBackward0"
        np.testing.assert_allclose(y.detach().float().numpy(), y4.detach().numpy(), atol=0.05)
    x5 = dl.randn(1, 1, 2, 3, 4, requires_grad=True)
    y5 = dl.nn.functional.grid_sample(x5, dl.rand(1, 1, 2, 2, 3) * 2 - 1, align_corners=False)
    assert type(y5.grad_fn).__name__ != "GridSampler2DBackward0"


@pytest.mark.parametrize("shapes,dtypes,match", [
    (((2, 3, 4, 5), (2, 3, 3, 3)), (np.float32,) * 2, r"grid \(N, Ho, Wo, 2\)"),
    (((2, 3, 4, 5), (3, 3, 3, 2)), (np.float32,) * 2, "differ in batch size"),
    (((2, 3, 0, 5), (2, 3, 3, 2)), (np.float32,) * 2, "non-empty spatial"),
    (((2, 3, 4, 5), (2, 3, 3, 2)), (np.float32, np.float64), "dtype"),
])
def test_shape_rule_errors_name_the_op_and_shapes(shapes, dtypes, match):
    x, grid = (np.zeros(s, d) for s, d in zip(shapes, dtypes))
    with pytest.raises((ShapeError, TypeError), match=match) as info:
        gs.grid_sample_p.bind(x, grid, mode="bilinear", padding_mode="zeros",
                              align_corners=False)
    assert "grid_sample2d" in str(info.value)


def test_mode_and_padding_are_checked():
    x, grid = np.zeros((1, 1, 2, 2), np.float32), np.zeros((1, 1, 1, 2), np.float32)
    with pytest.raises(ValueError, match="padding_mode 'wrap'"):
        gs.grid_sample_p.bind(x, grid, mode="bilinear", padding_mode="wrap",
                              align_corners=False)


def test_nested_recomputation_keeps_the_enclosing_values_dependence():
    """d/d(a, b, c) of c * d/db (a b^2) = 2 a b c: the inner composite closes over ``a`` of the
    enclosing call, which must still see the product depend on it."""
    a, b, c = np.array([1.5, -2.0]), np.array([0.5, 3.0]), np.array([2.0, -1.0])

    def inner_grad(c_, a_, b_):
        return composite_vjp(lambda bb: (ops.mul(a_, ops.mul(bb, bb)),), (b_,), (c_,))
    got = composite_vjp(inner_grad, (c, a, b), (np.ones(2),))
    np.testing.assert_allclose(got[0], 2 * a * b)          # d/dc
    np.testing.assert_allclose(got[1], 2 * b * c)          # d/da
    np.testing.assert_allclose(got[2], 2 * a * c)          # d/db


def test_the_primitives_are_registered_with_kernels_for_both_devices():
    for name in ("grid_sample2d", "grid_sample2d_grad_input", "grid_sample2d_grad_grid"):
        p = dlcore.PRIMITIVES[name]
        assert callable(p.kernels["cpu"]) and callable(p.kernels["cuda"]) and p.vjp


def test_a_second_process_loads_the_loops_from_the_disk_cache(tmp_path):
    """The loops of one (mode, padding) are closures over two ints only: Numba keys a closure's
    cache entry by its pickled cells, and cells holding jitted helpers pickled with a random
    identity, so every process compiled all three loops again (about 2 s each) and appended a
    new entry to the index (800 entries a loop after a few days of test runs)."""
    import os
    import subprocess
    import sys
    code = ("import numpy as np\n"
            "from dlcore.kernels.cpu import grid_sample as G, _jit_grid_sample as J\n"
            "x = np.ones((1, 1, 3, 3), np.float32); g = np.zeros((1, 2, 2, 2), np.float32)\n"
            "kw = dict(mode='bilinear', padding_mode='reflection', align_corners=False)\n"
            "G.grid_sample(x, g, **kw); G.grid_sample_grad_input(np.ones((1, 1, 2, 2), "
            "np.float32), g, size=(3, 3), **kw)\n"
            "G.grid_sample_grad_grid(np.ones((1, 1, 2, 2), np.float32), x, g, **kw)\n"
            "l = J.loops(0, 2)\n"
            "print(sum(sum(f.stats.cache_misses.values()) for f in (l.forward, l.grad_input, "
            "l.grad_grid)), sum(sum(f.stats.cache_hits.values()) for f in (l.forward, "
            "l.grad_input, l.grad_grid)))\n")
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env["DLCORE_CACHE_DIR"] = str(tmp_path)
    runs = [subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                           text=True, check=True).stdout.split() for _ in range(2)]
    assert runs[0] == ["3", "0"]        # the first process compiles the three loops and saves
    assert runs[1] == ["0", "3"]        # the second loads all three
