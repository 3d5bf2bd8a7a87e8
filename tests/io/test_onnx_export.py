"""ONNX export from both front ends, run in onnxruntime and compared with dlcore's outputs."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dt
import dlcore_eager.onnx
import dlcore_static as tf
from dlcore_static.onnx_export import export as export_graph

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")


def _run(model_or_path, feeds: dict):
    data = model_or_path.SerializeToString() if hasattr(model_or_path, "SerializeToString") \
        else str(model_or_path)
    sess = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    return sess.run(None, feeds)


def test_eager_mlp_exports_and_runs(tmp_path):
    dt.manual_seed(0)
    model = dt.nn.Sequential(dt.nn.Linear(6, 8), dt.nn.ReLU(), dt.nn.Linear(8, 8), dt.nn.Tanh(),
                             dt.nn.Linear(8, 8), dt.nn.Sigmoid(), dt.nn.Linear(8, 3),
                             dt.nn.Softmax(dim=1))
    model.eval()
    x = dt.randn(4, 6)
    path = tmp_path / "mlp.onnx"
    proto = dlcore_eager.onnx.export(model, (x,), str(path), input_names=["x"],
                                     output_names=["probs"])
    assert [i.name for i in proto.graph.input] == ["x"]
    assert {"0.weight", "6.bias"} <= {i.name for i in proto.graph.initializer}
    ops = {n.op_type for n in proto.graph.node}
    assert {"MatMul", "Relu", "Tanh", "Sigmoid", "Softmax"} <= ops        # one fused op
    (got,) = _run(path, {"x": x.numpy()})
    np.testing.assert_allclose(got, model(x).detach().numpy(), rtol=1e-5, atol=1e-6)
    x2 = dt.randn(4, 6) * 3                                # other values, same shape
    (got2,) = _run(proto, {"x": x2.numpy()})
    np.testing.assert_allclose(got2, model(x2).detach().numpy(), rtol=1e-5, atol=1e-6)


def test_eager_function_with_shape_ops():
    def f(x, y):
        z = dt.cat([x.mean(1, keepdim=True), x.reshape(5, 3, 1).transpose(0, 1).reshape(3, 5).t(),
                    x[:, 1:3], y.exp().log1p()], 1)
        return (z.tanh().max(dim=1).values - z.sum(0).unsqueeze(0).sqrt().sum(),
                dt.maximum(x, y).pow(2.0).squeeze())
    x, y = dt.rand(5, 3) + 0.5, dt.randn(5, 3)
    proto = dlcore_eager.onnx.export(f, (x, y))
    got = _run(proto, {"input.0": x.numpy(), "input.1": y.numpy()})
    for g, w in zip(got, f(x, y)):
        np.testing.assert_allclose(g, w.numpy(), rtol=1e-5, atol=1e-6)


def test_softplus_and_gelu_primitives_export_and_import_back():
    """softplus as ONNX's Softplus node; GELU as x (1 + erf(x / sqrt 2)) / 2 (ONNX's Gelu op
    needs opset 20); float32 erf in two libraries: 1e-5 absolute."""
    dt.manual_seed(0)
    model = dt.nn.Sequential(dt.nn.Linear(3, 5), dt.nn.Softplus(), dt.nn.Linear(5, 4),
                             dt.nn.GELU())
    x = dt.tensor([[-40.0, -1.0, 0.0], [0.5, 19.0, 30.0]])
    proto = dlcore_eager.onnx.export(model, (x,))
    types = [n.op_type for n in proto.graph.node]
    assert types.count("Softplus") == 1 and types.count("Erf") == 1
    (got,) = _run(proto, {"input.0": x.numpy()})
    want = model(x).detach().numpy()
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    back = dlcore_eager.onnx.load_model(proto)
    np.testing.assert_allclose(back(x).detach().numpy(), want, rtol=1e-5, atol=1e-5)


def test_static_graph_exports_chosen_feeds_and_fetches(tmp_path):
    tf.reset_default_graph()
    x = tf.placeholder(tf.float32, [None, 4], name="x")
    w1 = tf.Variable(np.random.default_rng(1).standard_normal((4, 5)).astype(np.float32))
    b1 = tf.Variable(np.linspace(-1, 1, 5).astype(np.float32))
    h = tf.nn.relu(tf.matmul(x, w1) + b1)
    logits = tf.layers.dense(h, 3, name="out")
    probs = tf.nn.softmax(logits)
    mean = tf.reduce_mean(tf.square(h), axis=1)
    feed = np.random.default_rng(2).standard_normal((7, 4)).astype(np.float32)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        want = sess.run([probs, mean], {x: feed})
        proto = export_graph(sess, fetches=[probs, mean], feeds=[x],
                               f=str(tmp_path / "g.onnx"))
    assert [i.name for i in proto.graph.input] == ["x"]
    dims = proto.graph.input[0].type.tensor_type.shape.dim
    assert dims[0].dim_param == "N" and dims[1].dim_value == 4
    got = _run(tmp_path / "g.onnx", {"x": feed})
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)
    got = _run(proto, {"x": feed[:2]})                     # another batch size
    np.testing.assert_allclose(got[0], want[0][:2], rtol=1e-5, atol=1e-6)


def test_export_errors():
    tf.reset_default_graph()
    x = tf.placeholder(tf.float32, [None, 2], name="x")
    z = tf.placeholder(tf.float32, [None, 2], name="z")
    y = x + z
    with tf.Session() as sess, pytest.raises(ValueError,
                                             match="placeholder 'z' .* is not among the feeds"):
        export_graph(sess, fetches=[y], feeds=[x])
    with pytest.raises(NotImplementedError, match="primitive 'cumprod' has no ONNX conversion"):
        dlcore_eager.onnx.export(lambda i: i.cumprod(0), (dt.randn(3),))


def test_eager_cnn_and_lstm_export():
    dt.manual_seed(1)
    cnn = dt.nn.Sequential(dt.nn.Conv2d(2, 3, 3, padding=1, stride=1), dt.nn.BatchNorm2d(3),
                           dt.nn.ReLU(), dt.nn.MaxPool2d(2, ceil_mode=True),
                           dt.nn.AvgPool2d(2, padding=1), dt.nn.Flatten(),
                           dt.nn.Linear(3 * 3 * 3, 2))
    cnn.eval()
    x = dt.randn(2, 2, 7, 7)
    proto = dlcore_eager.onnx.export(cnn, (x,))
    assert {"Conv", "MaxPool", "AveragePool"} <= {n.op_type for n in proto.graph.node}
    (got,) = _run(proto, {"input.0": x.numpy()})
    np.testing.assert_allclose(got, cnn(x).detach().numpy(), rtol=1e-4, atol=1e-5)

    class Tagger(dt.nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = dt.nn.LSTM(4, 5, batch_first=True)
            self.head = dt.nn.Linear(5, 3)

        def forward(self, s):
            out, (h, _c) = self.lstm(s)
            return self.head(out), h
    tagger = Tagger()
    s = dt.randn(2, 3, 4)
    proto = dlcore_eager.onnx.export(tagger, (s,))
    got = _run(proto, {"input.0": s.numpy()})
    for g, w in zip(got, tagger(s)):
        np.testing.assert_allclose(g, w.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_static_cnn_export():
    tf.reset_default_graph()
    tf.set_random_seed(3)
    x = tf.placeholder(tf.float32, [None, 6, 6, 2], name="images")
    h = tf.layers.conv2d(x, 3, 3, padding="same", activation=tf.nn.relu)
    h = tf.layers.max_pooling2d(h, 2, 2)
    y = tf.layers.dense(tf.reshape(h, [-1, 27]), 2)
    feed = np.random.default_rng(4).standard_normal((3, 6, 6, 2)).astype(np.float32)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        want = sess.run(y, {x: feed})
        proto = export_graph(sess, [y], [x])
    assert "Conv" in {n.op_type for n in proto.graph.node}
    (got,) = _run(proto, {"images": feed})
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


def test_import_runs_exported_models_and_trains():
    dt.manual_seed(2)
    cnn = dt.nn.Sequential(dt.nn.Conv2d(2, 3, 3, padding=1), dt.nn.ReLU(), dt.nn.MaxPool2d(2),
                           dt.nn.Flatten(), dt.nn.Linear(3 * 3 * 3, 4), dt.nn.Tanh(),
                           dt.nn.Linear(4, 2), dt.nn.LogSoftmax(dim=1))
    x = dt.randn(2, 2, 6, 6)
    proto = dlcore_eager.onnx.export(cnn, (x,))
    imported = dlcore_eager.onnx.load_model(proto.SerializeToString())
    np.testing.assert_allclose(imported(x).detach().numpy(), cnn(x).detach().numpy(),
                               rtol=1e-5, atol=1e-6)
    names = {n for n, _ in imported.named_parameters()}
    assert {"0_weight", "4_bias"} <= names
    loss = imported(x).sum()
    loss.backward()                                        # gradients reach the initializers
    params = dict(imported.named_parameters())
    assert params["0_weight"].grad is not None
    ref = cnn(x).sum()
    ref.backward()
    np.testing.assert_allclose(params["0_weight"].grad.numpy(),
                               cnn[0].weight.grad.numpy(), rtol=1e-4, atol=1e-5)
    from onnx import helper
    bad = helper.make_model(helper.make_graph(
        [helper.make_node("Einsum", ["a", "a"], ["b"], equation="i,i->")], "g",
        [helper.make_tensor_value_info("a", 1, [2])],
        [helper.make_tensor_value_info("b", 1, [])]))
    with pytest.raises(NotImplementedError, match="operators \\['Einsum'\\] are not supported"):
        dlcore_eager.onnx.load_model(bad)


def test_static_gradient_with_add_n_exports():
    """tf.gradients sums the cotangents of a tensor read three times with one AddN (ONNX Sum)."""
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [2, 3], name="x")
        y = tf.reduce_sum(x * x + x * 3.0 + tf.exp(x))
        gx, = tf.gradients(y, [x])
        assert "AddN" in [op.type for op in g.get_operations()]
        feed = np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3)
        with tf.Session() as sess:
            want = sess.run(gx, {x: feed})
            proto = export_graph(sess, fetches=[gx], feeds=[x])
    np.testing.assert_allclose(want, 2 * feed + 3.0 + np.exp(feed), rtol=1e-5)
    np.testing.assert_allclose(_run(proto, {"x": feed})[0], want, rtol=1e-5, atol=1e-6)


def test_cumsum_and_argsort_export_with_ties_and_both_directions():
    """``cumsum`` (exclusive, reverse, either axis) as CumSum; ``argsort`` as TopK of every
    element: equal values keep their index order (dlcore's sort is stable; ONNX's TopK breaks
    ties by the lower index)."""
    tf.reset_default_graph()
    x = tf.placeholder(tf.float32, [None, 5], name="x")
    k = tf.placeholder(tf.int64, [None, 5], name="k")
    fetches = [tf.cumsum(x, 1), tf.cumsum(x, 0, exclusive=True), tf.cumsum(k, 1, reverse=True),
               tf.argsort(x, 1, stable=True), tf.argsort(x, 0, "DESCENDING", stable=True),
               tf.argsort(k, 1, "DESCENDING", stable=True)]
    xv = np.array([[3, 1, 3, 0, 1], [2, 2, 2, -1, 5], [0, 0, 1, 1, 0]], np.float32)
    kv = xv.astype(np.int64)
    with tf.Session() as sess:
        want = sess.run(fetches, {x: xv, k: kv})
        proto = export_graph(sess, fetches=fetches, feeds=[x, k])
    np.testing.assert_array_equal(want[3][0], [3, 1, 4, 0, 2])        # (ties in index order)
    np.testing.assert_array_equal(want[5][1], [4, 0, 1, 2, 3])
    assert {"CumSum", "TopK"} <= {n.op_type for n in proto.graph.node}
    got = _run(proto, {"x": xv, "k": kv})
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)
