"""Keras' SimpleRNN (tanh or relu, no recurrent dropout, no mask) on the static engine runs as
dlcore's fused Elman layer (``rnn_seq``: one primitive forward, one for backpropagation through
time) instead of a ``while_loop`` (``dlcore_static/keras/layers/recurrent.py``,
``SimpleRNN._fused``): the graph's ops, the outputs, the state and a training step against the
step loop's (the fused path turned off) and against NumPy written from Keras' equation, the
fallbacks, and the ONNX export (a Loop) run by onnxruntime against ``predict``."""

from __future__ import annotations

import numpy as np
import pytest

from dlcore_static import keras
from dlcore_static.keras.layers import recurrent

L = keras.layers


def _ops():
    return keras.backend.get_session().graph.get_operations()


def _model(**rnn):
    keras.backend.clear_session()
    before = len(_ops())
    x = keras.Input((7, 5))
    seq, h = L.SimpleRNN(6, return_sequences=True, return_state=True, **rnn)(x)
    out = L.Dense(1)(L.concatenate([L.Flatten()(seq), h]))
    model = keras.Model(x, [out, seq, h])
    model.compile("sgd", ["mse", None, None])
    return model, {op.type for op in _ops()[before:]}


def _data():
    rng = np.random.default_rng(0)
    return (rng.standard_normal((4, 7, 5)).astype(np.float32),
            rng.standard_normal((4, 1)).astype(np.float32))


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_simplernn_is_one_fused_layer_equal_to_the_step_loop_and_numpy(monkeypatch, activation):
    x, y = _data()
    fused, types = _model(activation=activation)
    assert "RnnSeq" in types and "While" not in types
    weights = fused.get_weights()
    weights[2] = np.random.default_rng(1).standard_normal(weights[2].shape).astype(np.float32)
    fused.set_weights(weights)
    got = fused.predict(x)
    w, u, b = weights[:3]
    h = np.zeros((4, 6), np.float32)
    seq = []
    for t in range(7):
        a = x[:, t] @ w + b + h @ u
        h = np.tanh(a) if activation == "tanh" else np.maximum(a, 0)
        seq.append(h)
    np.testing.assert_allclose(got[1], np.stack(seq, 1), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got[2], h, rtol=1e-5, atol=1e-6)
    fused.train_on_batch(x, y)
    stepped = fused.get_weights()
    monkeypatch.setattr(recurrent.SimpleRNN, "_fused", lambda self, xw, states: None)
    loop, types = _model(activation=activation)
    assert "While" in types and "RnnSeq" not in types
    loop.set_weights(weights)
    for a, b_ in zip(got, loop.predict(x)):
        np.testing.assert_allclose(a, b_, rtol=1e-5, atol=1e-6)
    loop.train_on_batch(x, y)                    # one SGD step: the same gradients
    for a, b_ in zip(stepped, loop.get_weights()):
        np.testing.assert_allclose(a, b_, rtol=1e-5, atol=1e-6)
    for a, b_ in zip(stepped, weights):
        assert not np.allclose(a, b_)


@pytest.mark.parametrize("kwargs", [{"recurrent_dropout": 0.3}, {"activation": "sigmoid"}])
def test_what_the_fused_layer_does_not_compute_runs_as_the_step_loop(kwargs):
    _, types = _model(**kwargs)
    assert "While" in types and "RnnSeq" not in types


def test_the_fused_layer_exports_to_onnx_as_a_loop():
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    from dlcore_static.onnx_export import export as export_graph
    x, _ = _data()
    for activation in ("tanh", "relu"):
        model, _ = _model(activation=activation)
        want = model.predict(x)
        proto = export_graph(keras.backend.get_session(), fetches=list(model.outputs),
                             feeds=list(model.inputs), opset_version=13)
        assert "Loop" in {n.op_type for n in proto.graph.node}
        sess = ort.InferenceSession(proto.SerializeToString(),
                                    providers=["CPUExecutionProvider"])
        got = sess.run(None, {sess.get_inputs()[0].name: x})
        for a, b in zip(got, want):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
