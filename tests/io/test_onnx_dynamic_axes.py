"""ONNX export with dynamic axes: eager ``dlcore_eager.onnx.export(..., dynamic_axes=)`` (as
torch.onnx.export) and the static export's symbolic ``None`` dimensions; each exported model
runs in onnxruntime at two sizes other than the example's and matches dlcore's outputs."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dt
import dlcore_eager.onnx
import dlcore_static as tf
from dlcore_static.onnx_export import export as export_graph

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")


def _session(proto):
    return ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])


def _dims(value_info) -> list:
    return [d.dim_param or (d.dim_value if d.HasField("dim_value") else None)
            for d in value_info.type.tensor_type.shape.dim]


def test_eager_cnn_with_dynamic_batch():
    dt.manual_seed(0)
    cnn = dt.nn.Sequential(dt.nn.Conv2d(2, 3, 3, padding=1), dt.nn.BatchNorm2d(3),
                           dt.nn.ReLU(), dt.nn.MaxPool2d(2), dt.nn.Flatten(),
                           dt.nn.Linear(27, 2), dt.nn.Softmax(dim=1))
    cnn.eval()
    proto = dlcore_eager.onnx.export(cnn, (dt.randn(2, 2, 6, 6),), input_names=["x"],
                                     output_names=["probs"],
                                     dynamic_axes={"x": {0: "batch"}, "probs": {0: "batch"}})
    assert _dims(proto.graph.input[0]) == ["batch", 2, 6, 6]
    assert _dims(proto.graph.output[0]) == ["batch", 2]
    sess = _session(proto)
    for batch in (1, 5):                         # the flatten reshape reads the batch size
        x = dt.randn(batch, 2, 6, 6)
        (got,) = sess.run(None, {"x": x.numpy()})
        np.testing.assert_allclose(got, cnn(x).detach().numpy(), rtol=1e-5, atol=1e-6)


def test_eager_lstm_with_dynamic_batch():
    """The zero initial state (a constant of the example's batch), the per-step row slices
    (multiples of the batch) and the (time * batch) reshape all follow the batch."""
    dt.manual_seed(1)

    class Tagger(dt.nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = dt.nn.LSTM(4, 5, batch_first=True)
            self.head = dt.nn.Linear(5, 3)

        def forward(self, s):
            out, (h, _c) = self.lstm(s)
            return self.head(out), h
    tagger = Tagger()
    proto = dlcore_eager.onnx.export(tagger, (dt.randn(2, 3, 4),), input_names=["s"],
                                     output_names=["tags", "h"], dynamic_axes={"s": [0]})
    assert _dims(proto.graph.input[0]) == ["s_dynamic_axes_1", 3, 4]     # PyTorch's naming
    assert _dims(proto.graph.output[0]) == ["s_dynamic_axes_1", 3, 3]
    assert _dims(proto.graph.output[1]) == [1, "s_dynamic_axes_1", 5]
    sess = _session(proto)
    for batch in (1, 6):
        s = dt.randn(batch, 3, 4)
        got = sess.run(None, {"s": s.numpy()})
        for g, w in zip(got, tagger(s)):
            np.testing.assert_allclose(g, w.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_eager_sizes_as_values_and_two_symbols():
    """A mean over a dynamic axis divides by its size (a scalar constant in the trace)."""
    def f(x, y):
        return x.mean(0) + x.mean() + (y * 2.0).sum(1).mean(0), x.reshape(-1)
    proto = dlcore_eager.onnx.export(f, (dt.randn(2, 3), dt.randn(4, 3)),
                                     input_names=["x", "y"], output_names=["m", "flat"],
                                     dynamic_axes={"x": {0: "n"}, "y": {0: "k"}})
    assert _dims(proto.graph.input[0]) == ["n", 3] and _dims(proto.graph.input[1]) == ["k", 3]
    assert _dims(proto.graph.output[1]) == ["flat_dim0"]           # 3 * n: no symbol of its own
    sess = _session(proto)
    for n, k in ((3, 1), (7, 5)):
        x, y = dt.randn(n, 3), dt.randn(k, 3)
        got = sess.run(None, {"x": x.numpy(), "y": y.numpy()})
        for g, w in zip(got, f(x, y)):
            np.testing.assert_allclose(g, w.numpy(), rtol=1e-5, atol=1e-6)


def test_eager_dynamic_axes_errors():
    dt.manual_seed(2)
    cell = dt.nn.LSTMCell(4, 5)

    def loop(s):                                  # a Python loop over time unrolls
        h = c = dt.zeros(s.shape[0], 5)
        for t in range(s.shape[1]):
            h, c = cell(s[:, t], (h, c))
        return h
    with pytest.raises(ValueError, match="ran different operations at T=3 and 4 .*a Python "
                                         "loop over the axis"):
        dlcore_eager.onnx.export(loop, (dt.randn(2, 3, 4),),
                                 dynamic_axes={"input.0": {1: "T"}})
    with pytest.raises(NotImplementedError, match="parameter 'idx' of primitive 'getitem' "
                                                  "\\(operation 0\\) depends on the dynamic "
                                                  "axes"):
        dlcore_eager.onnx.export(lambda x: x[: x.shape[0] - 1], (dt.randn(3, 2),),
                                 dynamic_axes={"input.0": {0: "n"}})
    with pytest.raises(NotImplementedError, match="a constant of shape \\(6,\\) read by "
                                                  "primitive 'reshape' \\(operation 0\\)"):
        dlcore_eager.onnx.export(lambda x: x + dt.arange(x.shape[0] * 2.0).reshape(-1, 2),
                                 (dt.randn(3, 2),), dynamic_axes={"input.0": {0: "n"}})
    x = dt.randn(3, 2)
    with pytest.raises(ValueError, match="dynamic_axes names 'z', which is neither an input"):
        dlcore_eager.onnx.export(lambda a: a * 2, (x,), dynamic_axes={"z": [0]})
    with pytest.raises(ValueError, match="dynamic axis 2 of 'input.0' is out of range for "
                                         "rank 2"):
        dlcore_eager.onnx.export(lambda a: a * 2, (x,), dynamic_axes={"input.0": [2]})
    with pytest.raises(ValueError, match="dynamic axis 'b' has size 3 in input 'input.0' but "
                                         "4 in input 'input.1'"):
        dlcore_eager.onnx.export(lambda a, c: a.sum() + c.sum(), (x, dt.randn(4, 2)),
                                 dynamic_axes={"input.0": {0: "b"}, "input.1": {0: "b"}})


def test_static_unknown_dims_are_symbolic():
    tf.reset_default_graph()
    tf.set_random_seed(3)
    seq = tf.placeholder(tf.float32, [None, None, 4], name="seq")
    h = tf.layers.dense(seq, 3)                               # a dense layer on (B, T, 4)
    s = tf.reduce_sum(h, axis=1) + tf.layers.dense(tf.reduce_mean(seq, axis=1), 3)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        plain = export_graph(sess, [s, h], [seq])
        named = export_graph(sess, [s, h], [seq], output_names=["s", "h"],
                             dynamic_axes={"seq": {0: "batch", 1: "time"},
                                           "h": {0: "batch", 1: "time"}, "s": [0]})
        feeds = [np.random.default_rng(b).standard_normal((b, t, 4)).astype(np.float32)
                 for b, t in ((2, 3), (5, 1))]
        wants = [sess.run([s, h], {seq: f}) for f in feeds]
        with pytest.raises(ValueError, match="axis 2 of input 'seq' has the fixed size 4"):
            export_graph(sess, [s], [seq], dynamic_axes={"seq": {2: "c"}})
    assert _dims(plain.graph.input[0]) == ["N", "seq_dim1", 4]
    assert _dims(plain.graph.output[0]) == [None, 3]                  # unknown, unnamed
    assert _dims(named.graph.input[0]) == ["batch", "time", 4]
    assert _dims(named.graph.output[0]) == ["s_dynamic_axes_1", 3]
    assert _dims(named.graph.output[1]) == ["batch", "time", 3]
    for proto in (plain, named):
        sess_ort = _session(proto)
        for f, want in zip(feeds, wants):
            for g, w in zip(sess_ort.run(None, {"seq": f}), want):
                np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-5)


def test_second_trace_leaves_buffers_as_one_run_does():
    """Dynamic axes trace the model twice, the second time from the buffers the first started
    with; afterwards they are as one run left them.  Batch norm in training mode normalises
    with the batch's own statistics (ONNX BatchNormalization fed ReduceMean's), for any batch;
    the running-statistics update is a side effect outside the exported computation."""
    dt.manual_seed(3)
    bn = dt.nn.BatchNorm1d(3)
    x = dt.randn(4, 3)
    ref = dt.nn.BatchNorm1d(3)
    ref(x)
    proto = dlcore_eager.onnx.export(bn, (x,), dynamic_axes={"input.0": [0]})
    assert "BatchNormalization" in {n.op_type for n in proto.graph.node}
    for (n, a), (_, b) in zip(bn.named_buffers(), ref.named_buffers()):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6, err_msg=n)
    x5 = dt.randn(5, 3)
    (got,) = _session(proto).run(None, {"input.0": x5.numpy()})
    np.testing.assert_allclose(got, dt.nn.BatchNorm1d(3)(x5).detach().numpy(), rtol=1e-5,
                               atol=1e-6)
    bn.eval()                                  # inference: exported, statistics unchanged
    proto = dlcore_eager.onnx.export(bn, (x,), dynamic_axes={"input.0": [0]})
    for (n, a), (_, b) in zip(bn.named_buffers(), ref.named_buffers()):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6, err_msg=n)
    x3 = dt.randn(3, 3)
    (got,) = _session(proto).run(None, {"input.0": x3.numpy()})
    np.testing.assert_allclose(got, bn(x3).detach().numpy(), rtol=1e-5, atol=1e-6)
