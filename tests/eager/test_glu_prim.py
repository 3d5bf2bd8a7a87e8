"""F.glu and nn.GLU as one primitive (dlcore/ops/glu.py) against PyTorch: values and gradients
within a rounding, the node's name and its one edge, second derivatives, the errors, a static
graph with an unknown batch, and ONNX's Slice/Sigmoid/Mul."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dt
import dlcore_static as tf
from dlcore import ops

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("shape,dim", [((64, 128), -1), ((4, 6, 5), 1), ((6, 3), 0),
                                       ((2, 3, 4, 2), 2)])
@pytest.mark.parametrize("dtype,tol", [("float32", 2e-7), ("float64", 1e-15)])
def test_values_and_gradients_match_torch(shape, dim, dtype, tol):
    rng = np.random.default_rng(sum(shape))
    x = rng.standard_normal(shape).astype(dtype)
    outs = []
    for T in (dt, torch):
        xt = T.tensor(x, requires_grad=True)
        y = T.nn.functional.glu(xt, dim)
        g = np.cos(np.arange(y.numel())).reshape(tuple(y.shape)).astype(dtype)
        (y * T.tensor(g)).sum().backward()
        outs.append((y.detach().numpy(), xt.grad.numpy(), y.grad_fn.name()))
    np.testing.assert_allclose(outs[0][0], outs[1][0], rtol=tol, atol=tol)
    np.testing.assert_allclose(outs[0][1], outs[1][1], rtol=tol, atol=tol)
    assert outs[0][2] == outs[1][2] == "GluBackward0"


def test_one_node_and_the_module():
    a = dt.randn(3, 4, requires_grad=True)
    y = dt.nn.GLU(dim=0)(dt.cat([a, a * 2]))
    assert y.grad_fn.name() == "GluBackward0"
    assert [f.name() for f, _ in y.grad_fn.next_functions] == ["CatBackward0"]


def test_second_derivative_matches_torch():
    x = np.random.default_rng(3).standard_normal((5, 8))
    res = []
    for T in (dt, torch):
        xt = T.tensor(x, requires_grad=True)
        (gx,) = T.autograd.grad((T.nn.functional.glu(xt) ** 2).sum(), xt, create_graph=True)
        (hx,) = T.autograd.grad((gx * gx).sum(), xt)
        res.append((gx.detach().numpy(), hx.numpy()))
    np.testing.assert_allclose(res[0][0], res[1][0], rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(res[0][1], res[1][1], rtol=1e-12, atol=1e-14)


def test_errors_are_torchs():
    for T in (dt, torch):
        with pytest.raises(RuntimeError, match="Halving dimension must be even, but dimension "
                                               "1 is size 3"):
            T.nn.functional.glu(T.zeros(2, 3))
        with pytest.raises(RuntimeError, match="glu does not support scalars"):
            T.nn.functional.glu(T.tensor(1.0))
    with pytest.raises(TypeError, match="float"):
        ops.glu.glu(np.zeros((2, 4), np.int64), 1)


def test_static_graph_with_an_unknown_batch():
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float64, (None, 6))
        y = ops.nn_functional.glu(x, -1)
        (dx,) = tf.gradients(tf.reduce_sum(y), [x])
    v = np.random.default_rng(4).standard_normal((3, 6))
    with tf.Session(graph=g) as s:
        got, gx = s.run([y, dx], {x: v})
    sig = 1 / (1 + np.exp(-v[:, 3:]))
    np.testing.assert_allclose(got, v[:, :3] * sig, rtol=1e-14)
    np.testing.assert_allclose(gx, np.concatenate([sig, v[:, :3] * sig * (1 - sig)], 1),
                               rtol=1e-13)


def test_onnx_export():
    ort = pytest.importorskip("onnxruntime")
    import dlcore_eager.onnx
    dt.manual_seed(0)
    model = dt.nn.Sequential(dt.nn.Linear(5, 8), dt.nn.GLU())
    x = dt.randn(4, 5)
    proto = dlcore_eager.onnx.export(model, (x,), input_names=["x"])
    assert {"Slice", "Sigmoid", "Mul"} <= {n.op_type for n in proto.graph.node}
    sess = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    (got,) = sess.run(None, {"x": x.numpy()})
    np.testing.assert_allclose(got, model(x).detach().numpy(), rtol=1e-6, atol=1e-7)
