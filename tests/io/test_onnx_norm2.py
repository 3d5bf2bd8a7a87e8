"""The 2-norm primitive (norm2) exports as one ONNX ReduceL2 (axes an input from opset 18, an
attribute before) from both front ends, runs in onnxruntime and imports back (Tensor.norm)."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dt
import dlcore_eager.onnx
import dlcore_static as tf
from dlcore_static.onnx_export import export as export_graph

pytest.importorskip("onnxruntime")
from onnx_run import run_imported, run_ort  # noqa: E402


@pytest.mark.parametrize("opset", [None, 13])
def test_eager_norm_exports_reduce_l2(opset):
    x = dt.tensor(np.random.default_rng(0).standard_normal((4, 5)).astype(np.float32))

    def f(v):
        return v / v.norm(2, dim=1, keepdim=True) + dt.linalg.vector_norm(v, dim=0)
    kw = {} if opset is None else {"opset_version": opset}
    proto = dlcore_eager.onnx.export(f, (x,), input_names=["x"], **kw)
    ops = [n.op_type for n in proto.graph.node]
    assert ops.count("ReduceL2") == 2 and "Sqrt" not in ops
    (got,) = run_ort(proto, {"x": x.numpy()})
    np.testing.assert_allclose(got, f(x).numpy(), rtol=1e-6, atol=1e-6)
    (back,) = run_imported(proto, {"x": x.numpy()})    # (ReduceL2 imported as Tensor.norm)
    np.testing.assert_array_equal(back, f(x).numpy())


def test_static_norm_exports_reduce_l2():
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, (3, 4), name="x")
        y = tf.norm(x, axis=1)
    with tf.Session(graph=g) as sess:
        proto = export_graph(sess, fetches=[y], feeds=[x])
    assert "ReduceL2" in {n.op_type for n in proto.graph.node}
    a = np.arange(12, dtype=np.float32).reshape(3, 4) - 5
    (got,) = run_ort(proto, {"x": a})
    np.testing.assert_allclose(got, np.linalg.norm(a, axis=1), rtol=1e-6)
