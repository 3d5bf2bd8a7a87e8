"""The KL-divergence terms as primitives (dlcore/ops/kl_div.py): F.kl_div's values, first and
second derivatives for input and target against PyTorch in float64 (zero and negative
targets: PyTorch's 0 and NaN, a second derivative NaN where a target is 0), every reduction,
both target forms, broadcasting, float32 as one node, and ONNX export run by onnxruntime."""

import numpy as np
import pytest

import dlcore_eager as dt

torch = pytest.importorskip("torch")


def _target(rng, shape, log_target):
    t = np.abs(rng.standard_normal(shape))
    t.flat[0] = 0.0
    if t.size > 6:
        t.flat[5] = -0.5
    return np.log(np.abs(t) + 0.1) if log_target else t


@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides")   # (PyTorch's, and ours)
@pytest.mark.parametrize("log_target", [False, True])
@pytest.mark.parametrize("reduction", ["batchmean", "mean", "sum", "none"])
def test_values_and_derivatives_equal_torch(log_target, reduction):
    rng = np.random.default_rng(3)
    a, t = rng.standard_normal((4, 5)), _target(rng, (4, 5), log_target)
    res = []
    for L in (dt, torch):
        x, y = L.tensor(a, requires_grad=True), L.tensor(t, requires_grad=True)
        loss = L.nn.functional.kl_div(x, y, reduction=reduction, log_target=log_target)
        cot = L.tensor(np.linspace(0.5, 1.5, loss.numel()).reshape(tuple(loss.shape)))
        gx, gy = L.autograd.grad(loss, (x, y), cot, create_graph=True)
        hx, hy = L.autograd.grad((gx * gx).sum() + (gy[2:] * gy[2:]).sum(), (x, y))
        res.append([v.detach().numpy() for v in (loss, gx, gy, hx, hy)])
    for u, v in zip(*res):
        np.testing.assert_allclose(u, v, rtol=1e-10, atol=1e-12, equal_nan=True)
    if not log_target:
        assert np.isnan(res[0][4][0, 0])          # (PyTorch's NaN where a target is 0)


def test_a_broadcast_target_and_float32_as_one_node():
    rng = np.random.default_rng(4)
    a = rng.standard_normal((6, 5)).astype(np.float32)
    t = np.abs(rng.standard_normal(5)).astype(np.float32)
    res = []
    for L in (dt, torch):
        x = L.tensor(a, requires_grad=True)
        y = L.tensor(t, requires_grad=True)
        loss = L.nn.functional.kl_div(x, y, reduction="sum")
        loss.backward()
        res.append((loss.detach().numpy(), x.grad.numpy(), y.grad.numpy()))
    for u, v in zip(*res):
        np.testing.assert_allclose(u, v, rtol=1e-5, atol=1e-5)
    names = [type(L.nn.functional.kl_div(L.tensor(a, requires_grad=True), L.tensor(t),
                                         reduction="none").grad_fn).__name__
             for L in (dt, torch)]
    assert names == ["SubBackward0"] * 2           # (ATen's composite ends in a sub)
    loss = dt.nn.functional.kl_div(dt.tensor(a, requires_grad=True), dt.tensor(t),
                                   reduction="none")
    assert loss.grad_fn.next_functions[0][0].name() == "torch::autograd::AccumulateGrad"


def test_distillation_loss_as_torch():
    """The knowledge-distillation loss as the tutorials write it."""
    rng = np.random.default_rng(5)
    s, te = rng.standard_normal((8, 10)).astype(np.float32), rng.standard_normal((8, 10))
    out = []
    for L in (dt, torch):
        F = L.nn.functional
        student = L.tensor(s, requires_grad=True)
        loss = F.kl_div(F.log_softmax(student / 4.0, dim=1),
                        F.softmax(L.tensor(te.astype(np.float32)) / 4.0, dim=1),
                        reduction="batchmean") * 16.0
        loss.backward()
        out.append((loss.item(), student.grad.numpy()))
    np.testing.assert_allclose(out[0][0], out[1][0], rtol=1e-5)
    np.testing.assert_allclose(out[0][1], out[1][1], rtol=1e-4, atol=1e-7)


@pytest.mark.parametrize("log_target", [False, True])
def test_onnx_export(tmp_path, log_target):
    ort = pytest.importorskip("onnxruntime")

    class Net(dt.nn.Module):
        def forward(self, x, t):
            return dt.nn.functional.kl_div(x, t, reduction="none", log_target=log_target)

    rng = np.random.default_rng(6)
    x = rng.standard_normal((3, 4)).astype(np.float32)
    t = np.abs(rng.standard_normal((3, 4))).astype(np.float32)
    t[0, 0] = 0.0
    path = tmp_path / "m.onnx"
    dt.onnx.export(Net(), (dt.tensor(x), dt.tensor(t)), str(path), input_names=["x", "t"])
    got = ort.InferenceSession(str(path)).run(None, {"x": x, "t": t})[0]
    np.testing.assert_allclose(got, Net()(dt.tensor(x), dt.tensor(t)).numpy(), rtol=1e-5,
                               atol=1e-6)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_16_bit_operands_keep_their_dtype(dtype):
    """(the composite this replaced returned float32 for 16-bit operands)"""
    rng = np.random.default_rng(7)
    a = rng.standard_normal((4, 8)).astype(np.float32)
    t = np.abs(rng.standard_normal((4, 8))).astype(np.float32)
    t[0, 0] = 0.0
    out = []
    for L in (dt, torch):
        d = getattr(L, dtype)
        x = L.tensor(a).to(d).requires_grad_()
        loss = L.nn.functional.kl_div(x, L.tensor(t).to(d), reduction="none")
        loss.sum().backward()
        out.append((loss.dtype, x.grad.dtype, loss.float().detach().numpy(),
                    x.grad.float().numpy()))
    assert out[0][0] == dt.tensor(a).to(getattr(dt, dtype)).dtype and out[0][1] == out[0][0]
    assert str(out[0][0]) == str(out[1][0])
    np.testing.assert_allclose(out[0][2], out[1][2], rtol=2e-2, atol=2e-2)
    np.testing.assert_array_equal(out[0][3], out[1][3])
