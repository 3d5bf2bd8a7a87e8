"""Keras 2's ``CuDNNLSTM`` and ``CuDNNGRU`` (``dlcore_static/keras/layers/cudnn_recurrent.py``):
cuDNN's weights (one bias vector: the input bias, then the recurrent one) on the LSTM's and the
GRU's maths, run as the fused layers on any device.  Checked against the ``LSTM`` and
``GRU(reset_after=True)`` layers given the same weights (the LSTM's bias = the sum of cuDNN's
two, the GRU's two rows = its halves) and against NumPy written from cuDNN's GRU equations; the
weights' shapes and initial bias (``unit_forget_bias``: the recurrent forget gate's units at
1); a training step; ``Bidirectional``; the configuration and the JSON and HDF5 round trips;
the refusals (dropout arguments, masks)."""

from __future__ import annotations

import numpy as np
import pytest

from dlcore_static import keras

L = keras.layers


def _data():
    rng = np.random.default_rng(0)
    return rng.standard_normal((4, 7, 5)).astype(np.float32)


def _model(layer, **kwargs):
    keras.backend.clear_session()
    x = keras.Input((7, 5))
    outs = layer(6, return_sequences=True, return_state=True, **kwargs)(x)
    return keras.Model(x, outs)


def _types():
    return {op.type for op in keras.backend.get_session().graph.get_operations()}


def test_cudnn_lstm_is_the_lstm_with_both_biases_summed():
    x = _data()
    model = _model(L.CuDNNLSTM)
    assert "LstmSeq" in _types() and "While" not in _types()
    assert model.layers[1].name == "cu_dnnlstm"
    w, u, b = model.get_weights()
    assert (w.shape, u.shape, b.shape) == ((5, 24), (6, 24), (48,))
    want_b = np.zeros(48, np.float32)
    want_b[30:36] = 1                           # unit_forget_bias: the recurrent f block
    np.testing.assert_array_equal(b, want_b)
    b = np.random.default_rng(1).standard_normal(48).astype(np.float32)
    model.set_weights([w, u, b])
    got = model.predict(x)
    ref = _model(L.LSTM)
    ref.set_weights([w, u, b[:24] + b[24:]])
    for a, c in zip(got, ref.predict(x)):       # sequence, h, c
        np.testing.assert_allclose(a, c, rtol=1e-5, atol=1e-6)


def _sig(v):
    return 1 / (1 + np.exp(-v))


def test_cudnn_gru_matches_the_reset_after_gru_and_numpy():
    x = _data()
    model = _model(L.CuDNNGRU)
    assert "GruSeq" in _types() and "While" not in _types()
    w, u, b = model.get_weights()
    assert (w.shape, u.shape, b.shape) == ((5, 18), (6, 18), (36,))
    assert not b.any()
    b = np.random.default_rng(1).standard_normal(36).astype(np.float32)
    model.set_weights([w, u, b])
    got = model.predict(x)
    n, h, seq = 6, np.zeros((4, 6), np.float32), []
    for t in range(7):
        xw, hu = x[:, t] @ w + b[:18], h @ u + b[18:]
        z = _sig(xw[:, :n] + hu[:, :n])
        r = _sig(xw[:, n:2 * n] + hu[:, n:2 * n])
        h = z * h + (1 - z) * np.tanh(xw[:, 2 * n:] + r * hu[:, 2 * n:])
        seq.append(h)
    np.testing.assert_allclose(got[0], np.stack(seq, 1), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got[1], h, rtol=1e-5, atol=1e-6)
    ref = _model(L.GRU, reset_after=True)
    ref.set_weights([w, u, b.reshape(2, 18)])
    for a, c in zip(got, ref.predict(x)):
        np.testing.assert_allclose(a, c, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("layer", ["CuDNNLSTM", "CuDNNGRU"])
def test_a_model_trains_and_round_trips_through_json_and_hdf5(layer, tmp_path):
    pytest.importorskip("h5py")
    keras.backend.clear_session()
    rng = np.random.default_rng(2)
    x = rng.standard_normal((16, 7, 5)).astype(np.float32)
    y = rng.standard_normal((16, 1)).astype(np.float32)
    model = keras.Sequential([keras.Input((7, 5)),
                              L.Bidirectional(getattr(L, layer)(6, return_sequences=True)),
                              getattr(L, layer)(4), L.Dense(1)])
    model.compile("adam", "mse")
    losses = model.fit(x, y, epochs=8, batch_size=8, verbose=0).history["loss"]
    assert losses[-1] < losses[0]
    want = model.predict(x)
    cfg = model.layers[1].get_config()
    assert "dropout" not in cfg and "activation" not in cfg and cfg["units"] == 4
    assert ("unit_forget_bias" in cfg) == (layer == "CuDNNLSTM")
    again = keras.models.model_from_json(model.to_json())
    again.set_weights(model.get_weights())
    np.testing.assert_allclose(again.predict(x), want, rtol=1e-5, atol=1e-6)
    path = str(tmp_path / "m.h5")
    model.save(path)
    loaded = keras.models.load_model(path)
    assert type(loaded.layers[1]).__name__ == layer
    np.testing.assert_allclose(loaded.predict(x), want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("layer", ["CuDNNLSTM", "CuDNNGRU"])
@pytest.mark.parametrize("kwarg", ["dropout", "recurrent_dropout", "activation"])
def test_arguments_cudnn_does_not_take_are_refused(layer, kwarg):
    with pytest.raises(TypeError, match=f"unexpected keyword argument '{kwarg}'"):
        getattr(L, layer)(4, **{kwarg: 0.5 if "dropout" in kwarg else "relu"})


@pytest.mark.parametrize("layer", ["CuDNNLSTM", "CuDNNGRU"])
def test_a_mask_is_refused(layer):
    keras.backend.clear_session()
    ids = keras.Input((6,), dtype="int32")
    emb = L.Embedding(10, 3, mask_zero=True)(ids)
    with pytest.raises(TypeError, match="does not support masking, but was passed an "
                                        "input_mask"):
        getattr(L, layer)(4)(emb)
