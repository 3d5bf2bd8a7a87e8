"""Keras RNN cells with dropout / recurrent_dropout (were refused): masks only while training,
one per gate and batch; without them the cell equals its fused layer; the rates survive a
.keras file read by real Keras 3.15."""

from __future__ import annotations

import numpy as np
import pytest

from dlcore_static import keras
from dlcore_static.keras import layers as L
from tests.io.real_keras import keras3

X = np.random.default_rng(1).normal(size=(3, 5, 2)).astype("float32")


@pytest.mark.parametrize("cell,fused", [("SimpleRNNCell", "SimpleRNN"), ("LSTMCell", "LSTM"),
                                        ("GRUCell", "GRU")])
def test_cell_dropout_only_while_training(cell, fused):
    keras.backend.clear_session()
    x = keras.Input((5, 2))
    # a seeded cell: its masks are a fixed sequence of draws (op seeds from seed), so the test
    # is the same every run; each predict still draws new masks (the stream moves on)
    rnn = L.RNN(getattr(L, cell)(3, dropout=0.4, recurrent_dropout=0.4, seed=11),
                return_sequences=True)
    plain = getattr(L, fused)(3, return_sequences=True)
    train_out = rnn(x, training=True)
    model = keras.Model(x, [rnn(x), plain(x), train_out])
    plain.set_weights(rnn.get_weights())
    a, b, t = model.predict(X)
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)      # inference: no masks
    assert np.abs(t - a).max() > 1e-3                           # training: masked
    t2 = model.predict(X)[2]                                    # new masks per batch
    assert t2.shape == t.shape and np.abs(t2 - t).max() > 1e-3 and np.abs(t2 - a).max() > 1e-3
    t3 = model.predict(X)[2]
    assert np.abs(t3 - t2).max() > 1e-3 and np.abs(t3 - t).max() > 1e-3


def test_stacked_cells_train_and_save_with_rates(tmp_path):
    k3 = keras3()
    keras.backend.clear_session()
    model = keras.models.Sequential([
        L.RNN([L.LSTMCell(4, dropout=0.2, recurrent_activation="sigmoid"),
               L.GRUCell(3, recurrent_dropout=0.3, recurrent_activation="sigmoid")],
              input_shape=(5, 2)),
        L.Dense(1)])
    model.compile("sgd", "mse")
    model.fit(X, np.ones((3, 1)), epochs=2, verbose=0)
    model.save(str(tmp_path / "m.keras"))
    back = k3.saving.load_model(tmp_path / "m.keras")
    cells = back.layers[0].cell.cells
    assert (cells[0].dropout, cells[1].recurrent_dropout) == (0.2, 0.3)
    np.testing.assert_allclose(back.predict(X, verbose=0), model.predict(X), rtol=1e-4,
                               atol=1e-5)
    again = keras.models.load_model(str(tmp_path / "m.keras"))
    assert again.layers[0].cell.cells[1].recurrent_dropout == 0.3
