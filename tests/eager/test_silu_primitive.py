"""SiLU as one elementwise primitive (``activations.silu_p``, its gradient ``silu_grad_p``):
PyTorch's values, first and second derivatives (edge values included), one node each way,
TensorFlow's ``tf.nn.silu``/``swish`` in a graph, and its ONNX export (Mul of Sigmoid) run by
onnxruntime."""
import numpy as np
import pytest

import dlcore_eager as dt
import dlcore_static as tf
from dlcore.ops.activations import silu_grad_p, silu_p

torch = pytest.importorskip("torch")

EDGES = [-np.inf, -100.0, -20.0, -1.0, -1e-8, 0.0, 1e-8, 0.5, 1.0, 20.0, 100.0, np.inf, np.nan]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_values_and_gradients_as_torch(dtype):
    x = np.array(EDGES + list(np.random.default_rng(1).standard_normal(20) * 4), dtype)
    out = []
    for L in (dt, torch):
        t = L.tensor(x, requires_grad=True)
        y = L.nn.functional.silu(t)
        (g,) = L.autograd.grad(y, t, L.ones_like(y), create_graph=True)
        (gg,) = L.autograd.grad((g * g).sum(), t)
        out.append((y.detach().numpy(), g.detach().numpy(), gg.numpy(), y.grad_fn.name()))
    tol = 2e-6 if dtype == "float32" else 1e-12
    for a, b in zip(out[0][:3], out[1][:3]):
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol, equal_nan=True)
    assert out[0][3] == out[1][3] == "SiluBackward0"


def test_one_node_each_way():
    t = dt.randn(4, 5, requires_grad=True)
    y = dt.nn.functional.silu(t)
    assert y._node.prim is silu_p and y._node.parents[0] is not None
    assert len(y._node.parents) == 1
    calls = []
    kernel = silu_grad_p.kernels["cpu"]
    silu_grad_p.kernels["cpu"] = lambda g, x: calls.append(1) or kernel(g, x)
    try:
        y.sum().backward()
    finally:
        silu_grad_p.kernels["cpu"] = kernel
    assert calls == [1]
    s = 1 / (1 + np.exp(-t.detach().numpy()))
    # (atol: near x = -1.28, where 1 + x (1 - s) cancels, float32's s decides the last digits)
    np.testing.assert_allclose(t.grad.numpy(), s * (1 + t.detach().numpy() * (1 - s)),
                               rtol=1e-6, atol=1e-7)


def test_half_precision_computes_in_float32_as_torch():
    x = np.linspace(-6, 6, 25).astype(np.float32)
    a = dt.nn.functional.silu(dt.tensor(x).to(dt.bfloat16)).float().numpy()
    b = torch.nn.functional.silu(torch.tensor(x).to(torch.bfloat16)).float().numpy()
    np.testing.assert_array_equal(a, b)


def test_static_silu_and_swish_train():
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, (3,))
        y = tf.nn.silu(x) + tf.nn.swish(2.0 * x)
        (dx,) = tf.gradients(tf.reduce_sum(y), [x])
    v = np.array([-2.0, 0.0, 3.0], np.float32)
    with tf.Session(graph=g) as sess:
        got_y, got_dx = sess.run([y, dx], {x: v})
    t = torch.tensor(v, requires_grad=True)
    want = torch.nn.functional.silu(t) + torch.nn.functional.silu(2 * t)
    want.sum().backward()
    np.testing.assert_allclose(got_y, want.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(got_dx, t.grad.numpy(), rtol=1e-6)


def test_onnx_export_runs_in_onnxruntime():
    pytest.importorskip("onnxruntime")
    import onnxruntime as ort

    import dlcore_eager.onnx
    model = dt.nn.Sequential(dt.nn.Linear(4, 3), dt.nn.SiLU())
    x = dt.randn(2, 4)
    proto = dlcore_eager.onnx.export(model, (x,), input_names=["x"])
    ops = [n.op_type for n in proto.graph.node]
    assert "Sigmoid" in ops and "Mul" in ops
    sess = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    (got,) = sess.run(None, {"x": x.numpy()})
    np.testing.assert_allclose(got, model(x).detach().numpy(), rtol=1e-5, atol=1e-6)
