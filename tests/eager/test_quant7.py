"""Quantization (dlcore_eager.ao.quantization, nn.quantized.dynamic) against real PyTorch:
quantized tensors' integers, parameters, printing and errors; quantize_dynamic's Linear, LSTM
and GRU on the same float weights (their quantized weights equal, their outputs within a few
float32 ulps: the same FBGEMM steps); state dicts' keys, save/load and load_state_dict."""

from __future__ import annotations

import io
import warnings

import numpy as np
import pytest

import dlcore_eager as dt
import dlcore_eager.nn as dnn

torch = pytest.importorskip("torch")
warnings.filterwarnings("ignore", message=".*quantiz.*", category=UserWarning)
warnings.filterwarnings("ignore", category=DeprecationWarning)
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning",
                                        "ignore::UserWarning")

QT = {"qint8": (dt.qint8, torch.qint8), "quint8": (dt.quint8, torch.quint8),
      "qint32": (dt.qint32, torch.qint32)}


def _ties(rng, scale, n=4000):
    """Values on and next to the rounding ties of ``scale``, and ordinary ones."""
    x = rng.integers(-300, 300, n).astype(np.float32) * np.float32(scale) / 2
    return np.concatenate([x, rng.standard_normal(n).astype(np.float32) * 3,
                           np.array([1e9, -1e9, 0.0, -0.0], np.float32)])


@pytest.mark.parametrize("name", sorted(QT))
def test_quantize_per_tensor_matches_torch(name):
    ours, theirs = QT[name]
    rng = np.random.default_rng(1)
    for scale, zp in ((0.1, 3), (0.0371, 0), (1.7, -2 if name != "quint8" else 200)):
        x = _ties(rng, scale)
        q = dt.quantize_per_tensor(dt.from_numpy(x), scale, zp, ours)
        tq = torch.quantize_per_tensor(torch.from_numpy(x), scale, zp, theirs)
        np.testing.assert_array_equal(q.int_repr().numpy(), tq.int_repr().numpy())
        np.testing.assert_array_equal(q.dequantize().numpy(), tq.dequantize().numpy())
        assert q.int_repr().dtype is getattr(dt, str(tq.int_repr().dtype).split(".")[1])
        assert (q.q_scale(), q.q_zero_point()) == (tq.q_scale(), tq.q_zero_point())
        assert q.is_quantized and q.qscheme() is dt.per_tensor_affine
        assert repr(q.dtype) == repr(tq.dtype) and q.shape == tuple(tq.shape)


def test_quantize_per_channel_matches_torch():
    rng = np.random.default_rng(2)
    x = _ties(rng, 0.2, 600)[:1200].reshape(3, 400)
    scales, zps = [0.2, 0.05, 1.3], [1, 0, -7]
    for axis, (s, z) in ((0, (scales, zps)), (1, (rng.uniform(0.01, 1, 400).tolist(),
                                                   rng.integers(-5, 5, 400).tolist()))):
        q = dt.quantize_per_channel(dt.from_numpy(x), dt.tensor(s, dtype=dt.float64),
                                    dt.tensor(z), axis, dt.qint8)
        tq = torch.quantize_per_channel(torch.from_numpy(x), torch.tensor(s, dtype=torch.float64),
                                        torch.tensor(z), axis, torch.qint8)
        np.testing.assert_array_equal(q.int_repr().numpy(), tq.int_repr().numpy())
        np.testing.assert_array_equal(q.dequantize().numpy(), tq.dequantize().numpy())
        np.testing.assert_array_equal(q.q_per_channel_scales().numpy(),
                                      tq.q_per_channel_scales().numpy())
        np.testing.assert_array_equal(q.q_per_channel_zero_points().numpy(),
                                      tq.q_per_channel_zero_points().numpy())
        assert q.q_per_channel_axis() == axis and q.qscheme() is dt.per_channel_affine


def _pair(x, scale, zp, name):
    return (dt.quantize_per_tensor(dt.tensor(x), scale, zp, QT[name][0]),
            torch.quantize_per_tensor(torch.tensor(x), scale, zp, QT[name][1]))


@pytest.mark.parametrize("x, scale, zp, name", [
    ([[-1.0, 0.5, 2.0], [0.1, 0.2, 0.3]], 0.1, 10, "quint8"),
    ([[-1.0, 0.5, 2.0], [0.1, 0.2, 0.3]], 0.0034662906546145678, 0, "qint8"),
    (2.0, 0.5, 1, "quint8"),
    ([[0.0] * 3] * 0, 0.5, 1, "qint32"),
    (np.linspace(-3, 3, 2000).reshape(40, 50).tolist(), 0.03, 5, "qint8"),
])
def test_printing_matches_torch(x, scale, zp, name):
    q, tq = _pair(x, scale, zp, name)
    assert repr(q) == repr(tq)
    if q.numel():
        assert str(q[0] if q.dim() else q) == str(tq[0] if tq.dim() else tq)


def test_printing_per_channel_matches_torch():
    x = [[-1.0, 0.5, 2.0], [0.1, 0.2, 0.3]]
    q = dt.quantize_per_channel(dt.tensor(x), dt.tensor([0.1, 0.2], dtype=dt.float64),
                                dt.tensor([0, 1]), 0, dt.qint8)
    tq = torch.quantize_per_channel(torch.tensor(x), torch.tensor([0.1, 0.2],
                                    dtype=torch.float64), torch.tensor([0, 1]), 0, torch.qint8)
    assert repr(q) == repr(tq)
    assert repr(q[1]) == repr(tq[1])


def test_views_and_metadata_match_torch():
    q, tq = _pair([[1.0, 2.0], [3.0, 4.0]], 0.5, 1, "quint8")
    for f in (lambda a: a.t(), lambda a: a.reshape(4), lambda a: a.view(1, 4),
              lambda a: a.transpose(0, 1).contiguous(), lambda a: a.clone(),
              lambda a: a.detach(), lambda a: a[1, 0], lambda a: a.T):
        assert repr(f(q)) == repr(f(tq))
    assert (q.numel(), q.dim(), len(q), q.element_size(), q.stride()) == \
        (tq.numel(), tq.dim(), len(tq), tq.element_size(), tq.stride())
    assert not q.requires_grad and str(q.device) == "cpu"
    assert repr(dt.dequantize(q)) == repr(torch.dequantize(tq))
    q2, tq2 = _pair([[1.0, 2.5], [3.0, 4.0]], 0.5, 1, "quint8")
    np.testing.assert_array_equal((q == q2).numpy(), (tq == tq2).numpy())


@pytest.mark.parametrize("op", ["mean()", "mean(0)", "mean(1, keepdim=True)", "max()", "min()",
                                "relu()", "unsqueeze(0)", "unsqueeze(-1)", "permute(1, 0)",
                                "squeeze()", "data", "flatten()", "reshape(3, 2)[0, 1]"])
def test_ops_torch_runs_on_quantized_tensors(op):
    x = [[1.0, -2.0, 3.5], [0.2, 0.0, -1.1]]
    q, tq = _pair(x, 0.05, 10, "quint8")
    assert repr(eval("q." + op)) == repr(eval("tq." + op))
    assert q[0, 0].item() == tq[0, 0].item() and q[1].unsqueeze(0).shape == tq[1].unsqueeze(0).shape


def _same_error(f_ours, f_theirs):
    with pytest.raises(Exception) as theirs:
        f_theirs()
    with pytest.raises(type(theirs.value)) as ours:
        f_ours()
    assert str(ours.value).split(". This could")[0] == str(theirs.value).split(". This could")[0]


@pytest.mark.parametrize("call", [
    lambda m, q, p: m.quantize_per_tensor(m.tensor([1, 2]), 0.1, 0, m.qint8),
    lambda m, q, p: m.quantize_per_tensor(m.tensor([1.0], dtype=m.float64), 0.1, 0, m.qint8),
    lambda m, q, p: m.quantize_per_tensor(m.tensor([1.0]), 0.1, 0, m.float32),
    lambda m, q, p: m.quantize_per_tensor(m.tensor([1.0]), 0.1, 300, m.quint8),
    lambda m, q, p: m.quantize_per_tensor(m.tensor([1.0]), 0.1, -1, m.quint8),
    lambda m, q, p: m.quantize_per_channel(m.ones(2, 3), m.tensor([0.1, 0.2, 0.3]),
                                           m.tensor([0, 1]), 0, m.qint8),
    lambda m, q, p: m.quantize_per_channel(m.ones(2, 3), m.tensor([0.1, 0.2]),
                                           m.tensor([0, 1]), 2, m.qint8),
    lambda m, q, p: m.quantize_per_channel(m.ones(2, 3), [0.1, 0.2], [0, 1], 0, m.qint8),
    lambda m, q, p: q.q_per_channel_axis(),
    lambda m, q, p: q.q_per_channel_scales(),
    lambda m, q, p: p.q_scale(),
    lambda m, q, p: p.q_zero_point(),
    lambda m, q, p: q.requires_grad_(),
    lambda m, q, p: q.sum(),
    lambda m, q, p: q * q,
    lambda m, q, p: q + q,
    lambda m, q, p: q + 1,
    lambda m, q, p: q - 1,
    lambda m, q, p: 2 * q,
    lambda m, q, p: q / 2,
    lambda m, q, p: -q,
    lambda m, q, p: q @ q,
    lambda m, q, p: q.item(),
    lambda m, q, p: q.to(m.float32),
    lambda m, q, p: q.tolist(),
    lambda m, q, p: q.numpy(),
    lambda m, q, p: q.backward(),
])
def test_errors_match_torch(call):
    def make(m, qt):
        q = m.quantize_per_tensor(m.tensor([[1.0, 2.0], [3.0, 4.0]]), 0.5, 1, qt)
        p = m.quantize_per_channel(m.tensor([[1.0, 2.0], [3.0, 4.0]]),
                                   m.tensor([0.1, 0.2], dtype=m.float64), m.tensor([0, 1]), 0,
                                   m.qint8)
        return q, p
    q, p = make(dt, dt.quint8)
    tq, tp = make(torch, torch.quint8)
    _same_error(lambda: call(dt, q, p), lambda: call(torch, tq, tp))


# ----------------------------------------------------------------------------- quantize_dynamic
def _copy_weights(ours, theirs) -> None:
    sd = {k: torch.from_numpy(v.detach().numpy().copy()) for k, v in ours.state_dict().items()}
    theirs.load_state_dict(sd)


def _models(build_ours, build_theirs, seed=0):
    dt.manual_seed(seed)
    m, tm = build_ours(), build_theirs()
    _copy_weights(m, tm)
    return m, tm


def _mlp(nn):
    return nn.Sequential(nn.Linear(24, 32), nn.ReLU(), nn.Linear(32, 5))


def test_dynamic_linear_matches_torch():
    m, tm = _models(lambda: _mlp(dnn), lambda: _mlp(torch.nn))
    q = dt.quantization.quantize_dynamic(m, {dnn.Linear}, dtype=dt.qint8)
    tq = torch.quantization.quantize_dynamic(tm, {torch.nn.Linear}, dtype=torch.qint8)
    assert repr(q) == repr(tq)
    assert list(q.state_dict()) == list(tq.state_dict())
    for i in (0, 2):
        w, tw = q[i].weight(), tq[i].weight()
        np.testing.assert_array_equal(w.int_repr().numpy(), tw.int_repr().numpy())
        assert (w.q_scale(), w.q_zero_point()) == (tw.q_scale(), tw.q_zero_point())
        assert repr(w) == repr(tw)
    assert type(m[0]) is dnn.Linear                 # a copy: the float model is unchanged
    rng = np.random.default_rng(3)
    for x in (rng.standard_normal((7, 24)) * 4, rng.uniform(0, 1, (2, 3, 24)),
              np.zeros((1, 24)), -rng.uniform(0, 1e-6, (4, 24))):
        x = x.astype(np.float32)
        y = q(dt.from_numpy(x)).numpy()
        ty = tq(torch.from_numpy(x)).detach().numpy()
        # the same integers and scales: only the float products' order differs (a few ulps)
        np.testing.assert_allclose(y, ty, rtol=1e-6, atol=1e-6)
        assert y.shape == ty.shape and y.dtype == np.float32


def test_quantize_dynamic_leaves_attention_out_proj_and_the_root():
    layer = dnn.TransformerEncoderLayer(16, 2, 32, dropout=0.0)
    q = dt.quantization.quantize_dynamic(layer, {dnn.Linear}, dtype=dt.qint8)
    assert "DynamicQuantizedLinear" in repr(q.linear1)
    assert type(q.self_attn.out_proj).__name__ == "NonDynamicallyQuantizableLinear"
    assert not q.training
    root = dnn.Linear(3, 2)
    assert dt.quantization.quantize_dynamic(root, {dnn.Linear}) is not root
    assert type(dt.quantization.quantize_dynamic(root, {dnn.Linear})) is dnn.Linear


class _RNNNet:
    def __init__(self, nn, kind, **kw):
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.rnn = getattr(nn, kind)(6, 5, **kw)
                self.fc = nn.Linear(5 * (2 if kw.get("bidirectional") else 1), 3)

            def forward(self, x, h=None):
                out, h = self.rnn(x, h)
                return self.fc(out), h
        self.net = Net()


@pytest.mark.parametrize("kind, kw", [
    ("LSTM", {"num_layers": 2}),
    ("LSTM", {"bidirectional": True, "batch_first": True}),
    ("GRU", {"num_layers": 2, "bidirectional": True}),
    ("GRU", {"batch_first": True}),
])
def test_dynamic_rnn_matches_torch(kind, kw):
    m, tm = _models(lambda: _RNNNet(dnn, kind, **kw).net, lambda: _RNNNet(torch.nn, kind,
                                                                          **kw).net)
    spec = {getattr(dnn, kind), dnn.Linear}
    q = dt.quantization.quantize_dynamic(m, spec, dtype=dt.qint8)
    tq = torch.quantization.quantize_dynamic(tm, {getattr(torch.nn, kind), torch.nn.Linear},
                                             dtype=torch.qint8)
    assert repr(q) == repr(tq)
    assert list(q.state_dict()) == list(tq.state_dict())
    x = np.random.default_rng(4).standard_normal((7, 3, 6)).astype(np.float32) * 2
    y, h = q(dt.from_numpy(x))
    with torch.no_grad():
        ty, th = tq(torch.from_numpy(x))
    np.testing.assert_allclose(y.numpy(), ty.numpy(), rtol=1e-5, atol=2e-6)
    for a, b in zip(h if isinstance(h, tuple) else (h,), th if isinstance(th, tuple) else (th,)):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=2e-6)
    # an initial state
    h0 = np.random.default_rng(5).standard_normal(tuple(th[0].shape if kind == "LSTM"
                                                        else th.shape)).astype(np.float32)
    hx = (dt.from_numpy(h0), dt.from_numpy(h0 * 0.5)) if kind == "LSTM" else dt.from_numpy(h0)
    thx = (torch.from_numpy(h0), torch.from_numpy(h0 * 0.5)) if kind == "LSTM" else \
        torch.from_numpy(h0)
    with torch.no_grad():
        ty = tq.rnn(torch.from_numpy(x), thx)[0]
    np.testing.assert_allclose(q.rnn(dt.from_numpy(x), hx)[0].numpy(), ty.numpy(), rtol=1e-5,
                               atol=2e-6)
    # PyTorch's quantized RNNs refuse unbatched and float64 input
    _same_error(lambda: q.rnn(dt.from_numpy(x[:, 0])), lambda: tq.rnn(torch.from_numpy(x[:, 0])))
    _same_error(lambda: q.rnn(dt.from_numpy(x).double()),
                lambda: tq.rnn(torch.from_numpy(x).double()))


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_rnn_without_bias_is_refused_as_torch(kind):
    _same_error(lambda: dt.quantization.quantize_dynamic(_RNNNet(dnn, kind, bias=False).net,
                                                         {getattr(dnn, kind)}),
                lambda: torch.quantization.quantize_dynamic(
                    _RNNNet(torch.nn, kind, bias=False).net, {getattr(torch.nn, kind)}))


def test_rnn_bad_input_errors():
    m = dt.quantization.quantize_dynamic(_RNNNet(dnn, "LSTM").net, {dnn.LSTM})
    with pytest.raises(RuntimeError, match="input.size\\(-1\\) must be equal to input_size. "
                       "Expected 6, got 4"):
        m.rnn(dt.randn(3, 2, 4))
    with pytest.raises(RuntimeError, match="Expected hidden\\[0\\] size \\(1, 2, 5\\)"):
        m.rnn(dt.randn(3, 2, 6), (dt.zeros(1, 3, 5), dt.zeros(1, 3, 5)))


# ----------------------------------------------------------------------------- saving
def _saved_size(obj) -> int:
    b = io.BytesIO()
    dt.save(obj, b)
    return len(b.getvalue())


def test_state_dict_save_load_roundtrip_and_size():
    dt.manual_seed(0)
    m = dnn.Sequential(dnn.Linear(256, 256), dnn.ReLU(), dnn.Linear(256, 10))
    q = dt.quantization.quantize_dynamic(m, {dnn.Linear}, dtype=dt.qint8)
    ratio = _saved_size(q.state_dict()) / _saved_size(m.state_dict())
    assert 0.24 < ratio < 0.3, ratio               # int8 weights, float32 biases and header
    b = io.BytesIO()
    dt.save(q.state_dict(), b)
    sd = dt.load(io.BytesIO(b.getvalue()))
    assert sd["0._packed_params.dtype"] is dt.qint8
    w, bias = sd["0._packed_params._packed_params"]
    assert repr(w) == repr(q[0].weight()) and isinstance(bias, dt.Tensor)
    fresh = dt.quantization.quantize_dynamic(
        dnn.Sequential(dnn.Linear(256, 256), dnn.ReLU(), dnn.Linear(256, 10)), {dnn.Linear})
    x = dt.randn(3, 256)
    assert not np.array_equal(fresh(x).numpy(), q(x).numpy())
    fresh.load_state_dict(sd)
    np.testing.assert_array_equal(fresh(x).numpy(), q(x).numpy())


def test_lstm_state_dict_roundtrip():
    q = dt.quantization.quantize_dynamic(_RNNNet(dnn, "LSTM", num_layers=2).net, {dnn.LSTM})
    b = io.BytesIO()
    dt.save(q.state_dict(), b)
    sd = dt.load(io.BytesIO(b.getvalue()))
    dt.manual_seed(9)
    fresh = dt.quantization.quantize_dynamic(_RNNNet(dnn, "LSTM", num_layers=2).net,
                                             {dnn.LSTM})
    fresh.load_state_dict(sd)
    x = dt.randn(4, 2, 6)
    np.testing.assert_array_equal(fresh.rnn(x)[0].numpy(), q.rnn(x)[0].numpy())


def test_load_state_dict_checks_before_changing_anything():
    q = dt.quantization.quantize_dynamic(_mlp(dnn), {dnn.Linear})
    x = dt.randn(2, 24)
    before = q(x).numpy()
    sd = q.state_dict()
    w, b = sd["2._packed_params._packed_params"]
    bad = dict(sd)
    bad["0._packed_params._packed_params"] = (w, b)          # the wrong layer's shapes
    with pytest.raises(RuntimeError, match="0._packed_params._packed_params: the weight has "
                       "shape \\[5, 32\\], the module expects \\[32, 24\\]"):
        q.load_state_dict(bad)
    np.testing.assert_array_equal(q(x).numpy(), before)
    bad["0._packed_params._packed_params"] = (w.dequantize(), b)
    with pytest.raises(RuntimeError, match="must be a qint8 quantized tensor"):
        q.load_state_dict(bad)
    np.testing.assert_array_equal(q(x).numpy(), before)


def test_quantized_tensors_save_load_and_hostile_nodes():
    q = dt.quantize_per_tensor(dt.randn(3, 4), 0.05, 3, dt.quint8)
    p = dt.quantize_per_channel(dt.randn(3, 4), dt.tensor([0.1, 0.2, 0.3], dtype=dt.float64),
                                dt.tensor([0, 1, 2]), 0, dt.qint8)
    b = io.BytesIO()
    dt.save({"q": q, "p": p, "dtypes": [dt.qint8, dt.quint8, dt.qint32]}, b)
    out = dt.load(io.BytesIO(b.getvalue()))
    assert repr(out["q"]) == repr(q) and repr(out["p"]) == repr(p)
    assert out["dtypes"] == [dt.qint8, dt.quint8, dt.qint32]
    from dlcore_eager import _qsave
    from dlcore_eager.serialization import _bad

    class Reader:
        def array(self, name):
            return {"i": np.zeros(3, np.uint8)}[name]
    for node in ({"int_repr": "i", "dtype": "qint8", "qscheme": "per_tensor_affine",
                  "scale": 0.1, "zero_point": 0},          # uint8 storage for qint8
                 {"int_repr": "i", "dtype": "quint8", "qscheme": "per_tensor_affine",
                  "scale": 0.1, "zero_point": 999},
                 {"int_repr": "i", "dtype": "quint8", "qscheme": "per_tensor_affine",
                  "scale": float("nan"), "zero_point": 1},
                 {"int_repr": "i", "dtype": "os.system", "qscheme": "x"}, "junk"):
        with pytest.raises(ValueError, match="quantized|qint8"):
            _qsave.decode(Reader(), node, _bad)


def test_int8_matmul_cuda_kernel_under_the_simulator():
    """The CUDA kernel on device arrays (the simulator's in CI), exact against NumPy."""
    import dlcore
    if not dlcore.cuda_available():
        pytest.skip("no CUDA device or simulator")
    from numba import cuda

    from dlcore.kernels.cuda.int8_matmul import int8_matmul
    rng = np.random.default_rng(6)
    a = rng.integers(0, 256, (3, 5)).astype(np.uint8)
    b = rng.integers(-128, 128, (4, 5)).astype(np.int8)
    out = int8_matmul(cuda.to_device(a), cuda.to_device(b), a_zero_point=7, b_zero_point=-1)
    want = (a.astype(np.int64) - 7) @ (b.astype(np.int64) + 1).T
    np.testing.assert_array_equal(out.copy_to_host(), want)


# ----------------------------------------------------------------------------- torch's own files
def test_torch_saved_quantized_state_dict_loads_into_dlcore():
    tq = torch.quantization.quantize_dynamic(_mlp(torch.nn), {torch.nn.Linear})
    b = io.BytesIO()
    torch.save(tq.state_dict(), b)
    q = dt.quantization.quantize_dynamic(_mlp(dnn), {dnn.Linear})
    q.load_state_dict(dt.load(io.BytesIO(b.getvalue())))
    x = np.random.default_rng(7).standard_normal((5, 24)).astype(np.float32)
    np.testing.assert_allclose(q(dt.from_numpy(x)).numpy(),
                               tq(torch.from_numpy(x)).detach().numpy(), rtol=1e-6, atol=1e-6)
    assert repr(q[2].weight()) == repr(tq[2].weight())


def test_dlcore_saved_quantized_state_dict_loads_into_torch():
    q = dt.quantization.quantize_dynamic(_mlp(dnn), {dnn.Linear})
    b = io.BytesIO()
    dt.save(q.state_dict(), b, format="torch")
    sd = torch.load(io.BytesIO(b.getvalue()), weights_only=True)
    tq = torch.quantization.quantize_dynamic(_mlp(torch.nn), {torch.nn.Linear})
    tq.load_state_dict(sd)           # (reads the versions in sd._metadata, as torch writes them)
    x = np.random.default_rng(8).standard_normal((5, 24)).astype(np.float32)
    np.testing.assert_allclose(tq(torch.from_numpy(x)).detach().numpy(),
                               q(dt.from_numpy(x)).numpy(), rtol=1e-6, atol=1e-6)


def test_quantized_tensors_in_torch_files_both_ways():
    s64 = [0.1, 0.2, 0.3]
    tp = torch.quantize_per_channel(torch.randn(3, 4), torch.tensor(s64, dtype=torch.float64),
                                    torch.tensor([0, 1, -2]), 0, torch.qint8)
    t32 = torch.quantize_per_tensor(torch.randn(5), 0.01, -7, torch.qint32)
    b = io.BytesIO()
    torch.save({"p": tp, "q32": t32, "d": torch.quint8}, b)
    out = dt.load(io.BytesIO(b.getvalue()))
    assert repr(out["p"]) == repr(tp) and repr(out["q32"]) == repr(t32)
    assert out["d"] is dt.quint8
    p = dt.quantize_per_channel(dt.randn(2, 3), dt.tensor([0.5, 0.25, 2.0], dtype=dt.float64),
                                dt.tensor([1, 0, -1]), 1, dt.qint8)
    q = dt.quantize_per_tensor(dt.randn(3), 0.1, 3, dt.quint8)
    b = io.BytesIO()
    dt.save({"p": p, "q": q, "same": q}, b, format="torch")
    back = torch.load(io.BytesIO(b.getvalue()), weights_only=True)
    assert repr(back["p"]) == repr(p) and repr(back["q"]) == repr(q)
    assert back["same"] is back["q"]


def _edited_pickle(raw: bytes, old: bytes, new: bytes) -> bytes:
    """A torch.save zip with ``old`` replaced by ``new`` in its data.pkl (the zip rebuilt)."""
    import zipfile
    src = zipfile.ZipFile(io.BytesIO(raw))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        for info in src.infolist():
            data = src.read(info)
            z.writestr(info.filename, data.replace(old, new) if info.filename.endswith(
                "data.pkl") else data)
    return out.getvalue()


def test_a_malformed_rebuild_qtensor_is_refused():
    b = io.BytesIO()
    torch.save({"q": torch.quantize_per_tensor(torch.ones(2), 0.5, 3, torch.quint8)}, b)
    raw = b.getvalue()
    assert repr(dt.load(io.BytesIO(_edited_pickle(raw, b"", b""))))  # the rebuilt zip loads
    with pytest.raises(ValueError, match="imports 'torch.per_tensor_affinX', which is not"):
        dt.load(io.BytesIO(_edited_pickle(raw, b"per_tensor_affine", b"per_tensor_affinX")))
    with pytest.raises(ValueError, match="_rebuild_qtensor has a malformed per_channel_affine "
                       "quantizer \\(float, int\\)"):
        dt.load(io.BytesIO(_edited_pickle(raw, b"per_tensor_affine", b"per_channel_affine")))
    # a zero point outside quint8's range: refused when the structure is decoded
    i = raw.index(b"per_tensor_affine")
    k = raw.index(b"K\x03", i)                      # BININT1 3: the zero point
    bad = _edited_pickle(raw, raw[i:k + 2], raw[i:k] + b"M\x2c\x01")   # BININT2 300
    with pytest.raises(ValueError, match="zero point 300"):
        dt.load(io.BytesIO(bad))


def test_module_apply_and_to_still_work_on_quantized_models():
    q = dt.quantization.quantize_dynamic(_mlp(dnn), {dnn.Linear})
    seen = []
    assert q.apply(lambda m: seen.append(type(m).__name__)) is q
    assert seen.count("LinearPackedParams") == 2 and seen[-1] == "Sequential"
    x = dt.randn(2, 24)
    np.testing.assert_array_equal(q.to("cpu")(x).numpy(), q(x).numpy())


def test_qconfig_spec_by_name_and_inheritance_match_torch():
    def net(nn):
        return nn.Sequential(nn.Sequential(nn.Linear(4, 4), nn.Linear(4, 4)), nn.Linear(4, 2))
    def net3(nn):
        return nn.Sequential(nn.Linear(4, 4), nn.Sequential(nn.Linear(4, 4), nn.ReLU()),
                             nn.Linear(4, 2))
    for spec in ({"0": 1}, {"1": 1}, {"0.1": 1}, {"L": 1, "2": None}, {"1.0": 1, "L": None},
                 {"1": 1, "1.0": None}):
        def qconf(m, spec=spec):
            return {(m.nn.Linear if k == "L" else k):
                    (m.quantization.default_dynamic_qconfig if v else None)
                    for k, v in spec.items()}
        ours, theirs = qconf(dt), qconf(torch)
        q = dt.quantization.quantize_dynamic(net3(dnn), ours)
        tq = torch.quantization.quantize_dynamic(net3(torch.nn), theirs)
        assert repr(q) == repr(tq)
        q = dt.quantization.quantize_dynamic(net(dnn), ours)
        tq = torch.quantization.quantize_dynamic(net(torch.nn), theirs)
        assert repr(q) == repr(tq)
    with pytest.raises(NotImplementedError, match="dtype=torch.qint8 only"):
        dt.quantization.quantize_dynamic(net(dnn), {dnn.Linear}, dtype=dt.float16)
    with pytest.raises(NotImplementedError, match="default dynamic qconfig"):
        dt.quantization.quantize_dynamic(
            net(dnn), {dnn.Linear: dt.quantization.float16_dynamic_qconfig})


def test_min_max_observer_matches_torch():
    x = np.random.default_rng(9).standard_normal(1000).astype(np.float32) * 3 + 1
    for kw in ({}, {"dtype": "qint8", "qscheme": "per_tensor_symmetric"},
               {"reduce_range": True}, {"dtype": "qint8", "reduce_range": True}):
        def args(m, kw=kw):
            return {k: getattr(m, v) if k in ("dtype", "qscheme") else v for k, v in kw.items()}
        ob = dt.quantization.MinMaxObserver(**args(dt))
        tob = torch.quantization.MinMaxObserver(**args(torch))
        ob(dt.from_numpy(x[:500]))
        ob(dt.from_numpy(x[500:]))
        tob(torch.from_numpy(x[:500]))
        tob(torch.from_numpy(x[500:]))
        (s, z), (ts, tz) = ob.calculate_qparams(), tob.calculate_qparams()
        np.testing.assert_array_equal(s.numpy(), ts.numpy())
        np.testing.assert_array_equal(z.numpy(), tz.numpy())


def test_deepcopy_keeps_quantized_dtypes_and_schemes():
    import copy
    q = dt.quantization.quantize_dynamic(_mlp(dnn), {dnn.Linear})
    q2 = copy.deepcopy(q)
    w, w2 = q[0].weight(), q2[0].weight()
    assert w2 is not w and w2.dtype is dt.qint8 and w2.qscheme() is dt.per_tensor_affine
    assert repr(w2) == repr(w) and q2[0]._packed_params.dtype is dt.qint8
    x = dt.randn(2, 24)
    np.testing.assert_array_equal(q2(x).numpy(), q(x).numpy())
    assert copy.copy(dt.quint8) is dt.quint8 and dt.from_numpy(np.zeros(2, np.int8)).dtype is \
        dt.int8


def test_quantized_modules_have_no_buffers_or_parameters_as_torch():
    def net(nn):
        return nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.LSTM(3, 2))
    q = dt.quantization.quantize_dynamic(net(dnn), {dnn.Linear, dnn.LSTM})
    tq = torch.quantization.quantize_dynamic(net(torch.nn), {torch.nn.Linear, torch.nn.LSTM})
    assert [n for n, _ in q.named_buffers()] == [n for n, _ in tq.named_buffers()] == []
    assert [n for n, _ in q.named_parameters()] == [n for n, _ in tq.named_parameters()]
    assert list(q.state_dict()) == list(tq.state_dict())
    assert (q[0].scale, q[0].zero_point) == (tq[0].scale, tq[0].zero_point)
    sd = q.state_dict()
    del sd["0._packed_params._packed_params"]
    with pytest.raises(RuntimeError, match='Missing key\\(s\\) in state_dict: '
                       '"0._packed_params._packed_params"'):
        q.load_state_dict(sd)
    assert q.load_state_dict(sd, strict=False).missing_keys == ["0._packed_params._packed_params"]
