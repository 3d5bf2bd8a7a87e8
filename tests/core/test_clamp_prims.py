"""The clamp primitive and its gradient (dlcore/ops/clamp.py, kernels in
dlcore/kernels/cpu/clamp.py): clamp is ``minimum(maximum(x, lo), hi)`` bit for bit (signed zeros
at ties, NaN in x or a bound, lo > hi, a bound absent, every layout, float16/float32/float64 and
the eager 16-bit path); clamp_grad is PyTorch's clamp_backward (g on [lo, hi] inclusive, 0 at a
NaN x or bound); gradients against central finite differences (float64, random cotangent) and
against PyTorch, first and second order; one tape node per clamp and per clamp gradient."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dl
from dlcore import functional as F
from dlcore import ops
from dlcore.kernels.cpu import clamp as K
from dlcore.ops.clamp import clamp_grad_p, clamp_p
from dlcore.registry import scalar_buffer

VALUES = [-0.0, 0.0, float("nan"), -1.5, 2.0, 0.3, -0.5, 0.5, 1.0, -1.0, float("inf"),
          -float("inf")]
BOUNDS = [(0.0, 1.0), (-0.0, 0.0), (-1.0, -0.0), (0.0, -0.0), (-0.5, 0.5), (1.0, -1.0),
          (None, 0.0), (0.0, None), (None, -0.0), (-0.0, None), (-1, 1), (0, None),
          (float("nan"), 1.0), (-1.0, float("nan")), (-float("inf"), float("inf")), (0.3, 0.3)]


def _same(a, b) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def _composite(x, lo, hi):
    """Today's composite on buffers: maximum's then minimum's kernels (float16: theirs in
    float32, the bounds rounded to float16 first, as the eager front end computes it)."""
    d = x.dtype
    if d == np.float16:
        def r(v):
            return None if v is None else float(np.float16(v))
        return _composite(x.astype(np.float32), r(lo), r(hi)).astype(d)
    y = x if lo is None else ops.maximum(x, scalar_buffer(lo, d))
    return y if hi is None else ops.minimum(y, scalar_buffer(hi, d))


def _torch_grad(x, lo, hi, g):
    """PyTorch's clamp_backward: g where lo <= x <= hi (the bound's comparisons), else 0."""
    m = np.ones(x.shape, bool)
    with np.errstate(invalid="ignore"):
        if lo is not None:
            m &= x >= x.dtype.type(lo)
        if hi is not None:
            m &= x <= x.dtype.type(hi)
    return np.where(m, g, np.zeros((), g.dtype))


def _sample(dtype, shape, seed=0):
    return np.random.default_rng(seed).choice(np.array(VALUES, dtype), size=shape)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_forward_is_the_composite_bit_for_bit(dtype):
    x = _sample(dtype, (5, 7))
    for lo, hi in BOUNDS:
        if lo is None and hi is None:
            continue
        for v in (x, x[:, ::2], x.T, np.asfortranarray(x), x[0, 0].reshape(()), x[:0]):
            got = ops.clamp(v, lo, hi)
            assert _same(got, _composite(v, lo, hi)), (lo, hi, v.shape)
            assert _same(K._select(v, *K.bounds(lo, hi, v.dtype)), got), (lo, hi)


def test_forward_values_against_numpy():
    x = np.linspace(-2, 2, 17)
    for dtype in (np.float32, np.float64):
        v = x.astype(dtype)
        assert _same(ops.clamp(v, -0.5, 1.25), np.clip(v, -0.5, 1.25))
        assert _same(ops.clamp(v, lo=0.5), np.maximum(v, dtype(0.5)))
        assert _same(ops.clamp(v, hi=-0.25), np.minimum(v, dtype(-0.25)))
    with pytest.raises(ValueError, match="at least one"):
        ops.clamp(x)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_grad_kernel_is_torchs_rule(dtype):
    x = _sample(dtype, (4, 6), seed=1)
    g = np.random.default_rng(2).standard_normal((4, 6)).astype(dtype)
    g.flat[:3] = [np.nan, np.inf, -0.0]
    for lo, hi in BOUNDS:
        want = _torch_grad(x, lo, hi, g)
        assert _same(K.clamp_grad(g, x, lo=lo, hi=hi), want), (lo, hi)
        # the other layouts: Fortran order, strided views, a sum's broadcast cotangent
        assert _same(K.clamp_grad(np.asfortranarray(g), np.asfortranarray(x), lo=lo, hi=hi),
                     want)
        assert _same(K.clamp_grad(g[:, ::2], x[:, ::2], lo=lo, hi=hi), want[:, ::2])
        gt = np.ascontiguousarray(g.T)          # (x.T Fortran-ordered, g C-ordered)
        assert _same(K.clamp_grad(gt, x.T, lo=lo, hi=hi), _torch_grad(x.T, lo, hi, gt))
        one = np.broadcast_to(dtype(1.5), x.shape)
        assert _same(K.clamp_grad(one, x, lo=lo, hi=hi), _torch_grad(x, lo, hi, one))


def test_grad_kernel_fallbacks():
    """float16 and broadcasting operands: np.where, the same rule."""
    x = _sample(np.float16, (3, 4), seed=3)
    g = np.arange(12, dtype=np.float16).reshape(3, 4)
    assert _same(ops.clamp_grad(g, x, -0.5, 0.5), _torch_grad(x, -0.5, 0.5, g))
    x32 = _sample(np.float32, (3, 4), seed=3)
    g32 = np.arange(4, dtype=np.float32)
    got = ops.clamp_grad(g32, x32, -0.5, None)
    assert _same(got, _torch_grad(x32, -0.5, None, np.broadcast_to(g32, (3, 4)).copy()))


def test_shape_rules_refuse_non_floats():
    from dlcore.errors import DTypeNotImplemented
    with pytest.raises(DTypeNotImplemented):
        ops.clamp(np.arange(3), 0, 1)
    with pytest.raises(DTypeNotImplemented):
        ops.clamp_grad(np.ones(3, np.float32), np.ones(3, np.float64), 0, 1)


def _fd(f, x, g, eps=1e-6):
    out = np.zeros_like(x)
    for i in range(x.size):
        d = np.zeros_like(x)
        d.flat[i] = eps
        out.flat[i] = np.sum(g * (f(x + d) - f(x - d))) / (2 * eps)
    return out


@pytest.mark.parametrize("lo, hi", [(-0.5, 0.5), (None, 0.25), (-0.25, None), (0.5, -0.5)])
def test_gradient_against_finite_differences(lo, hi):
    rng = np.random.default_rng(5)
    x = rng.uniform(-1, 1, (3, 5))
    x[np.abs(np.abs(x) - 0.5) < 1e-3] += 0.01         # (off the kinks)
    x[np.abs(np.abs(x) - 0.25) < 1e-3] += 0.01
    g = rng.standard_normal((3, 5))
    out, vjp = F.vjp(lambda v: ops.clamp(v, lo, hi), x)
    (got,) = vjp(g)
    np.testing.assert_allclose(got.buf, _fd(lambda v: ops.clamp(v, lo, hi), x, g), atol=1e-8)
    # the gradient's own vjp: the same mask in g, zeros in x
    c = rng.standard_normal((3, 5))
    _, vjp2 = F.vjp(lambda u, v: ops.clamp_grad(u, v, lo, hi), g, x)
    dg, dx = vjp2(c)
    np.testing.assert_allclose(dg.buf, _fd(lambda u: ops.clamp_grad(u, x, lo, hi), g, c),
                               atol=1e-8)
    assert not np.any(dx.buf) and dx.buf.shape == x.shape


# ----------------------------------------------------------------------------- eager
def test_one_node_forward_and_backward():
    x = dl.randn(4, 8, requires_grad=True)
    y = x.clamp(-0.5, 0.5)
    assert y.grad_fn.prim is clamp_p and type(y.grad_fn).__name__ == "ClampBackward1"
    v = dl.randn(4, 8, requires_grad=True)
    (gx,) = dl.autograd.grad(y, x, v, create_graph=True)
    assert gx.grad_fn.prim is clamp_grad_p and type(gx.grad_fn).__name__ == "WhereBackward0"
    assert [n is None for n, _ in gx.grad_fn.next_functions] == [False, True]


def test_half_types_keep_the_composites_values():
    """float16/bfloat16: computed in float32 with the bounds rounded to the 16-bit type first,
    as maximum/minimum's number operands are (the composite of dlcore's ops, on tensors)."""
    for dt in (dl.float16, dl.bfloat16):
        x = dl.tensor(np.linspace(-2, 2, 41), dtype=dt, requires_grad=True)
        for lo, hi in ((-0.3, 0.1), (0.1, None), (None, -1e-3), (1e5, None), (None, 7e4)):
            if dt == dl.float16 and (lo == 1e5 or hi == 7e4):
                continue                    # (past float16's range: refused, as torch)
            got = x.clamp(lo, hi)
            want = x
            if lo is not None:
                want = ops.maximum(want, lo)
            if hi is not None:
                want = ops.minimum(want, hi)
            assert got.dtype == dt and _same(got.detach().float().numpy(),
                                             want.detach().float().numpy()), (dt, lo, hi)
            (g1,) = dl.autograd.grad(got.sum(), x)
            (g2,) = dl.autograd.grad(want.sum(), x)
            assert _same(g1.float().numpy(), g2.float().numpy()), (dt, lo, hi)


torch_cases = pytest.mark.parametrize("lo, hi", [
    (-0.5, 0.5), (0.0, 1.0), (-0.0, 0.0), (None, 0.5), (-0.5, None), (0.5, -0.5),
    (float("nan"), 0.5), (0.3, 0.3), (-1, 1)])


@torch_cases
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_values_and_gradients_against_torch(lo, hi, dtype):
    torch = pytest.importorskip("torch")
    a = _sample(dtype, (3, 8), seed=7)
    a[0, :4] = [lo or 0.0, hi or 0.0, -0.0, 0.0]          # (ties at the bounds)
    g = np.random.default_rng(8).standard_normal((3, 8)).astype(dtype)
    xt = torch.tensor(a, requires_grad=True)
    xd = dl.tensor(a, requires_grad=True)
    yt, yd = xt.clamp(lo, hi), xd.clamp(lo, hi)
    assert _same(yd.detach().numpy(), yt.detach().numpy())
    assert type(yd.grad_fn).__name__ == type(yt.grad_fn).__name__
    (gt,) = torch.autograd.grad(yt, xt, torch.tensor(g))
    (gd,) = dl.autograd.grad(yd, xd, dl.tensor(g))
    assert _same(gd.numpy(), gt.numpy())


@torch_cases
def test_double_backward_against_torch(lo, hi):
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(9).uniform(-1, 1, (2, 6))
    a[0, :2] = [lo or 0.0, hi or 0.0]
    w = np.random.default_rng(10).standard_normal((2, 6))
    res = []
    for T in (torch, dl):
        x = T.tensor(a, requires_grad=True)
        y = x.clamp(lo, hi)
        z = (y * y * T.tensor(w)).sum()
        (gx,) = T.autograd.grad(z, x, create_graph=True)
        (ggx,) = T.autograd.grad((gx * T.tensor(w)).sum(), x)
        v = T.tensor(w, requires_grad=True)
        (g1,) = T.autograd.grad(x.clamp(lo, hi), x, v, create_graph=True)
        (gv,) = T.autograd.grad((g1 * g1).sum(), v)
        res.append([t.detach().numpy() for t in (gx, ggx, g1, gv)])
    for u, t in zip(res[1], res[0]):
        assert _same(u, t)


def test_forward_ad_against_torch():
    torch = pytest.importorskip("torch")
    a = np.array([-1.0, -0.5, 0.2, 0.5, 1.0, np.nan], np.float32)
    t = np.arange(1.0, 7.0, dtype=np.float32)
    res = []
    for T in (torch, dl):
        fw = T.autograd.forward_ad
        with fw.dual_level():
            d = fw.make_dual(T.tensor(a), T.tensor(t))
            res.append([fw.unpack_dual(f(d)).tangent.numpy() for f in (
                lambda v: v.clamp(-0.5, 0.5), lambda v: v.clamp_min(0.2),
                lambda v: v.clamp(max=0.5))])
    for u, v in zip(res[1], res[0]):
        assert _same(u, v)


def test_inplace_clamp_recorded_and_not():
    w = dl.tensor([-2.0, 0.25, 3.0], requires_grad=True)
    y = w * 1.0
    y.clamp_(-1.0, 1.0)
    assert y.grad_fn.prim is clamp_p and y.tolist() == [-1.0, 0.25, 1.0]
    y.sum().backward()
    assert w.grad.tolist() == [0.0, 1.0, 0.0]
    with dl.no_grad():
        w.clamp_(max=0.0)
    assert w.tolist() == [-2.0, 0.0, 0.0]
