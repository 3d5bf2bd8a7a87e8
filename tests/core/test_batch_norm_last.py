"""The training-mode batch-norm primitives with ``last=True`` (channels on the last axis, the
static front end's NHWC, dlcore/ops/batch_norm_prims.py): the same values, statistics and
first and second derivatives as the channel-axis-1 form on the moved operand, in float64 (the
CPU kernels' channels-last loops, dlcore/kernels/cpu/_jit_batch_norm_last.py), float32 within
rounding, the CUDA kernels under the simulator, and the shape errors naming the last axis."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dt
from dlcore.errors import ShapeError
from dlcore.ops import batch_norm_prims as bn

EPS = 1e-5


def _run(x, w, b, g, last):
    """st, y, gs, dx and the first and second derivatives of sum(y * g) (x, w, b)."""
    t = dt.tensor(x, requires_grad=True)
    ws = [dt.tensor(v, requires_grad=True) for v in (w, b)] if w is not None else [None, None]
    st = bn.batch_norm_stats(t.detach(), last)
    y = bn.batch_norm_train(t, dt.tensor(st.numpy()), ws[0], ws[1], EPS, last)
    ins = [t] + [v for v in ws if v is not None]
    first = dt.autograd.grad((y * dt.tensor(g)).sum(), ins, create_graph=True)
    second = dt.autograd.grad(sum((a * a).sum() for a in first), ins, allow_unused=True)
    gs = bn.batch_norm_grad_stats(g, x, st.numpy(), EPS, last)
    return [st.numpy(), y.detach().numpy(), gs] + [a.detach().numpy() for a in first] + \
        [np.zeros(i.shape) if a is None else a.numpy() for a, i in zip(second, ins)]


@pytest.mark.parametrize("shape", [(4, 3, 3, 2), (5, 3), (3, 2, 4), (2, 16, 3, 5)])
@pytest.mark.parametrize("affine", [True, False])
def test_channels_last_equals_channel_axis_1_on_the_moved_operand(shape, affine):
    rng = np.random.default_rng(sum(shape) + affine)
    c = shape[1]
    x, g = rng.standard_normal(shape), rng.standard_normal(shape)
    w, b = (rng.standard_normal(c), rng.standard_normal(c)) if affine else (None, None)
    ref = _run(x, w, b, g, False)
    got = _run(np.moveaxis(x, 1, -1).copy(), w, b, np.moveaxis(g, 1, -1).copy(), True)
    assert len(got) == len(ref) == 3 + 2 * (3 if affine else 1)
    for i, (p, q) in enumerate(zip(got, ref)):
        if p.shape != q.shape:              # an operand-shaped result: move its axis back
            p = np.moveaxis(p, -1, 1)
        np.testing.assert_allclose(p, q, rtol=1e-10, atol=1e-12, err_msg=str(i))


def test_float32_channels_last_kernels_match_float64():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((4, 5, 6, 16)).astype(np.float32)
    g = rng.standard_normal(x.shape).astype(np.float32)
    w, b = rng.standard_normal(16).astype(np.float32), rng.standard_normal(16).astype(np.float32)
    x64, g64 = x.astype(np.float64), g.astype(np.float64)
    st = bn.batch_norm_stats(x, True)
    ax = (0, 1, 2)
    np.testing.assert_allclose(st, [x64.mean(ax), x64.var(ax)], rtol=2e-6, atol=1e-7)
    y = bn.batch_norm_train(x, st, w, b, EPS, True)
    xhat = (x64 - x64.mean(ax)) / np.sqrt(x64.var(ax) + EPS)
    np.testing.assert_allclose(y, xhat * w + b, rtol=1e-5, atol=1e-5)
    gs = bn.batch_norm_grad_stats(g, x, st, EPS, True)
    np.testing.assert_allclose(gs, [g64.sum(ax), (g64 * xhat).sum(ax)], rtol=1e-4, atol=1e-4)
    dx = bn.batch_norm_grad_x(g, x, st, gs, w, EPS, True)
    n = x.size // 16
    want = w / np.sqrt(x64.var(ax) + EPS) * (g64 - g64.sum(ax) / n
                                             - xhat * (g64 * xhat).sum(ax) / n)
    np.testing.assert_allclose(dx, want, rtol=1e-4, atol=1e-4)
    assert y.dtype == dx.dtype == st.dtype == np.float32


def test_cuda_simulator_kernels_equal_cpu():
    from dlcore.device import cuda_available
    if not cuda_available():
        pytest.skip("no CUDA (real or simulated)")
    rng = np.random.default_rng(4)
    x = rng.standard_normal((3, 4, 8)).astype(np.float32)
    g = rng.standard_normal(x.shape).astype(np.float32)
    w = rng.standard_normal(8).astype(np.float32)
    st = bn.batch_norm_stats(x, True)
    gs = bn.batch_norm_grad_stats(g, x, st, EPS, True)
    cpu = [st, bn.batch_norm_train(x, st, w, None, EPS, True), gs,
           bn.batch_norm_grad_x(g, x, st, gs, w, EPS, True)]
    d = [dt.tensor(a).cuda() for a in (x, g, w, st, gs)]
    dev = [bn.batch_norm_stats(d[0], True), bn.batch_norm_train(d[0], d[3], d[2], None, EPS,
                                                                True),
           bn.batch_norm_grad_stats(d[1], d[0], d[3], EPS, True),
           bn.batch_norm_grad_x(d[1], d[0], d[3], d[4], d[2], EPS, True)]
    for p, q in zip(dev, cpu):
        np.testing.assert_allclose(p.cpu().numpy(), q, rtol=1e-5, atol=1e-5)


def test_shape_errors_name_the_last_axis():
    x = np.zeros((2, 3, 5))
    st = bn.batch_norm_stats(x, True)
    assert st.shape == (2, 5)
    with pytest.raises(ShapeError, match=r"batch_norm_train: the statistics must have shape "
                       r"\[2, 5\], got \[2, 3\]"):
        bn.batch_norm_train(x, np.zeros((2, 3)), None, None, EPS, True)
    with pytest.raises(ShapeError, match=r"batch_norm_train: weight must have shape \[5\]"):
        bn.batch_norm_train(x, st, np.ones(3), None, EPS, True)


@pytest.mark.parametrize("dtype,tol", [("float32", 0.0), ("float64", 1e-13)])
def test_a_2d_operand_takes_the_channels_last_loops_with_the_same_values(dtype, tol):
    """(N, C), BatchNorm1d's features: the channels-last loops on it as (M, C) agree with the
    per-channel loops on the same numbers viewed (N, C, 1), and with NumPy."""
    from dlcore.kernels.cpu import batch_norm as k
    rng = np.random.default_rng(7)
    x = (rng.standard_normal((33, 17)) * 3 + 1).astype(dtype)
    g = rng.standard_normal(x.shape).astype(dtype)
    w, b = rng.standard_normal(17).astype(dtype), rng.standard_normal(17).astype(dtype)
    col = (lambda a: a[:, :, None])
    st, st3 = k.batch_norm_stats(x), k.batch_norm_stats(col(x))
    x64 = x.astype(np.float64)
    np.testing.assert_allclose(st, [x64.mean(0), x64.var(0)], rtol=2e-6, atol=1e-7)
    pairs = [(st, st3),
             (k.batch_norm_train(x, st, w, b, eps=EPS, affine="wb"),
              k.batch_norm_train(col(x), st, w, b, eps=EPS, affine="wb")[:, :, 0]),
             (k.batch_norm_grad_stats(g, x, st, eps=EPS),
              k.batch_norm_grad_stats(col(g), col(x), st, eps=EPS))]
    gs = pairs[2][0]
    pairs.append((k.batch_norm_grad_x(g, x, st, gs, w, eps=EPS, affine="wb"),
                  k.batch_norm_grad_x(col(g), col(x), st, gs, w, eps=EPS, affine="wb")[:, :, 0]))
    for got, want in pairs:
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol)
