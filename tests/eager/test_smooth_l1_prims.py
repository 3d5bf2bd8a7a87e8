"""F.smooth_l1_loss and F.huber_loss as one primitive each way (dlcore/ops/smooth_l1.py)
against PyTorch: the elementwise losses and every gradient bit for bit in float32 and float64,
the reductions, a broadcast target (PyTorch's warning, the gradients summed back), beta = 0,
second derivatives, the modules, and one node."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import dlcore_eager as dt

torch = pytest.importorskip("torch")


def _run(T, x, t, huber, b, reduction, up=None):
    xt, tt = T.tensor(x, requires_grad=True), T.tensor(t, requires_grad=True)
    f = T.nn.functional.huber_loss if huber else T.nn.functional.smooth_l1_loss
    y = f(xt, tt, reduction=reduction, **({"delta": b} if huber else {"beta": b}))
    (y * (1.0 if up is None else up)).sum().backward()
    return y.detach().numpy(), xt.grad.numpy(), tt.grad.numpy(), y.grad_fn.name()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("huber", [False, True])
@pytest.mark.parametrize("b", [1.0, 0.3, 2.5])
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_losses_and_gradients_match_torch(dtype, huber, b, reduction):
    rng = np.random.default_rng(int(b * 10) + huber)
    x = (rng.standard_normal((16, 33)) * 2).astype(dtype)
    t = rng.standard_normal((16, 33)).astype(dtype)
    x[0, :3] = t[0, :3] + np.array([b, -b, 0.0], dtype)       # on the band's edges
    got, want = _run(dt, x, t, huber, b, reduction), _run(torch, x, t, huber, b, reduction)
    if reduction == "none":
        np.testing.assert_array_equal(got[0], want[0])
    else:
        np.testing.assert_allclose(got[0], want[0], rtol=2e-6 if dtype == "float32" else 1e-14)
    np.testing.assert_array_equal(got[1], want[1])
    np.testing.assert_array_equal(got[2], want[2])
    assert got[3] == want[3]


@pytest.mark.parametrize("huber", [False, True])
def test_broadcast_target_warns_and_sums_back(huber):
    rng = np.random.default_rng(5)
    x, t = rng.standard_normal((4, 5)), rng.standard_normal((5,))
    outs = []
    for T in (dt, torch):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            outs.append(_run(T, x, t, huber, 0.5, "mean"))
        assert any("different to the input size" in str(m.message) for m in w)
    np.testing.assert_allclose(outs[0][0], outs[1][0], rtol=1e-14)
    np.testing.assert_allclose(outs[0][1], outs[1][1], rtol=1e-14)
    np.testing.assert_allclose(outs[0][2], outs[1][2], rtol=1e-14)


def test_beta_zero_is_l1_and_nan_propagates():
    x = np.array([[1.0, -2.0, np.nan], [0.5, 0.0, 3.0]])
    t = np.zeros_like(x)
    got, want = _run(dt, x, t, False, 0.0, "none"), _run(torch, x, t, False, 0.0, "none")
    np.testing.assert_array_equal(got[0], want[0])
    for huber in (False, True):
        got, want = _run(dt, x, t, huber, 1.0, "none"), _run(torch, x, t, huber, 1.0, "none")
        np.testing.assert_array_equal(got[0], want[0])
        np.testing.assert_array_equal(got[1], want[1])


@pytest.mark.parametrize("huber", [False, True])
def test_second_derivative_matches_torch(huber):
    rng = np.random.default_rng(2)
    x, t = rng.standard_normal((6, 7)) * 2, rng.standard_normal((6, 7))
    res = []
    for T in (dt, torch):
        xt, tt = T.tensor(x, requires_grad=True), T.tensor(t, requires_grad=True)
        f = T.nn.functional.huber_loss if huber else T.nn.functional.smooth_l1_loss
        y = f(xt, tt, reduction="sum", **({"delta": 0.8} if huber else {"beta": 0.8}))
        gx, gt = T.autograd.grad(y, (xt, tt), create_graph=True)
        hx, ht = T.autograd.grad((gx * gx * 3).sum() + (gt * xt).sum(), (xt, tt))
        res.append([v.detach().numpy() for v in (gx, gt, hx, ht)])
    for a, b in zip(*res):
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-15)


def test_modules_and_one_node():
    x, t = np.linspace(-3, 3, 12).reshape(3, 4), np.zeros((3, 4))
    for name, kw in (("SmoothL1Loss", {"beta": 0.5}), ("HuberLoss", {"delta": 2.0})):
        a = dt.tensor(x, requires_grad=True)
        y = getattr(dt.nn, name)(**kw)(a, dt.tensor(t))
        want = getattr(torch.nn, name)(**kw)(torch.tensor(x), torch.tensor(t))
        np.testing.assert_allclose(y.detach().numpy(), want.numpy(), rtol=1e-15)
        y = getattr(dt.nn, name)(reduction="none", **kw)(a, dt.tensor(t))
        assert [f.name() for f, _ in y.grad_fn.next_functions if f is not None] == \
            ["torch::autograd::AccumulateGrad"]


@pytest.mark.parametrize("huber", [False, True])
def test_onnx_export_runs_in_onnxruntime(huber):
    ort = pytest.importorskip("onnxruntime")
    import dlcore_eager.onnx

    class Loss(dt.nn.Module):
        def forward(self, x, t):
            f = dt.nn.functional.huber_loss if huber else dt.nn.functional.smooth_l1_loss
            return f(x, t, reduction="none", **({"delta": 0.7} if huber else {"beta": 0.7}))

    dt.manual_seed(0)
    x, t = dt.randn(5, 6) * 2, dt.randn(5, 6)
    proto = dlcore_eager.onnx.export(Loss(), (x, t), input_names=["x", "t"])
    sess = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    (got,) = sess.run(None, {"x": x.numpy(), "t": t.numpy()})
    np.testing.assert_array_equal(got, Loss()(x, t).numpy())
