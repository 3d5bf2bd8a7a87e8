"""ONNX export of eager nn.RNN / nn.LSTM / nn.GRU as ONNX RNN/LSTM/GRU operators with a dynamic
time (and batch) axis, as torch.onnx.export writes them: each exported model runs in
onnxruntime at sequence lengths and batch sizes other than the example's and matches the eager
module; gate order, biases, stacked layers, bidirectional, batch_first, initial states and
unbatched inputs."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dt
import dlcore_eager.onnx

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")


def _session(proto):
    return ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])


def _dims(value_info) -> list:
    return [d.dim_param or (d.dim_value if d.HasField("dim_value") else None)
            for d in value_info.type.tensor_type.shape.dim]


def _flat(out) -> list:
    y, state = out
    return [y, *state] if isinstance(state, tuple) else [y, state]


CASES = [
    (dt.nn.LSTM, {}),
    (dt.nn.LSTM, {"num_layers": 2, "bidirectional": True, "batch_first": True}),
    (dt.nn.GRU, {"bidirectional": True}),
    (dt.nn.GRU, {"num_layers": 2, "bias": False, "batch_first": True}),
    (dt.nn.RNN, {"num_layers": 2, "nonlinearity": "relu", "bidirectional": True}),
]


@pytest.mark.parametrize("cls,kw", CASES, ids=lambda v: getattr(v, "__name__", str(v)))
def test_recurrent_module_exports_as_one_operator_with_dynamic_time(cls, kw):
    dt.manual_seed(3)
    m = cls(3, 4, **kw).eval()
    bf = kw.get("batch_first", False)
    t_ax, b_ax = (1, 0) if bf else (0, 1)
    x = dt.randn(2, 5, 3) if bf else dt.randn(5, 2, 3)
    names = ["y", "h_n", "c_n"] if cls is dt.nn.LSTM else ["y", "h_n"]
    axes = {"x": {t_ax: "time", b_ax: "batch"}, "y": {t_ax: "time", b_ax: "batch"}}
    proto = dlcore_eager.onnx.export(m, (x,), input_names=["x"], output_names=names,
                                     dynamic_axes=axes)
    op = {dt.nn.LSTM: "LSTM", dt.nn.GRU: "GRU", dt.nn.RNN: "RNN"}[cls]
    nodes = [n for n in proto.graph.node if n.op_type == op]
    assert len(nodes) == kw.get("num_layers", 1)              # one node per layer, no unrolling
    attrs = {a.name: onnx.helper.get_attribute_value(a) for a in nodes[0].attribute}
    assert attrs["direction"] == (b"bidirectional" if kw.get("bidirectional") else b"forward")
    assert attrs.get("linear_before_reset", 1) == 1
    ndir = 2 if kw.get("bidirectional") else 1
    want_in = [None, None, 3]
    want_in[t_ax], want_in[b_ax] = "time", "batch"
    assert _dims(proto.graph.input[0]) == want_in
    assert _dims(proto.graph.output[0])[2] == 4 * ndir
    assert _dims(proto.graph.output[1]) == [kw.get("num_layers", 1) * ndir, "batch", 4]
    sess = _session(proto)
    for steps, batch in ((5, 2), (9, 3), (1, 1)):             # two other lengths, one batch
        xs = dt.randn(batch, steps, 3) if bf else dt.randn(steps, batch, 3)
        got = sess.run(None, {"x": xs.numpy()})
        want = _flat(m(xs))
        assert len(got) == len(want)
        for g, w in zip(got, want):
            np.testing.assert_allclose(g, w.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_weights_in_onnx_layout_and_initial_states_as_inputs():
    """PyTorch's LSTM gates i, f, g, o are ONNX's i, o, f, c; B = [b_ih, b_hh]; h0/c0 are graph
    inputs with a dynamic batch axis."""
    dt.manual_seed(4)
    m = dt.nn.LSTM(2, 3, num_layers=2).eval()

    class WithState(dt.nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = m

        def forward(self, x, h0, c0):
            y, (h, c) = self.lstm(x, (h0, c0))
            return y.sum(-1), h + c
    x, h0, c0 = dt.randn(4, 2, 2), dt.randn(2, 2, 3), dt.randn(2, 2, 3)
    proto = dlcore_eager.onnx.export(
        WithState(), (x, h0, c0), input_names=["x", "h0", "c0"],
        dynamic_axes={"x": {0: "T", 1: "B"}, "h0": {1: "B"}, "c0": {1: "B"}})
    inits = {i.name: onnx.numpy_helper.to_array(i) for i in proto.graph.initializer}
    w = m.weight_ih_l1.detach().numpy()
    i, f, g, o = np.split(w, 4)
    np.testing.assert_array_equal(inits["lstm.W_l1"][0], np.concatenate([i, o, f, g]))
    b = np.concatenate([m.bias_ih_l0.detach().numpy(), m.bias_hh_l0.detach().numpy()])
    assert inits["lstm.B_l0"].shape == (1, 24)
    np.testing.assert_array_equal(inits["lstm.B_l0"][0, :3], b[:3])         # i
    np.testing.assert_array_equal(inits["lstm.B_l0"][0, 12 + 3:12 + 6], b[12 + 9:])  # o (hh)
    assert "lstm.weight_ih_l0" not in inits                 # only the ONNX-layout copies
    sess = _session(proto)
    for steps, batch in ((4, 2), (7, 5)):
        xs, hs, cs = dt.randn(steps, batch, 2), dt.randn(2, batch, 3), dt.randn(2, batch, 3)
        got = sess.run(None, {"x": xs.numpy(), "h0": hs.numpy(), "c0": cs.numpy()})
        want = WithState()(xs, hs, cs)
        for gv, wv in zip(got, want):
            np.testing.assert_allclose(gv, wv.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_tagger_with_head_and_unbatched_gru():
    dt.manual_seed(5)

    class Tagger(dt.nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = dt.nn.Embedding(7, 3)
            self.gru = dt.nn.GRU(3, 4, batch_first=True, bidirectional=True)
            self.head = dt.nn.Linear(8, 2)

        def forward(self, tokens):
            out, _ = self.gru(self.emb(tokens))
            return self.head(out).log_softmax(-1)
    tagger = Tagger().eval()
    tokens = dt.tensor([[1, 2, 3], [4, 5, 6]])
    proto = dlcore_eager.onnx.export(tagger, (tokens,), input_names=["tokens"],
                                     output_names=["tags"],
                                     dynamic_axes={"tokens": {0: "batch", 1: "time"},
                                                   "tags": {0: "batch", 1: "time"}})
    assert _dims(proto.graph.output[0]) == ["batch", "time", 2]
    sess = _session(proto)
    for shape in ((2, 3), (1, 6), (3, 2)):
        tk = dt.randint(0, 7, shape)
        (got,) = sess.run(None, {"tokens": tk.numpy()})
        np.testing.assert_allclose(got, tagger(tk).detach().numpy(), rtol=1e-5, atol=1e-6)
    rnn = dt.nn.RNN(3, 2).eval()                              # unbatched (T, D) input
    proto = dlcore_eager.onnx.export(rnn, (dt.randn(4, 3),), input_names=["x"],
                                     dynamic_axes={"x": {0: "T"}})
    sess = _session(proto)
    xs = dt.randn(6, 3)
    for gv, wv in zip(sess.run(None, {"x": xs.numpy()}), rnn(xs)):
        np.testing.assert_allclose(gv, wv.detach().numpy(), rtol=1e-5, atol=1e-6)



def test_dlcore_importer_runs_exported_recurrent_models_at_other_lengths():
    """dlcore's own importer runs the ONNX operators (a loop over the run-time length) and
    gradients reach the imported weights."""
    dt.manual_seed(7)
    m = dt.nn.LSTM(3, 4, num_layers=2, bidirectional=True, batch_first=True).eval()
    proto = dlcore_eager.onnx.export(m, (dt.randn(2, 5, 3),), input_names=["x"],
                                     dynamic_axes={"x": {0: "B", 1: "T"}})
    imported = dlcore_eager.onnx.load_model(proto.SerializeToString())
    x = dt.randn(3, 8, 3)
    got = imported(x)
    for g, w in zip(got, _flat(m(x))):
        np.testing.assert_allclose(g.detach().numpy(), w.detach().numpy(), rtol=1e-5,
                                   atol=1e-6)
    got[0].sum().backward()
    assert imported.W_l1.grad is not None and imported.R_l0.grad.shape == (2, 16, 4)


@pytest.mark.parametrize("kind,attrs", [
    ("GRU", {"direction": "reverse", "layout": 1}),                 # linear_before_reset=0
    ("LSTM", {"direction": "bidirectional"}),
    ("RNN", {"direction": "forward", "activations": ["Relu"], "layout": 1}),
])
def test_dlcore_importer_against_onnxruntime_on_hand_built_nodes(kind, attrs):
    """onnxruntime has no layout=1 (batch-major) kernels: its reference is the same node with
    layout 0 on transposed inputs and outputs."""
    from onnx import TensorProto, helper
    rng = np.random.default_rng(8)
    hid, d_in, ndir = 3, 2, 2 if attrs["direction"] == "bidirectional" else 1
    g = {"LSTM": 4, "GRU": 3, "RNN": 1}[kind] * hid
    w = {"W": rng.standard_normal((ndir, g, d_in)), "R": rng.standard_normal((ndir, g, hid)),
         "B": rng.standard_normal((ndir, 2 * g))}
    h0 = rng.standard_normal((ndir, 4, hid)).astype(np.float32)
    x = rng.standard_normal((5, 4, d_in)).astype(np.float32)             # (T, batch, D)
    outs = ["Y", "Y_h"] + (["Y_c"] if kind == "LSTM" else [])

    def model(layout):
        node = helper.make_node(kind, ["x", "W", "R", "B", "", "h0"], outs, hidden_size=hid,
                                **{**attrs, "layout": layout})
        graph = helper.make_graph(
            [node], "g", [helper.make_tensor_value_info(n, TensorProto.FLOAT, [None] * 3)
                          for n in ("x", "h0")],
            [helper.make_tensor_value_info(o, TensorProto.FLOAT, [None] * (4 - bool(k)))
             for k, o in enumerate(outs)],
            initializer=[onnx.numpy_helper.from_array(v.astype(np.float32), k)
                         for k, v in w.items()])
        proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
        proto.ir_version = 8
        return proto
    want = _session(model(0)).run(None, {"x": x, "h0": h0})
    layout = attrs.get("layout", 0)
    if layout:
        x, h0 = x.transpose(1, 0, 2), h0.transpose(1, 0, 2)
        want = [want[0].transpose(2, 0, 1, 3)] + [v.transpose(1, 0, 2) for v in want[1:]]
    got = dlcore_eager.onnx.load_model(model(layout))(dt.tensor(x), dt.tensor(h0))
    for gv, wv in zip(got, want, strict=True):
        np.testing.assert_allclose(gv.detach().numpy(), wv, rtol=1e-5, atol=1e-5)


def test_dlcore_importer_refuses_what_it_does_not_run():
    from onnx import TensorProto, helper
    node = helper.make_node("LSTM", ["x", "W", "R", "", "lens"], ["Y"], hidden_size=1,
                            clip=1.0)
    graph = helper.make_graph(
        [node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 1, 1]),
                      helper.make_tensor_value_info("lens", TensorProto.INT32, [1])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [2, 1, 1, 1])],
        initializer=[onnx.numpy_helper.from_array(np.ones((1, 4, 1), np.float32), k)
                     for k in ("W", "R")])
    imported = dlcore_eager.onnx.load_model(helper.make_model(graph))
    with pytest.raises(NotImplementedError, match="ONNX import: LSTM with attribute 'clip'"):
        imported(dt.ones(2, 1, 1), dt.tensor([2], dtype=dt.int32))   # (sequence_lens is run)
