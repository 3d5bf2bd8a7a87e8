"""ONNX both ways with the real tools: files written by ``torch.onnx.export`` (the TorchScript
exporter) imported by ``dlcore_eager.onnx.load_model`` and compared with the torch module, at
the example's batch size and another one (dynamic axes); and a graph holding softmax's vjp as
one primitive (``softmax_backward_data``, from ``autograd.grad(create_graph=True)``) exported
at opsets 11, 13 and 17 and run in onnxruntime against dlcore and torch."""

from __future__ import annotations

import io
import warnings

import numpy as np
import pytest

import dlcore_eager as dt
import dlcore_eager.onnx

torch = pytest.importorskip("torch")
onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")


def _torch_export(model, x, dynamic: bool, opset: int = 17) -> bytes:
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            torch.onnx.export(model, (x,), buf, dynamo=False, opset_version=opset,
                              input_names=["x"],
                              dynamic_axes={"x": {0: "batch"}} if dynamic else None)
        except (ImportError, ModuleNotFoundError) as e:     # pragma: no cover - torch's deps
            pytest.skip(f"torch.onnx.export needs {e}")
    return buf.getvalue()


class _Emb(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.e, self.fc = torch.nn.Embedding(10, 4), torch.nn.Linear(4, 2)

    def forward(self, i):
        return self.fc(self.e(i).mean(1))


class _Res(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.c1, self.p = torch.nn.Conv1d(4, 4, 3, padding=1), torch.nn.AvgPool1d(2)
        self.up = torch.nn.Upsample(scale_factor=2)

    def forward(self, x):
        y = self.up(self.p(torch.relu(self.c1(x)) + x))
        return y.transpose(1, 2).reshape(x.shape[0], -1)


class _Attn(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a = torch.nn.MultiheadAttention(8, 2, batch_first=True)

    def forward(self, q):
        return self.a(q, q, q, need_weights=False)[0]


def _models():
    nn = torch.nn
    return {
        "cnn": (lambda: nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                                      nn.MaxPool2d(2), nn.Flatten(), nn.Linear(64, 5),
                                      nn.Softmax(1)), (2, 3, 8, 8), True),
        "mlp": (lambda: nn.Sequential(nn.Linear(6, 8), nn.GELU(), nn.LayerNorm(8),
                                      nn.Dropout(0.1), nn.Linear(8, 3), nn.LogSoftmax(1)),
                (4, 6), True),
        "lstm": (lambda: nn.LSTM(5, 7, num_layers=2, batch_first=True), (3, 4, 5), False),
        "gru": (lambda: nn.GRU(5, 7, bidirectional=True), (4, 3, 5), False),
        "embedding": (_Emb, (3, 5), True),
        "residual_conv1d": (_Res, (2, 4, 8), True),
        "attention": (_Attn, (2, 5, 8), True),
    }


@pytest.mark.parametrize("opset", [11, 17])
@pytest.mark.parametrize("name", list(_models()))
def test_torch_onnx_export_imports_and_matches_torch(name, opset):
    make, shape, dynamic = _models()[name]
    if name == "attention" and opset < 14:
        pytest.skip("torch exports scaled_dot_product_attention from opset 14")
    torch.manual_seed(0)
    model = make().eval()
    if name == "embedding":
        x = torch.randint(0, 10, shape)
    else:
        x = torch.randn(shape)
    raw = _torch_export(model, x, dynamic, opset)
    assert onnx.load_from_string(raw).opset_import[0].version == opset
    imported = dlcore_eager.onnx.load_model(io.BytesIO(raw))
    others = [x]
    if dynamic:
        others.append(torch.randint(0, 10, (5,) + shape[1:]) if name == "embedding"
                      else torch.randn((5,) + shape[1:]))
    for xx in others:
        got = imported(dt.tensor(xx.numpy()))
        with torch.no_grad():
            want = model(xx)
        got = got[0] if isinstance(got, (tuple, list)) else got
        want = want[0] if isinstance(want, tuple) else want
        assert tuple(got.shape) == tuple(want.shape)
        np.testing.assert_allclose(got.detach().numpy(), want.numpy(), rtol=1e-5, atol=2e-6)


def _input_grad(lib, w, x, dim):
    """d/dx of sum(softmax(x @ w, dim) * c), computed with create_graph=True."""
    x = x.detach().requires_grad_(True)
    y = lib.softmax(x @ w, dim=dim)
    c = lib.arange(float(y.numel())).reshape(tuple(y.shape)).sin()
    g, = lib.autograd.grad((y * c).sum(), x, create_graph=True)
    return g


@pytest.mark.parametrize("opset", [11, 13, 17])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_backward_data_exports_and_runs(opset, dim):
    rng = np.random.default_rng(opset)
    w = rng.standard_normal((4, 3)).astype(np.float32)
    x = rng.standard_normal((2, 4)).astype(np.float32)
    wt = dt.tensor(w)
    proto = dlcore_eager.onnx.export(lambda xx: _input_grad(dt, wt, xx, dim), (dt.tensor(x),),
                                     opset_version=opset)
    assert "Softmax" in {n.op_type for n in proto.graph.node}
    sess = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    got, = sess.run(None, {sess.get_inputs()[0].name: x})
    want = _input_grad(torch, torch.tensor(w), torch.tensor(x), dim).detach().numpy()
    mine = _input_grad(dt, wt, dt.tensor(x), dim).detach().numpy()
    np.testing.assert_allclose(mine, want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def _small_model_bytes() -> bytes:
    dt.manual_seed(0)
    m = dt.nn.Sequential(dt.nn.Linear(3, 4), dt.nn.ReLU(), dt.nn.Linear(4, 2))
    return dlcore_eager.onnx.export(m, (dt.randn(2, 3),)).SerializeToString()


def test_bad_onnx_files_give_onnx_load_error_naming_the_file(tmp_path):
    from dlcore_eager.onnx import OnnxLoadError
    raw = _small_model_bytes()
    for name, blob, what in [("trunc.onnx", raw[: len(raw) // 2], "DecodeError"),
                             ("text.onnx", b"not a model at all\xff", "DecodeError"),
                             ("empty.onnx", b"", "ValidationError")]:
        (tmp_path / name).write_bytes(blob)
        with pytest.raises(OnnxLoadError, match=rf"ONNX import: '.*{name}' is not a valid ONNX "
                                                 rf"model \({what}"):
            dlcore_eager.onnx.load_model(str(tmp_path / name))
    model = onnx.load_from_string(raw)
    model.graph.initializer[0].data_type = 101              # no such ONNX dtype
    with pytest.raises(OnnxLoadError, match="ONNX import: the model given"):
        dlcore_eager.onnx.load_model(model)
    assert issubclass(OnnxLoadError, ValueError)


def test_fuzzed_onnx_file_loads_or_gives_onnx_load_error():
    import random
    from dlcore_eager.onnx import OnnxLoadError
    raw = _small_model_bytes()
    rng = random.Random(5)
    refused = 0
    for _ in range(300):
        b = bytearray(raw)
        for _ in range(rng.randint(1, 4)):
            b[rng.randrange(len(b))] = rng.randrange(256)
        try:
            dlcore_eager.onnx.load_model(bytes(b))
        except OnnxLoadError:
            refused += 1
        except NotImplementedError as e:                   # an op type's name was hit
            assert "are not supported" in str(e)
    assert refused > 100


def _scatter_grad(lib, x, idx):
    """d/dx of sum(x[idx] * c): scatter_add of c's rows at idx (repeated and negative ones)."""
    x = x.detach().requires_grad_(True)
    c = lib.arange(float(idx.shape[0] * x.shape[1])).reshape(idx.shape[0], x.shape[1]).cos()
    g, = lib.autograd.grad((x[idx] * c).sum(), x, create_graph=True)
    return g * 1.0


@pytest.mark.parametrize("opset", [11, 13, 16, 17])
def test_scatter_add_exports_at_every_opset(opset):
    x = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    idx = np.array([0, 2, 2, -1, 3])
    proto = dlcore_eager.onnx.export(lambda xx: _scatter_grad(dt, xx, dt.tensor(idx)),
                                     (dt.tensor(x),), opset_version=opset)
    ops = {n.op_type for n in proto.graph.node}
    assert ("ScatterND" in ops) == (opset >= 16)
    sess = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    got, = sess.run(None, {sess.get_inputs()[0].name: x})
    want = _scatter_grad(torch, torch.tensor(x), torch.tensor(idx)).detach().numpy()
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


def test_static_keras_model_with_batch_norm_and_gru_exports_at_opsets_11_to_17():
    """A static Keras model's BatchNormalization combines its training flags with bitwise_and
    of booleans (no ONNX conversion before: every Keras model with BatchNorm failed to export)
    and its GRU's sequence scatter is a scatter_add (opset >= 16 only before)."""
    import dlcore_static as tf
    from dlcore_static import keras
    from dlcore_static.onnx_export import export as export_graph
    tf.reset_default_graph()
    keras.backend.clear_session()
    L = keras.layers
    ids, img = keras.Input((6,), dtype="int32"), keras.Input((8, 8, 3))
    e = L.Embedding(12, 5)(ids)
    gru = L.GlobalAveragePooling1D()(L.GRU(3, return_sequences=True)(e))
    h = L.concatenate([L.LSTM(7)(e), gru])
    c = L.Flatten()(L.MaxPooling2D()(L.BatchNormalization()(L.Conv2D(4, 3, padding="same")(img))))
    model = keras.Model([ids, img], L.Dense(2, activation="softmax")(L.concatenate([h, c])))
    rng = np.random.default_rng(0)
    feeds = [rng.integers(0, 12, (2, 6)).astype(np.int32),
             rng.standard_normal((2, 8, 8, 3)).astype(np.float32)]
    want = model.predict(feeds)
    for opset in (11, 13, 17):
        proto = export_graph(keras.backend.get_session(), fetches=[model.outputs[0]],
                             feeds=list(model.inputs), opset_version=opset)
        sess = ort.InferenceSession(proto.SerializeToString(),
                                    providers=["CPUExecutionProvider"])
        got, = sess.run(None, dict(zip([i.name for i in sess.get_inputs()], feeds)))
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_bitwise_ops_of_integers_need_opset_18():
    a, b = np.array([12, 10, -7]), np.array([10, 6, 3])
    f = lambda x, y: (x & y) + (x | y) * 2 + (x ^ y) * 3 + (~x) * 5   # noqa: E731
    with pytest.raises(NotImplementedError, match=r"bitwise_and of int64 needs opset_version >= "
                                                  r"18 \(ONNX's BitwiseAnd\), got 17"):
        dlcore_eager.onnx.export(f, (dt.tensor(a), dt.tensor(b)), opset_version=17)
    if onnx.defs.onnx_opset_version() < 18:
        pytest.skip("the installed onnx has no opset 18")
    proto = dlcore_eager.onnx.export(f, (dt.tensor(a), dt.tensor(b)), opset_version=18)
    sess = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    got, = sess.run(None, dict(zip([i.name for i in sess.get_inputs()], [a, b])))
    np.testing.assert_array_equal(got, f(torch.tensor(a), torch.tensor(b)).numpy())
