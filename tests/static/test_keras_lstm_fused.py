"""Keras' default LSTM on the static engine runs as dlcore's fused LSTM layer (``lstm_seq``:
one primitive forward, one for backpropagation through time) instead of a ``while_loop`` over
the time steps, wherever the loop's maths is the fused layer's: tanh and sigmoid, no recurrent
dropout, no mask (``dlcore_static/keras/layers/recurrent.py``, ``LSTM._fused``).

Checked by behaviour: the graph's ops, the outputs, states and a training step against the step
loop's (the same layer with the fused path turned off), the fallbacks, and the ONNX export of
the fused layer (a Loop) run by onnxruntime against ``predict``.
"""

from __future__ import annotations

import numpy as np
import pytest

from dlcore_static import keras
from dlcore_static.keras.layers import recurrent

L = keras.layers


def _ops():
    return keras.backend.get_session().graph.get_operations()


def _model(**lstm):
    """The model, and the op types its building added to the graph."""
    keras.backend.clear_session()
    before = len(_ops())
    x = keras.Input((7, 5))
    seq, h, c = L.LSTM(6, return_sequences=True, return_state=True, **lstm)(x)
    out = L.Dense(1)(L.concatenate([L.Flatten()(seq), h, c]))
    model = keras.Model(x, [out, seq, h, c])
    model.compile("sgd", ["mse", None, None, None])
    return model, {op.type for op in _ops()[before:]}


def _data():
    rng = np.random.default_rng(0)
    return (rng.standard_normal((4, 7, 5)).astype(np.float32),
            rng.standard_normal((4, 1)).astype(np.float32))


def test_the_default_lstm_is_one_fused_layer_equal_to_the_step_loop(monkeypatch):
    x, y = _data()
    fused, types = _model()
    assert "LstmSeq" in types and "While" not in types
    weights = fused.get_weights()
    got = fused.predict(x)
    fused.train_on_batch(x, y)
    stepped_weights = fused.get_weights()
    monkeypatch.setattr(recurrent.LSTM, "_fused", lambda self, xw, states: None)
    loop, types = _model()
    assert "While" in types and "LstmSeq" not in types
    loop.set_weights(weights)
    want = loop.predict(x)
    for a, b in zip(got, want):                 # the output, the h sequence, h and c
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert not np.allclose(got[2], got[3])      # (c is not h)
    np.testing.assert_allclose(got[1][:, -1], got[2], rtol=1e-6)    # the last step's h
    loop.train_on_batch(x, y)                    # one SGD step: the same gradients
    for a, b in zip(stepped_weights, loop.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert not np.allclose(stepped_weights[0], weights[0])


@pytest.mark.parametrize("kwargs", [{"recurrent_dropout": 0.3},
                                    {"recurrent_activation": "hard_sigmoid"},
                                    {"activation": "relu"}])
def test_what_the_fused_layer_does_not_compute_runs_as_the_step_loop(kwargs):
    _, types = _model(**kwargs)
    assert "While" in types and "LstmSeq" not in types


def test_a_masked_lstm_runs_as_the_step_loop():
    keras.backend.clear_session()
    before = len(_ops())
    ids = keras.Input((6,), dtype="int32")
    L.LSTM(4)(L.Embedding(10, 3, mask_zero=True)(ids))
    types = {op.type for op in _ops()[before:]}
    assert "While" in types and "LstmSeq" not in types


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
