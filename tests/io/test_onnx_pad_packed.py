"""``pad_packed_sequence(out, batch_first, padding_value, total_length)`` of a packed
nn.LSTM/GRU/RNN output in ``dlcore_eager.onnx.export`` (the ``__pad_packed__`` record of
``dlcore_eager/_onnx_rnn.py``, written by ``dlcore/io/onnx_rnn.py``): onnxruntime equals the
eager module and PyTorch at other lengths and batch sizes than the example's."""

import numpy as np
import pytest

import dlcore_eager as dt
import dlcore_eager.onnx
from dlcore_eager.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

ort = pytest.importorskip("onnxruntime")
torch = pytest.importorskip("torch")


def _module(lib, mode, batch_first, value, total, bidirectional, layers):
    utils = lib.nn.utils.rnn

    class M(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = getattr(lib.nn, mode)(3, 4, num_layers=layers, batch_first=batch_first,
                                             bidirectional=bidirectional)

        def forward(self, x, lengths):
            p = utils.pack_padded_sequence(x, lengths, batch_first=batch_first,
                                           enforce_sorted=False)
            out, h = self.rnn(p)
            y, _ = utils.pad_packed_sequence(out, batch_first=batch_first, padding_value=value,
                                             total_length=total)
            return y, (h[0] if mode == "LSTM" else h) * 2.0
    return M()


CASES = [("LSTM", False, -1.0, 9, False, 1), ("LSTM", True, 0.5, None, True, 2),
         ("GRU", True, 0.0, 8, False, 1), ("RNN", False, 3.0, None, True, 1)]


@pytest.mark.parametrize("mode,batch_first,value,total,bidirectional,layers", CASES)
def test_pad_packed_options_export(mode, batch_first, value, total, bidirectional, layers):
    dt.manual_seed(3)
    m = _module(dt, mode, batch_first, value, total, bidirectional, layers)
    ref = _module(torch, mode, batch_first, value, total, bidirectional, layers)
    ref.load_state_dict({k: torch.tensor(v.detach().numpy()) for k, v in m.state_dict().items()})
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 6, 3) if batch_first else (6, 3, 3)).astype(np.float32)
    proto = dlcore_eager.onnx.export(
        m, (dt.tensor(x), dt.tensor([4, 6, 2])), input_names=["x", "len"],
        dynamic_axes={"x": {0: "batch", 1: "time"} if batch_first else {0: "time", 1: "batch"},
                      "len": {0: "batch"}})
    ops = {n.op_type for n in proto.graph.node}
    assert ("Where" in ops) == (value != 0) and ("Pad" in ops) == (total is not None)
    dims = proto.graph.output[0].type.tensor_type.shape.dim
    time_dim = dims[1 if batch_first else 0]
    if total is None:
        assert time_dim.dim_param == "output.0_time"
    else:
        assert time_dim.dim_value == total
    sess = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    for lengths in ([4, 6, 2], [5, 1, 3, 7, 2]):
        t_len, nb = max(lengths) + 1, len(lengths)
        x2 = rng.standard_normal((nb, t_len, 3) if batch_first else (t_len, nb, 3)).astype(
            np.float32)
        got = sess.run(None, {"x": x2, "len": np.array(lengths, np.int64)})
        eager = [t.detach().numpy() for t in m(dt.tensor(x2), dt.tensor(lengths))]
        with torch.no_grad():
            want = [t.numpy() for t in ref(torch.tensor(x2), torch.tensor(lengths))]
        for g, e, w in zip(got, eager, want):
            assert g.shape == e.shape == w.shape
            np.testing.assert_allclose(e, w, rtol=1e-5, atol=1e-6)
            np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)


def test_total_length_shorter_than_the_longest_is_refused_as_torch():
    class M(dt.nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = dt.nn.GRU(3, 4)

        def forward(self, x, lengths):
            out, _ = self.rnn(pack_padded_sequence(x, lengths))
            return pad_packed_sequence(out, total_length=3)[0]
    msg = "Expected total_length to be at least the length of the longest sequence in input"
    with pytest.raises(ValueError, match=msg):
        dlcore_eager.onnx.export(M(), (dt.randn(5, 2, 3), dt.tensor([5, 2])))
    with pytest.raises(ValueError, match=msg):
        M()(dt.randn(5, 2, 3), dt.tensor([5, 2]))


def test_ops_after_the_padded_output_keep_its_run_time_time_axis():
    """A Linear (matmul, add) and a scale after pad_packed_sequence: the output's time axis is
    still the longest length fed at run time (declared symbolic, not the example's size)."""
    class M(dt.nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn, self.lin = dt.nn.LSTM(3, 4, batch_first=True), dt.nn.Linear(4, 2)

        def forward(self, x, lengths):
            out, _ = self.rnn(pack_padded_sequence(x, lengths, batch_first=True,
                                                   enforce_sorted=False))
            y, _ = pad_packed_sequence(out, batch_first=True, padding_value=1.0)
            return self.lin(y * 2.0).transpose(0, 1), self.lin(y).sum(-1)
    dt.manual_seed(5)
    m = M()
    proto = dlcore_eager.onnx.export(m, (dt.randn(3, 6, 3), dt.tensor([4, 6, 2])),
                                     input_names=["x", "len"], output_names=["a", "b"],
                                     dynamic_axes={"x": {0: "B", 1: "T"}, "len": {0: "B"}})
    shapes = [[d.dim_param or d.dim_value for d in o.type.tensor_type.shape.dim]
              for o in proto.graph.output]
    assert shapes == [["a_time", "B", 2], ["B", "b_time"]]
    sess = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    x, lengths = dt.randn(2, 8, 3), dt.tensor([3, 7])
    got = sess.run(None, {"x": x.numpy(), "len": lengths.numpy()})
    for g, e in zip(got, m(x, lengths)):
        assert g.shape == tuple(e.shape)
        np.testing.assert_allclose(g, e.detach().numpy(), rtol=1e-5, atol=1e-6)
