"""leaky_relu exports as one ONNX LeakyRelu (its alpha attribute) from both front ends, runs in
onnxruntime and imports back as F.leaky_relu."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dt
import dlcore_eager.onnx
import dlcore_static as tf
from dlcore_static.onnx_export import export as export_graph

pytest.importorskip("onnxruntime")
from onnx_run import run_imported, run_ort  # noqa: E402


def test_eager_leaky_relu_round_trip():
    dt.manual_seed(0)
    model = dt.nn.Sequential(dt.nn.Linear(5, 7), dt.nn.LeakyReLU(0.2), dt.nn.Linear(7, 3),
                             dt.nn.LeakyReLU())
    x = dt.randn(4, 5)
    proto = dlcore_eager.onnx.export(model, (x,), input_names=["x"])
    nodes = [n for n in proto.graph.node if n.op_type == "LeakyRelu"]
    assert [round(n.attribute[0].f, 6) for n in nodes] == [0.2, 0.01]
    assert not {"Where", "Greater"} & {n.op_type for n in proto.graph.node}
    want = model(x).detach().numpy()
    (got,) = run_ort(proto, {"x": x.numpy()})
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)
    (back,) = run_imported(proto, {"x": x.numpy()})
    np.testing.assert_array_equal(back, want)


def test_static_leaky_relu_exports():
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, (2, 3), name="x")
        y = tf.nn.leaky_relu(x, alpha=0.3)
    with tf.Session(graph=g) as sess:
        proto = export_graph(sess, fetches=[y], feeds=[x])
    assert "LeakyRelu" in {n.op_type for n in proto.graph.node}
    a = np.array([[1.0, -2.0, 0.0], [-0.5, 3.0, -4.0]], np.float32)
    (got,) = run_ort(proto, {"x": a})
    np.testing.assert_array_equal(got, np.where(a > 0, a, a * np.float32(0.3)))
