"""Keras 2's RNN.__call__: the tensors of ``initial_state`` (or of ``layer([x, h, c])``) are
inputs of the recurrent layer's call, so a functional model reaches them (lstm_seq2seq's
encoder states starting the decoder; was "Graph disconnected"); Keras 2.2.4's error for a
wrong number of states."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static import keras
from dlcore_static.keras import backend as K
from dlcore_static.keras import layers


@pytest.fixture(autouse=True)
def fresh_graph():                      # replaces conftest's: Keras uses the global default graph
    K.clear_session()
    tf.set_random_seed(3)
    yield
    K.clear_session()


def test_recurrent_initial_state_tensors_are_inputs_of_the_model():
    enc_in, dec_in = layers.Input((None, 3)), layers.Input((None, 2))
    _, h, c = layers.LSTM(4, return_state=True)(enc_in)
    dec = layers.LSTM(4, return_sequences=True)
    y = dec(dec_in, initial_state=[h, c])
    m = keras.models.Model([enc_in, dec_in], y)            # was "Graph disconnected"
    assert [type(ly).__name__ for ly in m.layers].count("LSTM") == 2
    x1, x2 = np.ones((2, 3, 3), np.float32), np.ones((2, 2, 2), np.float32)
    h0 = keras.models.Model(enc_in, [h, c]).predict(x1)
    s_h, s_c = layers.Input((4,)), layers.Input((4,))
    step = keras.models.Model([dec_in, s_h, s_c], dec([dec_in, s_h, s_c]))   # list form
    np.testing.assert_allclose(step.predict([x2] + h0), m.predict([x1, x2]), atol=1e-6)
    with pytest.raises(ValueError, match="^Layer has 2 states but was passed 1 initial "
                                         "states.$"):
        layers.LSTM(4)(dec_in, initial_state=[s_h])
