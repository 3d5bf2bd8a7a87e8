"""ONNX export of eager ``nn.GRUCell`` (its update is the fused ``gru_gates`` primitive, written
out as Slice/Add/Sigmoid/Tanh/Mul/Sub/Concat): two steps exported with a dynamic batch, run in
onnxruntime at other batch sizes and compared with dlcore and PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dt
import dlcore_eager.onnx

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
torch = pytest.importorskip("torch")


def test_gru_cell_exports_and_matches_torch():
    rng = np.random.default_rng(0)
    cell, tcell = dt.nn.GRUCell(4, 5), torch.nn.GRUCell(4, 5)
    with dt.no_grad(), torch.no_grad():
        for (name, p) in cell.named_parameters():
            v = rng.uniform(-0.6, 0.6, tuple(p.shape)).astype(np.float32)
            p.copy_(dt.from_numpy(v))
            getattr(tcell, name).copy_(torch.from_numpy(v))

    def two_steps(x, h):
        h1 = cell(x, h)
        return cell(x * 0.5, h1), h1

    proto = dlcore_eager.onnx.export(two_steps, (dt.randn(2, 4), dt.randn(2, 5)),
                                     input_names=["x", "h"], output_names=["h2", "h1"],
                                     dynamic_axes={"x": {0: "b"}, "h": {0: "b"}})
    ops = {n.op_type for n in proto.graph.node}
    assert {"Sigmoid", "Tanh", "Sub", "Concat", "Slice"} <= ops
    sess = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    for batch in (1, 7):
        x = rng.standard_normal((batch, 4)).astype(np.float32)
        h = rng.standard_normal((batch, 5)).astype(np.float32)
        got = sess.run(None, {"x": x, "h": h})
        mine = two_steps(dt.from_numpy(x), dt.from_numpy(h))
        with torch.no_grad():
            th1 = tcell(torch.from_numpy(x), torch.from_numpy(h))
            want = [tcell(torch.from_numpy(x) * 0.5, th1).numpy(), th1.numpy()]
        for g, m, w in zip(got, mine, want):
            np.testing.assert_allclose(g, m.detach().numpy(), rtol=1e-5, atol=1e-6)
            np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)
