"""The fused training-mode batch-norm primitives (dlcore/ops/batch_norm_prims.py) behind the
eager ``F.batch_norm`` / ``nn.BatchNorm*d``: values, running statistics, first to third
derivatives against PyTorch 2.13 in float64, the float32 module, the CUDA kernels under the
simulator, and the primitives' shape/dtype errors.

PyTorch's own third derivative of ``F.batch_norm`` is not the derivative of its second (it
differs from its composite ``(x - mean) / sqrt(var + eps)`` by O(1)), so orders three and up are
compared with torch's composite."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dt
from dlcore.errors import DTypeError, ShapeError
from dlcore.ops import batch_norm_prims as bn

torch = pytest.importorskip("torch")

EPS = 1e-5


def _composite(x, w, b):
    ax = [0] + list(range(2, x.ndim))
    sh = [1, -1] + [1] * (x.ndim - 2)
    m = x.mean(ax, keepdim=True)
    y = (x - m) / torch.sqrt(((x - m) ** 2).mean(ax, keepdim=True) + EPS)
    return y if w is None else y * w.reshape(sh) + b.reshape(sh)


def _orders(fn, ins, lib, seeds):
    """Successive gradients of sum(output * seed) with respect to ``ins``."""
    cur, out = (fn(*ins),), []
    for cs in seeds:
        tot = sum([(a * lib.tensor(c)).sum() for a, c in zip(cur, cs) if a is not None])
        cur = lib.autograd.grad(tot, ins, create_graph=True, allow_unused=True)
        out.append(cur)
    return out


@pytest.mark.parametrize("shape", [(4, 3, 3, 2), (5, 3), (3, 2, 4)])
@pytest.mark.parametrize("affine", [True, False])
def test_values_running_stats_and_derivatives_equal_torch(shape, affine):
    rng = np.random.default_rng(sum(shape) + affine)
    c = shape[1]
    x, w, b = rng.standard_normal(shape), rng.standard_normal(c), rng.standard_normal(c)
    rm, rv = rng.standard_normal(c), rng.uniform(0.5, 2.0, c)
    res = {}
    for m in (torch, dt):
        ins = [m.tensor(x, requires_grad=True)]
        if affine:
            ins += [m.tensor(w, requires_grad=True), m.tensor(b, requires_grad=True)]
        stats = (m.tensor(rm), m.tensor(rv))

        def f(*a, m=m, stats=stats):
            return m.nn.functional.batch_norm(a[0], *stats, *(a[1:] if affine else (None,
                                              None)), True, 0.3, EPS)
        y = f(*ins)
        seeds = [[rng.standard_normal(shape)], [rng.standard_normal(t.shape) for t in ins]]
        res[m] = (y, stats, _orders(f, ins, m, seeds) if m is torch else None, ins, f)
        if m is torch:
            res["seeds"] = seeds
    ty, (trm, trv), tgrads, _, _ = res[torch]
    dy, (drm, drv), _, dins, df = res[dt]
    dgrads = _orders(df, dins, dt, res["seeds"])
    np.testing.assert_allclose(dy.detach().numpy(), ty.detach().numpy(), rtol=1e-10, atol=1e-12)
    # running stats updated twice (two forward calls in each library)
    for d, t in ((drm, trm), (drv, trv)):
        np.testing.assert_allclose(d.numpy(), t.numpy(), rtol=1e-12, atol=1e-14)
    for tg, dg in zip(tgrads, dgrads):
        for p, q in zip(tg, dg):
            assert (p is None) == (q is None)
            if p is not None:
                np.testing.assert_allclose(q.detach().numpy(), p.detach().numpy(),
                                           rtol=1e-10, atol=1e-11)


def test_third_derivative_equals_torch_composite():
    rng = np.random.default_rng(7)
    x, w, b = rng.standard_normal((4, 2, 3)), rng.standard_normal(2), rng.standard_normal(2)
    seeds = [[rng.standard_normal((4, 2, 3))]] + [[rng.standard_normal(a.shape)
                                                    for a in (x, w, b)]] * 2
    t = _orders(_composite, [torch.tensor(a, requires_grad=True) for a in (x, w, b)], torch,
                seeds)
    d = _orders(lambda *a: dt.nn.functional.batch_norm(a[0], None, None, a[1], a[2], True, 0.1,
                                                       EPS),
                [dt.tensor(a, requires_grad=True) for a in (x, w, b)], dt, seeds)
    for p, q in zip(t[2], d[2]):
        assert (p is None) == (q is None)
        if p is not None:
            np.testing.assert_allclose(q.detach().numpy(), p.detach().numpy(), rtol=1e-9,
                                       atol=1e-10)


def test_float32_module_uses_the_fused_primitives():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((4, 3, 5, 5)).astype(np.float32)
    g = rng.standard_normal(x.shape).astype(np.float32)
    calls = []
    kern = bn.batch_norm_train_p.kernels["cpu"]
    bn.batch_norm_train_p.kernels["cpu"] = lambda *a, **k: calls.append(1) or kern(*a, **k)
    try:
        out = {}
        for m in (torch, dt):
            mod = m.nn.BatchNorm2d(3)
            xt = m.tensor(x, requires_grad=True)
            y = mod(xt)
            y.backward(m.tensor(g))
            out[m] = [y.detach().numpy(), xt.grad.numpy(), mod.weight.grad.numpy(),
                      mod.bias.grad.numpy(), mod.running_mean.numpy(), mod.running_var.numpy()]
    finally:
        bn.batch_norm_train_p.kernels["cpu"] = kern
    assert calls == [1]
    for d, t in zip(out[dt], out[torch]):
        np.testing.assert_allclose(d, t, rtol=1e-4, atol=1e-5)


def test_cuda_simulator_kernels_equal_cpu():
    rng = np.random.default_rng(4)
    x, g = rng.standard_normal((3, 2, 2, 2)), rng.standard_normal((3, 2, 2, 2))
    w, b = rng.standard_normal(2), rng.standard_normal(2)
    st = bn.batch_norm_stats(x)
    gs = bn.batch_norm_grad_stats(g, x, st, EPS)
    for args, run in [((x,), bn.batch_norm_stats),
                      ((x, st, w, b), lambda *a: bn.batch_norm_train(*a, EPS)),
                      ((x, st), lambda x_, s_: bn.batch_norm_train(x_, s_, None, None, EPS)),
                      ((g, x, st), lambda *a: bn.batch_norm_grad_stats(*a, EPS)),
                      ((g, x, st, gs, w), lambda *a: bn.batch_norm_grad_x(*a, EPS)),
                      ((g, x, st, gs), lambda *a: bn.batch_norm_grad_x(*a, None, EPS))]:
        want = run(*args)
        got = run(*[dt.tensor(a).cuda() for a in args]).cpu().numpy()
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_errors_name_the_op_and_shapes():
    x = np.zeros((3, 2, 4))
    st = bn.batch_norm_stats(np.ones((3, 2, 4)) * np.arange(4))
    with pytest.raises(ShapeError, match=r"batch_norm_train: weight must have shape \[2\], got "
                       r"\[3\]"):
        bn.batch_norm_train(x, st, np.ones(3), None, EPS)
    with pytest.raises(ShapeError, match=r"batch_norm_train: the statistics must have shape "
                       r"\[2, 2\], got \[2, 3\]"):
        bn.batch_norm_train(x, np.zeros((2, 3)), None, None, EPS)
    with pytest.raises(DTypeError, match="batch_norm_stats: expected a floating-point input, "
                       "got int64"):
        bn.batch_norm_stats(np.zeros((3, 2), np.int64))
    with pytest.raises(ShapeError, match=r"batch_norm_stats: expected an input of rank >= 2"):
        bn.batch_norm_stats(np.zeros(3))
    with pytest.raises(DTypeError, match="batch_norm_grad_x: weight has dtype float32"):
        bn.batch_norm_grad_x(x, x, st, st, np.ones(2, np.float32), EPS)


def test_a_trace_records_the_fused_primitives_and_updates_once():
    """While ``dlcore_eager.tracing`` records (ONNX export), training-mode batch norm takes the
    fused primitives too (the exporter converts them), and the running statistics get one
    forward's update, as outside a trace."""
    from dlcore_eager import tracing
    m, ref = dt.nn.BatchNorm2d(2), dt.nn.BatchNorm2d(2)
    x = dt.randn(3, 2, 2, 2)
    tr = tracing.trace(m, x)
    names = {r.prim.name for r in tr.records}
    assert {"batch_norm_stats", "batch_norm_train"} <= names
    ref(x)
    for (n, a), (_, b) in zip(m.named_buffers(), ref.named_buffers()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=n)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_host_running_update_is_bit_equal_to_the_tensor_ops(dtype):
    from dlcore_eager.nn import functional_conv as fc
    rng = np.random.default_rng(5)
    x = rng.standard_normal((5, 4, 3, 3)).astype(dtype)
    rm, rv = rng.standard_normal(4).astype(dtype), rng.uniform(0.5, 2, 4).astype(dtype)
    a = [dt.tensor(rm.copy()), dt.tensor(rv.copy())]
    b = [dt.tensor(rm.copy()), dt.tensor(rv.copy())]
    st = bn.batch_norm_stats(x)
    assert fc._update_running_host(a[0], a[1], st, 0.3, 45)
    fc._update_running(b[0], b[1], dt.tensor(st[0]), dt.tensor(st[1]), 0.3, 45)
    for p, q in zip(a, b):
        assert p.dtype == q.dtype and np.array_equal(p.numpy(), q.numpy())


def test_parallel_loops_equal_the_serial_ones(monkeypatch):
    from dlcore.kernels.cpu import batch_norm as cpu_bn
    rng = np.random.default_rng(6)
    x, g = rng.standard_normal((3, 4, 5)), rng.standard_normal((3, 4, 5))
    w, b = rng.standard_normal(4), rng.standard_normal(4)

    def run():
        st = bn.batch_norm_stats(x)
        gs = bn.batch_norm_grad_stats(g, x, st, EPS)
        return [st, gs, bn.batch_norm_train(x, st, w, b, EPS),
                bn.batch_norm_grad_x(g, x, st, gs, w, EPS)]
    serial = run()
    monkeypatch.setattr(cpu_bn, "PARALLEL_MIN", 0)
    for p, q in zip(run(), serial):
        np.testing.assert_allclose(p, q, rtol=1e-14, atol=1e-15)
