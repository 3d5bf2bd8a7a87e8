"""Keras' default GRU on the static engine runs as dlcore's fused GRU layer (``gru_seq``: one
primitive forward, one for backpropagation through time) instead of a ``while_loop`` over the
time steps, wherever the loop's maths is the fused layer's: ``reset_after``, tanh and sigmoid,
no recurrent dropout, no mask (``dlcore_static/keras/layers/recurrent.py``, ``GRU._fused``;
Keras' gate order z, r, h swapped into the layer's r, z, n).

Checked by behaviour: the graph's ops, the outputs, the state and a training step against the
step loop's (the same layer with the fused path turned off), with and without biases, the
fallbacks, and the ONNX export of the fused layer (a Loop) run by onnxruntime against
``predict``.
"""

from __future__ import annotations

import numpy as np
import pytest

from dlcore_static import keras
from dlcore_static.keras.layers import recurrent

L = keras.layers


def _ops():
    return keras.backend.get_session().graph.get_operations()


def _model(**gru):
    """The model, and the op types its building added to the graph."""
    keras.backend.clear_session()
    before = len(_ops())
    x = keras.Input((7, 5))
    seq, h = L.GRU(6, return_sequences=True, return_state=True, **gru)(x)
    out = L.Dense(1)(L.concatenate([L.Flatten()(seq), h]))
    model = keras.Model(x, [out, seq, h])
    model.compile("sgd", ["mse", None, None])
    return model, {op.type for op in _ops()[before:]}


def _data():
    rng = np.random.default_rng(0)
    return (rng.standard_normal((4, 7, 5)).astype(np.float32),
            rng.standard_normal((4, 1)).astype(np.float32))


@pytest.mark.parametrize("use_bias", [True, False])
def test_the_default_gru_is_one_fused_layer_equal_to_the_step_loop(monkeypatch, use_bias):
    x, y = _data()
    fused, types = _model(use_bias=use_bias)
    assert "GruSeq" in types and "While" not in types
    weights = fused.get_weights()
    if use_bias:                            # distinct recurrent biases: the gate order matters
        weights[2] = np.random.default_rng(1).standard_normal(weights[2].shape).astype(
            np.float32)
        fused.set_weights(weights)
    got = fused.predict(x)
    fused.train_on_batch(x, y)
    stepped_weights = fused.get_weights()
    monkeypatch.setattr(recurrent.GRU, "_fused", lambda self, xw, states: None)
    loop, types = _model(use_bias=use_bias)
    assert "While" in types and "GruSeq" not in types
    loop.set_weights(weights)
    want = loop.predict(x)
    for a, b in zip(got, want):                 # the output, the h sequence, h
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got[1][:, -1], got[2], rtol=1e-6)    # the last step's h
    loop.train_on_batch(x, y)                    # one SGD step: the same gradients
    for a, b in zip(stepped_weights, loop.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    for a, b in zip(stepped_weights, weights):   # (every weight moved, the biases too)
        assert not np.allclose(a, b)


def test_the_fused_layer_matches_numpy_written_from_keras_equations():
    """Keras' GRU (reset_after): z, r = s(x W_z + h U_z + b), h~ = tanh(x W_h + b_h + r (h U_h
    + b'_h)), h' = z h + (1 - z) h~, from the layer's own weights."""
    x, _ = _data()
    model, _ = _model()
    w, u, b = model.get_weights()[:3]
    b = np.random.default_rng(2).standard_normal(b.shape).astype(np.float32)
    model.set_weights([w, u, b] + model.get_weights()[3:])
    n = 6
    h = np.zeros((4, n), np.float32)
    seq = []
    for t in range(7):
        xw, hu = x[:, t] @ w + b[0], h @ u + b[1]
        z = 1 / (1 + np.exp(-(xw[:, :n] + hu[:, :n])))
        r = 1 / (1 + np.exp(-(xw[:, n:2 * n] + hu[:, n:2 * n])))
        hh = np.tanh(xw[:, 2 * n:] + r * hu[:, 2 * n:])
        h = z * h + (1 - z) * hh
        seq.append(h)
    got = model.predict(x)
    np.testing.assert_allclose(got[1], np.stack(seq, 1), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got[2], h, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kwargs", [{"recurrent_dropout": 0.3}, {"reset_after": False},
                                    {"recurrent_activation": "hard_sigmoid"},
                                    {"activation": "relu"}])
def test_what_the_fused_layer_does_not_compute_runs_as_the_step_loop(kwargs):
    _, types = _model(**kwargs)
    assert "While" in types and "GruSeq" not in types


def test_a_masked_gru_runs_as_the_step_loop():
    keras.backend.clear_session()
    before = len(_ops())
    ids = keras.Input((6,), dtype="int32")
    L.GRU(4)(L.Embedding(10, 3, mask_zero=True)(ids))
    types = {op.type for op in _ops()[before:]}
    assert "While" in types and "GruSeq" not in types


def test_the_fused_layer_exports_to_onnx_as_a_loop():
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    from dlcore_static.onnx_export import export as export_graph
    x, _ = _data()
    model, _ = _model()
    want = model.predict(x)
    for opset in (11, 17):
        proto = export_graph(keras.backend.get_session(), fetches=list(model.outputs),
                             feeds=list(model.inputs), opset_version=opset)
        assert "Loop" in {n.op_type for n in proto.graph.node}
        sess = ort.InferenceSession(proto.SerializeToString(),
                                    providers=["CPUExecutionProvider"])
        got = sess.run(None, {sess.get_inputs()[0].name: x})
        for a, b in zip(got, want):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
