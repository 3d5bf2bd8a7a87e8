"""Keras custom layers that hold layers as attributes track them (keras/_tracking.py), as Keras 3:
the outer layer's weights are its own then its sublayers', Sequential and functional models train
them (the same values as the equivalent plain model), ``trainable = False`` freezes them, their
losses reach the model, and weight files (Keras 3 ``.weights.h5``, Keras 2 ``.h5``, ``.keras``)
hold them in Keras 3's layout (real Keras 3 reads dlcore's file)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static import keras
from tests.io.real_keras import keras3

h5py = pytest.importorskip("h5py")
X = np.random.RandomState(0).rand(16, 4).astype("float32")
Y = np.random.RandomState(1).rand(16, 1).astype("float32")


def _block_class(K: Any, reg=None):
    base: Any = K.layers.Layer

    class Block(base):
        def __init__(self, **kw):
            super().__init__(**kw)
            self.d = K.layers.Dense(3, activation="relu", activity_regularizer=reg)
            self.more = [K.layers.Dense(2)]

        def build(self, input_shape):
            self.s = self.add_weight(name="scale", shape=(3,), initializer="ones")
            self.nt = self.add_weight(name="nt", shape=(3,), initializer="zeros",
                                      trainable=False)

        def call(self, x):
            return self.more[0](self.d(x) * self.s + self.nt)
    return Block


class Inner(keras.layers.Layer):
    def __init__(self, **kw):
        super().__init__(**kw)
        self.d = keras.layers.Dense(3, activation="relu")

    def call(self, x):
        return self.d(x)


def _live_weights() -> list:
    """Weights of ``Inner`` then ``Dense(1)`` with a positive hidden kernel: every ReLU is live
    on X (>= 0), so every kernel gets a gradient."""
    rng = np.random.RandomState(2)
    return [rng.uniform(0.1, 0.6, (4, 3)).astype("float32"), np.zeros(3, "float32"),
            rng.uniform(-0.5, 0.5, (3, 1)).astype("float32"), np.zeros(1, "float32")]


def _shapes(ws):
    return [tuple(int(d) for d in (w.shape if hasattr(w, "path") else w.aval.shape))
            for w in ws]


def test_weights_order_and_freezing_as_keras3():
    k3 = keras3()
    got = {}
    for name, K in (("dlcore", keras), ("keras", k3)):
        b = _block_class(K)()
        inp = K.Input((4,))
        K.Model(inp, b(inp))
        row = [_shapes(b.weights), _shapes(b.trainable_weights),
               _shapes(b.non_trainable_weights), len(b.variables)]
        b.trainable = False
        row += [len(b.trainable_weights), len(b.non_trainable_weights), b.d.trainable,
                b.more[0].trainable]
        got[name] = row
    assert got["dlcore"] == got["keras"]
    assert got["dlcore"][0] == [(3,), (3,), (4, 3), (3,), (3, 2), (2,)]


def test_functional_model_sees_the_outer_layer():
    b = _block_class(keras)()
    inp = keras.Input((4,))
    m = keras.Model(inp, keras.layers.Dense(1)(b(inp)))
    assert [type(ly).__name__ for ly in m.layers] == ["InputLayer", "Block", "Dense"]
    assert len(m.weights) == 8 and len(m.trainable_weights) == 7
    assert m.count_params() == 3 + 3 + 15 + 8 + 3


@pytest.mark.parametrize("kind", ["sequential", "functional"])
def test_training_matches_the_plain_model(kind):
    blk = Inner()
    m: Any
    if kind == "sequential":
        m = keras.Sequential([keras.Input((4,)), blk, keras.layers.Dense(1)])
    else:
        inp = keras.Input((4,))
        m = keras.Model(inp, keras.layers.Dense(1)(blk(inp)))
    inp = keras.Input((4,))
    ref = keras.Model(inp, keras.layers.Dense(1)(keras.layers.Dense(3, activation="relu")(inp)))
    assert len(m.weights) == 4 and len(m.trainable_weights) == 4
    # seeded weights with a positive hidden kernel: every ReLU is live on X (>= 0), so the
    # inner Dense's kernel must move (an unseeded draw sometimes left all three dead)
    m.set_weights(_live_weights())
    ref.set_weights(m.get_weights())
    w0 = blk.d.get_weights()[0].copy()
    for model in (m, ref):
        model.compile(keras.optimizers.SGD(0.1), "mse")
        model.fit(X, Y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    assert not np.allclose(w0, blk.d.get_weights()[0])
    for a, b in zip(m.get_weights(), ref.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_frozen_outer_layer_keeps_its_sublayers():
    blk = Inner()
    m = keras.Sequential([keras.Input((4,)), blk, keras.layers.Dense(1)])
    blk.trainable = False           # (trainable_weights before weights builds it too)
    assert blk.d.trainable is False
    assert len(m.trainable_weights) == 2 and len(m.non_trainable_weights) == 2
    m.set_weights(_live_weights())  # (an unseeded draw could leave every ReLU dead: no step)
    before = m.get_weights()
    m.compile(keras.optimizers.SGD(0.1), "mse")
    m.fit(X, Y, epochs=1, batch_size=8, verbose=0)
    after = m.get_weights()
    np.testing.assert_array_equal(before[0], after[0])
    assert not np.allclose(before[2], after[2])


def test_subclassed_model_holding_a_block_trains_it():
    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.blocks = [Inner()]
            self.out = keras.layers.Dense(1)

        def call(self, x):
            return self.out(self.blocks[0](x))

    m = Net()
    m.compile(keras.optimizers.SGD(0.1), "mse")
    m.fit(X, Y, epochs=1, batch_size=8, verbose=0)
    assert [type(ly).__name__ for ly in m.layers] == ["Inner", "Dense"]
    assert len(m.trainable_weights) == 4
    m.set_weights(_live_weights())
    k = m.blocks[0].d.get_weights()[0].copy()
    m.fit(X, Y, epochs=1, batch_size=8, verbose=0)
    assert not np.allclose(k, m.blocks[0].d.get_weights()[0])


def test_sublayer_losses_reach_the_model():
    b = _block_class(keras, reg=keras.regularizers.l2(0.5))()
    inp = keras.Input((4,))
    m = keras.Model(inp, b(inp))
    assert len(m.losses) == 1
    sess = keras.backend.get_session()
    h = keras.backend.function([inp], [b.d.output])([X])[0]
    np.testing.assert_allclose(sess.run(m.losses[0], {inp: X}),
                               0.5 * np.sum(h ** 2) / len(X), rtol=1e-5)   # (per sample)


def test_get_set_weights_and_layer_errors():
    b = _block_class(keras)()
    inp = keras.Input((4,))
    keras.Model(inp, b(inp))
    vals = [np.full(w.aval.shape, i, "float32") for i, w in enumerate(b.weights)]
    b.set_weights(vals)
    assert [float(v.flat[0]) for v in b.more[0].get_weights()] == [4.0, 5.0]
    with pytest.raises(ValueError, match="expecting 6 weights"):
        b.set_weights(vals[:2])


@pytest.mark.parametrize("suffix", [".weights.h5", ".h5", ".keras"])
def test_files_round_trip(tmp_path, suffix):
    Block = _block_class(keras)
    inp = keras.Input((4,))
    m = keras.Model(inp, keras.layers.Dense(1)(Block()(inp)))
    m.set_weights([np.random.RandomState(i).rand(*w.aval.shape).astype("float32")
                   for i, w in enumerate(m.weights)])
    want = m.predict(X, verbose=0)
    path = str(tmp_path / ("m" + suffix))
    if suffix == ".keras":
        m.save(path)
        m2 = keras.models.load_model(path, custom_objects={"Block": Block})
    else:
        m.save_weights(path)
        inp = keras.Input((4,))
        m2 = keras.Model(inp, keras.layers.Dense(1)(Block()(inp)))
        m2.load_weights(path)
    np.testing.assert_allclose(m2.predict(X, verbose=0), want, rtol=1e-6)


def test_keras3_reads_the_weights_file(tmp_path):
    k3 = keras3()
    inp = keras.Input((4,))
    m = keras.Model(inp, keras.layers.Dense(1)(_block_class(keras)()(inp)))
    m.set_weights([np.random.RandomState(i).rand(*w.aval.shape).astype("float32")
                   for i, w in enumerate(m.weights)])
    path = str(tmp_path / "m.weights.h5")
    m.save_weights(path)
    inp = k3.Input((4,))
    k = k3.Model(inp, k3.layers.Dense(1)(_block_class(k3)()(inp)))
    k.load_weights(path)
    np.testing.assert_allclose(k.predict(X, verbose=0), m.predict(X, verbose=0), rtol=1e-5)
    with h5py.File(path) as f:
        names: list = []
        f.visit(names.append)
    assert "layers/block/d/vars/1" in [n.replace(n.split("/")[1], "block", 1)
                                       if n.startswith("layers/block") else n for n in names]
    assert tf is not None
