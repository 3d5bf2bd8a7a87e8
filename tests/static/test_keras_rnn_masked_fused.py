"""A masked Keras recurrent layer (``Embedding(mask_zero=True)``, ``Masking``) runs as dlcore's
fused layer over each sequence's kept steps (``dlcore_static/keras/layers/_kept_steps.py``)
instead of the masked step loop: the kept steps gathered to the front, the fused layer, the
outputs and final states gathered back (a masked step keeps the previous output and state, the
initial ones before any kept step).

Checked by behaviour, with masks padded at the start (``pad_sequences``' default), at the end,
with holes, all masked and none masked: the graph's ops; the outputs, states and one SGD step
against the masked step loop's (the fused path turned off), forwards, ``go_backwards`` and
``Bidirectional``; the outputs against NumPy written from Keras' equations; against Keras 3's
layers with the same weights where Keras is installed; and the ONNX export (the gathers'
CumSum and TopK) run by onnxruntime.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static import keras
from dlcore_static.keras.layers import recurrent

L = keras.layers
OP = {"LSTM": "LstmSeq", "GRU": "GruSeq", "SimpleRNN": "RnnSeq"}
STATES = {"LSTM": 2, "GRU": 1, "SimpleRNN": 1}


def _ops():
    return keras.backend.get_session().graph.get_operations()


def _ids():
    """Word ids (5, 7), 0 the padding: a sequence all padding, one padded at the start, one at
    the end, one with holes, one with none."""
    rng = np.random.default_rng(0)
    x = rng.integers(1, 10, (5, 7))
    x[0] = 0
    x[1, :3] = 0
    x[2, 4:] = 0
    x[3, [1, 2, 5]] = 0
    return x


def _model(layer, make=None, **kwargs):
    """Ids (batch, 7) through Embedding(10, 5, mask_zero) and ``layer``(6) (``make(layer)``:
    a wrapper around it) returning its sequence and states: a Dense head on the states, an mse
    loss on the (masked) sequence too.  The model and the op types its building added."""
    keras.backend.clear_session()
    before = len(_ops())
    ids = keras.Input((7,), dtype="int32")
    e = L.Embedding(10, 5, mask_zero=True)(ids)
    rnn = getattr(L, layer)(6, return_sequences=True, return_state=True, **kwargs)
    seq, *states = (make(rnn) if make else rnn)(e)
    out = L.Dense(1)(L.concatenate(states) if len(states) > 1 else states[0])
    model = keras.Model(ids, [out, seq] + states)
    model.compile("sgd", ["mse", "mse"] + [None] * len(states))
    return model, {op.type for op in _ops()[before:]}


def _random_weights(model):
    rng = np.random.default_rng(1)
    weights = [(0.5 * rng.standard_normal(w.shape)).astype(np.float32)
               for w in model.get_weights()]
    model.set_weights(weights)
    return weights


def _fused_against_loop(monkeypatch, layer, make=None, **kwargs):
    """The fused model's outputs and weights after one SGD step, against the loop's."""
    x = _ids()
    rng = np.random.default_rng(2)
    fused, types = _model(layer, make, **kwargs)
    assert OP[layer] in types and "While" not in types
    targets = [rng.standard_normal(o.shape).astype(np.float32)
               for o in fused.predict(x, verbose=0)[:2]]
    weights = _random_weights(fused)
    got = fused.predict(x, verbose=0)
    fused.train_on_batch(x, targets)
    stepped = fused.get_weights()
    monkeypatch.setattr(getattr(recurrent, layer), "_fusable", lambda self, xw, states: False)
    loop, types = _model(layer, make, **kwargs)
    assert "While" in types and OP[layer] not in types
    loop.set_weights(weights)
    want = loop.predict(x, verbose=0)
    for a, b in zip(got, want):             # the head, the sequence, the states
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    loop.train_on_batch(x, targets)         # one SGD step: the same gradients
    for a, b in zip(stepped, loop.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    for a, b in zip(stepped[1:], weights[1:]):       # (every layer weight moved)
        assert not np.allclose(a, b)
    return got


@pytest.mark.parametrize("layer", ["LSTM", "GRU", "SimpleRNN"])
@pytest.mark.parametrize("backwards", [False, True])
def test_a_masked_layer_is_one_fused_node_equal_to_the_masked_loop(monkeypatch, layer,
                                                                     backwards):
    got = _fused_against_loop(monkeypatch, layer, go_backwards=backwards)
    seq, state = got[1], got[2]
    # an all-padding sequence keeps the zero initial state; a sequence padded at the end
    # (forwards) holds its last kept output there, and it is the final state
    np.testing.assert_array_equal(seq[0], 0)
    np.testing.assert_array_equal(state[0], 0)
    if not backwards:
        np.testing.assert_array_equal(seq[2, 4:], np.broadcast_to(seq[2, 3], (3, 6)))
        np.testing.assert_array_equal(state[2], seq[2, 3])
        np.testing.assert_array_equal(seq[1, :3], 0)          # (before its first kept step)


def test_a_masked_bidirectional_layer_is_two_fused_nodes_equal_to_the_masked_loops(
        monkeypatch):
    _fused_against_loop(monkeypatch, "LSTM", lambda rnn: L.Bidirectional(rnn))
    types = [op.type for op in _ops()]
    assert types.count("While") == 2


def _sig(v):
    return 1 / (1 + np.exp(-v))


def _keras_masked(layer, x, keep, w, u, b):
    """Keras' equations over time, a masked step keeping the output and states (the
    sequence, h, c)."""
    nb, n = x.shape[0], u.shape[0]
    h, c, seq = np.zeros((nb, n)), np.zeros((nb, n)), []
    for t in range(x.shape[1]):
        xt = x[:, t]
        if layer == "LSTM":
            z = xt @ w + h @ u + b
            i, f, g, o = (z[:, k * n:(k + 1) * n] for k in range(4))
            c2 = _sig(f) * c + _sig(i) * np.tanh(g)
            h2 = _sig(o) * np.tanh(c2)
        elif layer == "GRU":
            xw, hu = xt @ w + b[0], h @ u + b[1]
            z = _sig(xw[:, :n] + hu[:, :n])
            r = _sig(xw[:, n:2 * n] + hu[:, n:2 * n])
            h2, c2 = z * h + (1 - z) * np.tanh(xw[:, 2 * n:] + r * hu[:, 2 * n:]), c
        else:
            h2, c2 = np.tanh(xt @ w + b + h @ u), c
        k = keep[:, t:t + 1]
        h, c = np.where(k, h2, h), np.where(k, c2, c)
        seq.append(h)
    return np.stack(seq, 1), h, c


@pytest.mark.parametrize("layer", ["LSTM", "GRU", "SimpleRNN"])
def test_the_masked_fused_layer_matches_numpy_written_from_keras_equations(layer):
    keras.backend.clear_session()
    rng = np.random.default_rng(3)
    x = rng.standard_normal((5, 7, 4)).astype(np.float32)
    keep = _ids() != 0
    x[~keep] = 0.0                                  # Masking(0.0): those steps are padding
    inp = keras.Input((7, 4))
    seq, *states = getattr(L, layer)(6, return_sequences=True, return_state=True)(
        L.Masking(0.0)(inp))
    model = keras.Model(inp, [seq] + states)
    assert OP[layer] in {op.type for op in _ops()}
    weights = _random_weights(model)
    want = _keras_masked(layer, x.astype(np.float64), keep, *weights)
    got = model.predict(x, verbose=0)
    for a, b in zip(got, want):                     # the sequence, h (and c)
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("layer", ["LSTM", "GRU", "SimpleRNN"])
def test_the_masked_fused_layer_matches_keras3(layer):
    os.environ.setdefault("KERAS_BACKEND", "numpy")
    real = pytest.importorskip("keras")
    rng = np.random.default_rng(4)
    x = rng.standard_normal((5, 7, 4)).astype(np.float32)
    keep = _ids() != 0
    ref = getattr(real.layers, layer)(6, return_sequences=True, return_state=True)
    ref(x[:1], mask=keep[:1])                       # (built)
    weights = [(0.5 * rng.standard_normal(w.shape)).astype(np.float32)
               for w in ref.get_weights()]
    ref.set_weights(weights)
    want = [np.asarray(v) for v in ref(x, mask=keep)]
    keras.backend.clear_session()
    inp, m = keras.Input((7, 4)), keras.Input((7,), dtype="bool")
    ours = getattr(L, layer)(6, return_sequences=True, return_state=True)
    out = ours(inp, mask=m)
    ours.set_weights(weights)
    got = keras.backend.get_session().run(out, {inp: x, m: keep})
    assert OP[layer] in {op.type for op in _ops()}
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


def test_a_masked_bidirectional_model_exports_to_onnx():
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    from dlcore_static.onnx_export import export as export_graph
    keras.backend.clear_session()
    ids = keras.Input((7,), dtype="int32")
    seq = L.Bidirectional(L.GRU(6, return_sequences=True))(
        L.Embedding(10, 5, mask_zero=True)(ids))
    model = keras.Model(ids, [L.Dense(1)(L.Bidirectional(L.LSTM(3))(seq)), seq])
    _random_weights(model)
    x = _ids().astype(np.int32)
    want = model.predict(x, verbose=0)
    for opset in (11, 17):
        proto = export_graph(keras.backend.get_session(), fetches=list(model.outputs),
                             feeds=list(model.inputs), opset_version=opset)
        kinds = {n.op_type for n in proto.graph.node}
        assert {"CumSum", "TopK"} <= kinds
        sess = ort.InferenceSession(proto.SerializeToString(),
                                    providers=["CPUExecutionProvider"])
        got = sess.run(None, {sess.get_inputs()[0].name: x})
        for a, b in zip(got, want):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("make", [lambda: L.LSTM(3, return_sequences=True),
                                  lambda: L.RNN(L.GRUCell(3), return_sequences=True)],
                         ids=["LSTM", "RNN(GRUCell)"])
def test_a_mask_of_other_steps_is_refused_not_read(make):
    """A mask whose (batch, timesteps) differ from the inputs': a ValueError naming the layer
    and both shapes when the graph is built, an InvalidArgumentError at run time where the
    sizes are known only then (the fused layer's gathers would otherwise read a mask of
    other steps as this batch's: a silently truncated output)."""
    keras.backend.clear_session()
    inp, short = keras.Input((7, 4)), keras.Input((5,), dtype="bool")
    with pytest.raises(ValueError, match=r"the mask must have the inputs' \(batch, timesteps\) "
                                         r"shape; got a mask of shape \(\?, 5\) for inputs of "
                                         r"shape \(\?, 7, 4\)"):
        make()(inp, mask=short)
    m = keras.Input((7,), dtype="bool")
    layer = make()
    out = layer(inp, mask=m)
    sess = keras.backend.get_session()
    x = np.ones((2, 7, 4), np.float32)
    ok = sess.run(out, {inp: x, m: np.ones((2, 7), bool)})
    assert ok.shape == (2, 7, 3)
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"the mask must have the inputs' \(batch, timesteps\) shape \] "
                             r"\[2 7\] \[ but saw shape: \] \[3 7\]"):
        sess.run(out, {inp: x, m: np.ones((3, 7), bool)})
    np.testing.assert_array_equal(sess.run(out, {inp: x, m: np.ones((2, 7), bool)}), ok)


def test_a_mask_of_numbers_is_read_as_booleans():
    keras.backend.clear_session()
    inp = keras.Input((7, 4))
    masks = [keras.Input((7,), dtype="float32"), keras.Input((7,), dtype="bool")]
    layer = L.GRU(3, return_sequences=True)
    outs = [layer(inp, mask=m) for m in masks]
    keep = _ids()[:, :7] != 0
    x = np.random.default_rng(5).standard_normal((5, 7, 4)).astype(np.float32)
    a, b = keras.backend.get_session().run(outs, {inp: x, masks[0]: keep.astype(np.float32),
                                                  masks[1]: keep})
    np.testing.assert_array_equal(a, b)
