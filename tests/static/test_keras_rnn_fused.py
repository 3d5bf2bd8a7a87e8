"""Keras' recurrent layers on the static engine run as dlcore's fused layers (one primitive
forward, one for backpropagation through time) instead of a ``while_loop`` over the time steps
wherever the loop's maths is the fused layer's (``dlcore_static/keras/layers/recurrent.py``,
``_fused``): the default ``LSTM`` (``lstm_seq``; tanh and sigmoid, no recurrent dropout), the
default ``GRU`` (``gru_seq``; ``reset_after=False``: ``gru_rb_seq``; Keras' gate order z, r,
h swapped into the layer's r, z) and a tanh or relu ``SimpleRNN`` (``rnn_seq``).

Checked by behaviour: the graph's ops; the outputs, states and one SGD step against the step
loop's (the same layer with the fused path turned off) with random biases (the gate order
matters); the outputs against NumPy written from Keras' equations; the fallbacks; and the ONNX
export of each fused layer (a Loop) run by onnxruntime against ``predict``.  Masked layers:
test_keras_rnn_masked_fused.py.
"""

from __future__ import annotations

import numpy as np
import pytest

from dlcore_static import keras
from dlcore_static.keras.layers import recurrent

L = keras.layers
OP = {"LSTM": "LstmSeq", "GRU": "GruSeq", "SimpleRNN": "RnnSeq"}


def _ops():
    return keras.backend.get_session().graph.get_operations()


def _model(layer, **kwargs):
    """An input (4, 7, 5) through ``layer``(6) returning its sequence and states, and a Dense
    head on all of them: the model (outputs [head, sequence, *states]) and the op types its
    building added to the graph."""
    keras.backend.clear_session()
    before = len(_ops())
    x = keras.Input((7, 5))
    seq, *states = getattr(L, layer)(6, return_sequences=True, return_state=True, **kwargs)(x)
    out = L.Dense(1)(L.concatenate([L.Flatten()(seq)] + states))
    model = keras.Model(x, [out, seq] + states)
    model.compile("sgd", ["mse"] + [None] * (1 + len(states)))
    return model, {op.type for op in _ops()[before:]}


def _data():
    rng = np.random.default_rng(0)
    return (rng.standard_normal((4, 7, 5)).astype(np.float32),
            rng.standard_normal((4, 1)).astype(np.float32))


def _random_bias(model, kwargs):
    """The layer's bias (weights[2], after its kernels) random: zeros would hide a wrong gate
    order."""
    weights = model.get_weights()
    if kwargs.get("use_bias", True):
        weights[2] = np.random.default_rng(1).standard_normal(weights[2].shape).astype(
            np.float32)
        model.set_weights(weights)
    return weights


CASES = [("LSTM", {}), ("GRU", {}), ("GRU", {"use_bias": False}), ("GRU", {"reset_after": False}),
         ("GRU", {"reset_after": False, "use_bias": False}),
         ("SimpleRNN", {}), ("SimpleRNN", {"activation": "relu"})]


def _op(layer, kwargs) -> str:
    """The fused primitive's op type (Keras' reset-before GRU: TensorFlow's GRUCell's)."""
    return "GruRbSeq" if kwargs.get("reset_after", True) is False else OP[layer]


@pytest.mark.parametrize("layer,kwargs", CASES)
def test_the_layer_is_one_fused_node_equal_to_the_step_loop(monkeypatch, layer, kwargs):
    x, y = _data()
    fused, types = _model(layer, **kwargs)
    assert _op(layer, kwargs) in types and "While" not in types
    weights = _random_bias(fused, kwargs)
    got = fused.predict(x)
    fused.train_on_batch(x, y)
    stepped = fused.get_weights()
    monkeypatch.setattr(getattr(recurrent, layer), "_fusable", lambda self, xw, states: False)
    loop, types = _model(layer, **kwargs)
    assert "While" in types and _op(layer, kwargs) not in types
    loop.set_weights(weights)
    want = loop.predict(x)
    for a, b in zip(got, want):                 # the head, the h sequence, the states
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got[1][:, -1], got[2], rtol=1e-6)     # the last step's h
    if layer == "LSTM":
        assert not np.allclose(got[2], got[3])  # (c is not h)
    loop.train_on_batch(x, y)                    # one SGD step: the same gradients
    for a, b in zip(stepped, loop.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    for a, b in zip(stepped, weights):           # (every weight moved, the biases too)
        assert not np.allclose(a, b)


def _sig(v):
    return 1 / (1 + np.exp(-v))


def _keras_step(layer, activation, x, h, c, w, u, b):
    """One step of Keras' equations (gates i, f, c, o and z, r, h; GRU's reset_after)."""
    n = h.shape[1]
    if layer == "LSTM":
        z = x @ w + h @ u + b
        i, f, g, o = (z[:, k * n:(k + 1) * n] for k in range(4))
        c = _sig(f) * c + _sig(i) * np.tanh(g)
        return _sig(o) * np.tanh(c), c
    if layer == "GRU" and b.ndim == 1:               # reset_after=False: r scales h first
        xw = x @ w + b
        z = _sig(xw[:, :n] + h @ u[:, :n])
        r = _sig(xw[:, n:2 * n] + h @ u[:, n:2 * n])
        hh = np.tanh(xw[:, 2 * n:] + (r * h) @ u[:, 2 * n:])
        return z * h + (1 - z) * hh, c
    if layer == "GRU":
        xw, hu = x @ w + b[0], h @ u + b[1]
        z = _sig(xw[:, :n] + hu[:, :n])
        r = _sig(xw[:, n:2 * n] + hu[:, n:2 * n])
        hh = np.tanh(xw[:, 2 * n:] + r * hu[:, 2 * n:])
        return z * h + (1 - z) * hh, c
    a = x @ w + b + h @ u
    return (np.tanh(a) if activation == "tanh" else np.maximum(a, 0)), c


@pytest.mark.parametrize("layer,kwargs", CASES)
def test_the_fused_layer_matches_numpy_written_from_keras_equations(layer, kwargs):
    x, _ = _data()
    model, _ = _model(layer, **kwargs)
    weights = _random_bias(model, kwargs)
    w, u = weights[:2]
    b = weights[2] if kwargs.get("use_bias", True) else \
        np.zeros((18,) if kwargs.get("reset_after", True) is False else (2, 18), np.float32)
    h, c, seq = np.zeros((4, 6), np.float32), np.zeros((4, 6), np.float32), []
    for t in range(7):
        h, c = _keras_step(layer, kwargs.get("activation", "tanh"), x[:, t], h, c, w, u, b)
        seq.append(h)
    got = model.predict(x)
    np.testing.assert_allclose(got[1], np.stack(seq, 1), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got[2], h, rtol=1e-5, atol=1e-6)
    if layer == "LSTM":
        np.testing.assert_allclose(got[3], c, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("layer,kwargs", [
    ("LSTM", {"recurrent_dropout": 0.3}), ("LSTM", {"recurrent_activation": "hard_sigmoid"}),
    ("LSTM", {"activation": "relu"}), ("GRU", {"recurrent_dropout": 0.3}),
    ("GRU", {"recurrent_activation": "hard_sigmoid"}),
    ("GRU", {"activation": "relu"}), ("SimpleRNN", {"recurrent_dropout": 0.3}),
    ("SimpleRNN", {"activation": "sigmoid"})])
def test_what_the_fused_layer_does_not_compute_runs_as_the_step_loop(layer, kwargs):
    _, types = _model(layer, **kwargs)
    assert "While" in types and OP[layer] not in types


@pytest.mark.parametrize("layer,kwargs", CASES)
def test_the_fused_layer_exports_to_onnx_as_a_loop(layer, kwargs):
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    from dlcore_static.onnx_export import export as export_graph
    x, _ = _data()
    model, _ = _model(layer, **kwargs)
    _random_bias(model, kwargs)
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
