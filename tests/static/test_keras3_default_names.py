"""Default layer and model names are Keras 3.15's: ``dense`` then ``dense_1``, ``sequential``,
``functional`` for ``keras.Model(inputs, outputs)``, ``input_layer`` for ``Input``, a
subclass's snake-cased class name; ``keras.backend.clear_session()`` and
``keras.utils.clear_session()`` start the counters again.  Compared with the installed Keras 3
in one process, the same constructions in the same order."""

from __future__ import annotations

from dlcore_static import keras
from tests.io.real_keras import keras3


def _names(K) -> list:
    class MyBlock(K.Model):
        def call(self, x):
            return x

    K.backend.clear_session()
    out = [K.Sequential().name, K.layers.Dense(2).name, K.layers.Dense(3).name]
    inp = K.Input((3,))
    model = K.Model(inp, K.layers.Dense(1)(inp))
    out += [model.name, [ly.name for ly in model.layers]]
    seq = K.Sequential([K.Input((3,)), K.layers.Dense(2), K.layers.Dropout(0.1)])
    out += [seq.name, [ly.name for ly in seq.layers], MyBlock().name, MyBlock().name,
            K.layers.Conv2D(2, 3).name, K.layers.LSTM(2).name, K.layers.Dense(1, name="x").name,
            K.layers.BatchNormalization().name]
    K.backend.clear_session()
    out += [K.layers.Dense(2).name, K.Sequential().name]
    K.layers.Dense(2)
    K.utils.clear_session()
    out.append(K.layers.Dense(2).name)
    return out


def test_default_names_are_keras3s():
    k3 = keras3()
    want = _names(k3)
    assert want[:5] == ["sequential", "dense", "dense_1", "functional",
                        ["input_layer", "dense_2"]]
    assert _names(keras) == want
