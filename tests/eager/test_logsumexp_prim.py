"""logsumexp as one primitive (dlcore/ops/logsumexp_prim.py) against PyTorch: values (infinite
and NaN rows included), PyTorch's gradient formula, second derivatives, one node, a static
graph with tf.reduce_logsumexp, and ONNX's max-shifted form in onnxruntime."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dt
import dlcore_static as tf

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("shape,dim,keep", [((64, 128), 1, False), ((4, 6, 5), (0, 2), True),
                                            ((6, 3), 0, False), ((5,), 0, True)])
@pytest.mark.parametrize("dtype,tol", [("float32", 2e-7), ("float64", 1e-15)])
def test_values_and_gradients_match_torch(shape, dim, keep, dtype, tol):
    x = (np.random.default_rng(len(shape)).standard_normal(shape) * 3).astype(dtype)
    outs = []
    for T in (dt, torch):
        xt = T.tensor(x, requires_grad=True)
        y = xt.logsumexp(dim, keepdim=keep)
        g = np.cos(np.arange(y.numel())).reshape(tuple(y.shape)).astype(dtype)
        (y * T.tensor(g)).sum().backward()
        outs.append((y.detach().numpy(), xt.grad.numpy(), y.grad_fn.name()))
    np.testing.assert_allclose(outs[0][0], outs[1][0], rtol=tol, atol=tol)
    np.testing.assert_allclose(outs[0][1], outs[1][1], rtol=4 * tol, atol=tol)
    assert outs[0][2] == outs[1][2] == "LogsumexpBackward0"


def test_infinite_and_nan_rows_as_torch():
    inf, nan = np.inf, np.nan
    x = np.array([[1.0, inf, 2.0], [-inf, -inf, -inf], [1.0, nan, 3.0], [inf, -inf, 0.0],
                  [1e30, 1e30, -1e30]], np.float32)
    got = dt.tensor(x).logsumexp(1).numpy()
    want = torch.tensor(x).logsumexp(1).numpy()
    np.testing.assert_array_equal(got, want)


def test_one_node_and_second_derivative():
    x = np.random.default_rng(2).standard_normal((4, 5))
    a = dt.tensor(x, requires_grad=True)
    y = a.logsumexp(1)
    assert [f.name() for f, _ in y.grad_fn.next_functions] == \
        ["torch::autograd::AccumulateGrad"]
    res = []
    for T in (dt, torch):
        xt = T.tensor(x, requires_grad=True)
        (gx,) = T.autograd.grad((xt.logsumexp(1) ** 2).sum(), xt, create_graph=True)
        (hx,) = T.autograd.grad((gx * gx).sum(), xt)
        res.append((gx.detach().numpy(), hx.numpy()))
    np.testing.assert_allclose(res[0][0], res[1][0], rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(res[0][1], res[1][1], rtol=1e-12, atol=1e-14)


def test_static_reduce_logsumexp_and_its_gradient():
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float64, (None, 4))
        y = tf.reduce_logsumexp(x, axis=1)
        (dx,) = tf.gradients(tf.reduce_sum(y), [x])
    v = np.random.default_rng(3).standard_normal((3, 4)) * 5
    with tf.Session(graph=g) as s:
        got, gx = s.run([y, dx], {x: v})
    want = np.log(np.exp(v - v.max(1, keepdims=True)).sum(1)) + v.max(1)
    np.testing.assert_allclose(got, want, rtol=1e-14)
    np.testing.assert_allclose(gx, np.exp(v - want[:, None]), rtol=1e-13)


@pytest.mark.parametrize("keep", [False, True])
def test_onnx_export_is_max_shifted(keep):
    ort = pytest.importorskip("onnxruntime")
    import dlcore_eager.onnx

    class M(dt.nn.Module):
        def forward(self, x):
            return x.logsumexp((0, 2), keepdim=keep)

    x = dt.randn(3, 4, 5) * 60                     # (exp would overflow unshifted)
    proto = dlcore_eager.onnx.export(M(), (x,), input_names=["x"])
    assert "ReduceMax" in {n.op_type for n in proto.graph.node}
    sess = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    (got,) = sess.run(None, {"x": x.numpy()})
    np.testing.assert_allclose(got, M()(x).numpy(), rtol=1e-6)
