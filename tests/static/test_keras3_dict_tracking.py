"""Keras 3 tracks the layers a custom layer holds in dict attributes and in lists of dicts, as
it does attribute layers and lists (keras/_tracking.py): the outer layer's weights (order,
shapes, trainable split), training and the Keras 3 weights file (``<attr>/<class>[_k]/`` for a
dict's values, ``<attr>/container[_k]/...`` for a container inside a list) equal Keras 3.15's,
and real Keras 3 loads dlcore's file and predicts the same."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from dlcore_static import keras
from tests.io.real_keras import keras3

h5py = pytest.importorskip("h5py")
X = np.random.RandomState(0).rand(8, 4).astype("float32")
Y = np.random.RandomState(1).rand(8, 1).astype("float32")


def _block_class(K: Any):
    class DictBlock(K.layers.Layer):
        def __init__(self, **kw):
            super().__init__(**kw)
            self.heads = {"a": K.layers.Dense(3, activation="relu"), "b": K.layers.Dense(2)}
            self.stack = [{"p": K.layers.Dense(2)}, K.layers.Dense(1)]

        def call(self, x):
            h = self.heads["b"](self.heads["a"](x))
            return self.stack[1](self.stack[0]["p"](h))
    return DictBlock


def _shapes(ws):
    return [tuple(int(d) for d in (w.shape if hasattr(w, "path") else w.aval.shape))
            for w in ws]


def _model(K: Any):
    inp = K.Input((4,))
    return K.Model(inp, _block_class(K)()(inp))


def test_dict_sublayers_are_weights_as_keras3():
    k3 = keras3()
    got = {}
    for name, K in (("dlcore", keras), ("keras", k3)):
        m = _model(K)
        b = m.layers[1]
        row: list = [_shapes(b.weights), len(b.trainable_weights), len(m.trainable_weights)]
        b.trainable = False
        row += [len(b.trainable_weights), b.heads["a"].trainable, b.stack[0]["p"].trainable]
        got[name] = row
    assert got["dlcore"] == got["keras"]
    assert got["dlcore"][0] == [(4, 3), (3,), (3, 2), (2,), (2, 2), (2,), (2, 1), (1,)]


def test_fit_trains_the_layers_in_a_dict():
    m = _model(keras)
    # fixed positive weights (X >= 0): no relu unit of head "a" can be dead on every row (an
    # unseeded init made all three dead now and then, so its kernel got no gradient)
    m.set_weights([np.random.RandomState(i).rand(*w.aval.shape).astype("float32")
                   for i, w in enumerate(m.weights)])
    b = m.layers[1]
    k0 = b.heads["a"].get_weights()[0].copy()
    p0 = b.stack[0]["p"].get_weights()[0].copy()
    m.compile(keras.optimizers.SGD(0.1), "mse")
    m.fit(X, Y, epochs=1, batch_size=4, verbose=0)
    assert not np.allclose(k0, b.heads["a"].get_weights()[0])
    assert not np.allclose(p0, b.stack[0]["p"].get_weights()[0])


def test_keras3_reads_dlcore_weights_file_with_dicts(tmp_path):
    k3 = keras3()
    m = _model(keras)
    m.set_weights([np.random.RandomState(i).rand(*w.aval.shape).astype("float32")
                   for i, w in enumerate(m.weights)])
    path = str(tmp_path / "m.weights.h5")
    m.save_weights(path)
    k = _model(k3)
    k.load_weights(path)
    np.testing.assert_allclose(k.predict(X, verbose=0), m.predict(X, verbose=0), rtol=1e-5)
    kpath = str(tmp_path / "k.weights.h5")
    k.save_weights(kpath)
    names: dict = {}
    for p in (path, kpath):
        with h5py.File(p) as f:
            got: list = []
            f.visit(got.append)
        names[p] = sorted(n.split("/", 2)[2] for n in got
                          if n.startswith("layers/") and n.count("/") >= 3)
    assert names[path] == names[kpath]
    assert "heads/dense_1/vars/0" in names[path]
    assert "stack/container/dense/vars/1" in names[path]
    m2 = _model(keras)            # and dlcore reads Keras 3's file back
    m2.load_weights(kpath)
    np.testing.assert_allclose(m2.predict(X, verbose=0), m.predict(X, verbose=0), rtol=1e-5)
