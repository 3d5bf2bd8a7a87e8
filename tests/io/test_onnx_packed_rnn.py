"""Eager nn.LSTM/GRU/RNN called on ``pack_padded_sequence(...)`` export as one ONNX
LSTM/GRU/RNN per layer with ``sequence_lens`` (no unrolled steps), checked in onnxruntime
against the eager module and against PyTorch, with other lengths than the example's; the
importer honours ``sequence_lens`` (and BatchNormalization) on the way back."""

import numpy as np
import pytest

import dlcore_eager as dt
import dlcore_eager.onnx
from dlcore_eager.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

ort = pytest.importorskip("onnxruntime")
torch = pytest.importorskip("torch")


class Packed(dt.nn.Module):
    def __init__(self, mode, bidirectional, layers, batch_first, sort, with_h0=False):
        super().__init__()
        self.mode, self.bf, self.sort, self.with_h0 = mode, batch_first, sort, with_h0
        self.rnn = getattr(dt.nn, mode)(4, 5, num_layers=layers, bidirectional=bidirectional,
                                        batch_first=batch_first)

    def forward(self, x, lengths, *h0):
        p = pack_padded_sequence(x, lengths, batch_first=self.bf, enforce_sorted=self.sort)
        out, h = self.rnn(p, *([tuple(h0)] if len(h0) == 2 else h0))
        y, _ = pad_packed_sequence(out, batch_first=self.bf)
        return (y, *h) if self.mode == "LSTM" else (y, h)


def _torch_twin(m):
    ref = getattr(torch.nn, m.mode)(4, 5, num_layers=m.rnn.num_layers,
                                    bidirectional=m.rnn.bidirectional, batch_first=m.bf)
    ref.load_state_dict({k: torch.tensor(v.detach().numpy())
                         for k, v in m.rnn.state_dict().items()})

    def run(x, lengths, *h0):
        p = torch.nn.utils.rnn.pack_padded_sequence(torch.tensor(x), torch.tensor(lengths),
                                                    batch_first=m.bf, enforce_sorted=m.sort)
        out, h = ref(p, *[(torch.tensor(a[0]), torch.tensor(a[1])) if m.mode == "LSTM"
                          else torch.tensor(a) for a in h0])
        y, _ = torch.nn.utils.rnn.pad_packed_sequence(out, batch_first=m.bf)
        return [t.detach().numpy() for t in ((y, *h) if m.mode == "LSTM" else (y, h))]
    return run


@pytest.mark.parametrize("mode,bidirectional,layers,batch_first,sort", [
    ("LSTM", False, 1, False, True), ("LSTM", True, 2, True, False),
    ("GRU", True, 1, False, False), ("RNN", False, 2, True, True)])
def test_packed_rnn_exports_with_sequence_lens(mode, bidirectional, layers, batch_first, sort):
    dt.manual_seed(7)
    m = Packed(mode, bidirectional, layers, batch_first, sort)
    x = dt.randn(3, 6, 4) if batch_first else dt.randn(6, 3, 4)
    example = [6, 4, 2] if sort else [4, 6, 2]
    proto = dlcore_eager.onnx.export(m, (x, dt.tensor(example)), input_names=["x", "len"])
    ops = [n.op_type for n in proto.graph.node]
    onnx_op = "RNN" if mode == "RNN" else mode
    assert ops.count(onnx_op) == layers and len(ops) < 25         # one node per layer
    assert not {"Gather", "ScatterND"} & set(ops)                 # no packing ops left
    assert all(n.input[4] for n in proto.graph.node if n.op_type == onnx_op)  # sequence_lens
    dims = proto.graph.output[0].type.tensor_type.shape.dim
    assert dims[1 if batch_first else 0].dim_param == "output.0_time"   # the longest length
    sess = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    twin = _torch_twin(m)
    for lengths in (example, [5, 5, 1] if sort else [3, 5, 5]):
        got = sess.run(None, {"x": x.numpy(), "len": np.array(lengths, np.int64)})
        want = twin(x.numpy(), lengths)
        eager = m(x, dt.tensor(lengths))
        for g, w, e in zip(got, want, eager):
            assert g.shape == w.shape
            np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)
            np.testing.assert_allclose(e.detach().numpy(), w, rtol=1e-5, atol=1e-6)
        back = dlcore_eager.onnx.load_model(proto)(x, dt.tensor(lengths))   # the importer
        for g, w in zip(back, want):
            np.testing.assert_allclose(g.detach().numpy(), w, rtol=1e-5, atol=1e-6)


def test_packed_lstm_with_initial_state_keeps_the_batch_order():
    dt.manual_seed(2)
    m = Packed("LSTM", True, 1, True, False, with_h0=True)
    x, lengths = dt.randn(3, 5, 4), [2, 5, 3]
    h0 = (dt.randn(2, 3, 5), dt.randn(2, 3, 5))
    proto = dlcore_eager.onnx.export(m, (x, dt.tensor(lengths), *h0))
    sess = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    feeds = dict(zip([i.name for i in proto.graph.input],
                     [x.numpy(), np.array(lengths), h0[0].numpy(), h0[1].numpy()]))
    want = _torch_twin(m)(x.numpy(), lengths, (h0[0].numpy(), h0[1].numpy()))
    for g, w in zip(sess.run(None, feeds), want):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)


def test_imported_batch_norm_and_training_mode_refusal():
    bn = dt.nn.BatchNorm2d(3)
    x = dt.randn(4, 3, 2, 2)
    proto = dlcore_eager.onnx.export(bn, (x,))                    # training-mode forward
    back = dlcore_eager.onnx.load_model(proto)
    np.testing.assert_allclose(back(x).detach().numpy(),
                               dt.nn.BatchNorm2d(3)(x).detach().numpy(), rtol=1e-5, atol=1e-6)
    node = next(n for n in proto.graph.node if n.op_type == "BatchNormalization")
    node.attribute.add(name="training_mode", i=1, type=2)       # 2: INT
    with pytest.raises(NotImplementedError, match="BatchNormalization with training_mode=1"):
        dlcore_eager.onnx.load_model(proto)(x)


def test_packed_gru_with_dynamic_batch_and_time():
    class M(dt.nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = dt.nn.GRU(4, 5, batch_first=True)

        def forward(self, x, lengths):
            p = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
            out, h = self.rnn(p)
            return pad_packed_sequence(out, batch_first=True)[0], h
    dt.manual_seed(4)
    m = M()
    proto = dlcore_eager.onnx.export(m, (dt.randn(3, 6, 4), dt.tensor([4, 6, 2])),
                                     input_names=["x", "len"],
                                     dynamic_axes={"x": {0: "batch", 1: "time"},
                                                   "len": {0: "batch"}})
    sess = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    x, lengths = dt.randn(5, 7, 4), dt.tensor([7, 3, 5, 1, 2])
    for g, w in zip(sess.run(None, {"x": x.numpy(), "len": lengths.numpy()}), m(x, lengths)):
        np.testing.assert_allclose(g, w.detach().numpy(), rtol=1e-5, atol=1e-6)
