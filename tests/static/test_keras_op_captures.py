"""Tensors that depend on no model input inside a functional model, as Keras 3 takes them (a
concrete argument of the call): ``x * tf.Variable(...)`` between layers, ``x + Embedding(...)(
tf.range(n))`` (keras.io's position embeddings written in the functional API) and a layer
applied to a constant given to another layer (``Add()([d(x), d(tf.ones(...))])``).  Checked
against Keras 3 (NumPy backend): the layer list, the summary text, the outputs given the same
weights, the ``.keras`` file each writes read by the other."""

from __future__ import annotations


import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static import keras
from dlcore_static.keras import backend as K
from tests.io.real_keras import keras3 as _real_keras3


@pytest.fixture(autouse=True)
def fresh():
    K.clear_session()
    yield
    K.clear_session()


@pytest.fixture(scope="module")
def keras3():
    return _real_keras3()       # (Keras 3 on the NumPy backend, or the test is skipped)


def _text(model) -> str:
    got: list = []
    model.summary(print_fn=got.append)
    return "\n".join(got)


X = np.random.RandomState(0).randn(3, 4).astype("float32")
TOK = np.random.RandomState(1).randint(0, 9, (3, 5))


def _variable(k, const):
    inp = k.Input((4,))
    v = const(np.full((4,), 2.0, "float32"))
    return k.Model(inp, k.layers.Dense(1)(k.layers.Dense(4)(inp) * v))


def _layer_on_constant(k, ones):
    inp = k.Input((4,))
    d = k.layers.Dense(4, name="dc")
    return k.Model(inp, k.layers.Add()([d(inp), d(ones((1, 4)))]))


def _positions(k, arange):
    inp = k.Input((5,), dtype="int32")
    tok = k.layers.Embedding(9, 3)(inp)
    pos = k.layers.Embedding(5, 3)(arange(5))
    return k.Model(inp, k.layers.Dense(2)(tok + pos))


def test_variable_between_layers_matches_keras3(keras3):
    mine = _variable(keras, tf.Variable)
    keras3.backend.clear_session()
    ref = _variable(keras3, keras3.Variable)
    assert [ly.name for ly in mine.layers] == [ly.name for ly in ref.layers]
    assert _text(mine) == _text(ref)
    ref.set_weights(mine.get_weights())
    np.testing.assert_allclose(mine.predict(X, verbose=0), ref.predict(X, verbose=0),
                               rtol=1e-5, atol=1e-6)


def test_variable_is_read_when_run_and_frozen_when_saved(tmp_path):
    v = tf.Variable(np.full((4,), 2.0, "float32"))
    inp = keras.Input((4,))
    m = keras.Model(inp, keras.layers.Dense(4)(inp) * v)
    before = m.predict(X, verbose=0)
    K.set_value(v, np.full((4,), 3.0, "float32"))
    np.testing.assert_allclose(m.predict(X, verbose=0), before * 1.5, rtol=1e-5)
    m.save(tmp_path / "m.keras")
    again = keras.models.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(again.predict(X, verbose=0), before * 1.5, rtol=1e-5)


def test_layer_on_constant_matches_keras3_and_files_cross(keras3, tmp_path):
    mine = _layer_on_constant(keras, tf.ones)
    keras3.backend.clear_session()
    ref = _layer_on_constant(keras3, keras3.ops.ones)
    assert [ly.name for ly in mine.layers] == [ly.name for ly in ref.layers] == \
        ["input_layer", "dc", "add"]
    # (the summaries differ in one place: Keras 3's Add infers (1, 4) from (None, 4) + (1, 4))
    assert "\n".join(ln.replace("(None, 4)   ", "(1, 4)      ") if "add (Add)" in ln else ln
                     for ln in _text(mine).split("\n")) == _text(ref)
    # (Keras 3 computes d(ones) once, when the model is built; here it reads d's weights when
    # run, as TF1's Keras did: a file keeps the value at saving time in both)
    w, b = mine.get_weights()
    mine_out = mine.predict(X, verbose=0)
    np.testing.assert_allclose(mine_out, X @ w + b + (np.ones((1, 4)) @ w + b),
                               rtol=1e-5, atol=1e-5)
    mine.save(tmp_path / "mine.keras")
    ref.save(tmp_path / "ref.keras")
    np.testing.assert_allclose(keras3.models.load_model(tmp_path / "mine.keras")
                               .predict(X, verbose=0), mine_out, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(keras.models.load_model(tmp_path / "ref.keras")
                               .predict(X, verbose=0), ref.predict(X, verbose=0),
                               rtol=1e-5, atol=1e-6)
    with pytest.raises(NotImplementedError, match="depends on no input"):
        mine.save(tmp_path / "mine.h5")


def test_position_embedding_on_range_matches_keras3(keras3):
    mine = _positions(keras, tf.range)
    keras3.backend.clear_session()
    ref = _positions(keras3, keras3.ops.arange)
    # (Keras 3: the position Embedding runs once, on concrete positions: no layer of the model)
    assert [ly.name for ly in mine.layers] == [ly.name for ly in ref.layers]
    assert _text(mine) == _text(ref)
    ref.set_weights(mine.get_weights())
    got = mine.predict(TOK, verbose=0)
    assert got.shape == ref.predict(TOK, verbose=0).shape == (3, 5, 2)
    # called on a new input, the model reads the same position tensor
    inp2 = keras.Input((5,), dtype="int32")
    again = keras.Model(inp2, mine(inp2))
    np.testing.assert_allclose(again.predict(TOK, verbose=0), got, rtol=1e-6)


def _named_at_call(k, mean):
    inp = k.Input((4,))
    _unused = inp * 3.0                     # (named too: Keras 3 names an op when applied)
    a = inp + 1.0
    b = k.layers.Dense(4)(a)
    c = k.layers.Add()([a, b])              # "add_1": the op above took "add"
    e = c - 1.0
    f = mean(k.layers.Multiply()([e, e]))
    g = k.layers.Dense(2)(e * 2.0)
    first = k.Model(inp, [f, g])
    second = k.Model(inp, a * 5.0)          # a keeps its name; a * 5.0 is multiply_3
    return first, second


def test_operations_are_named_when_applied_as_keras3(keras3):
    mine = _named_at_call(keras, lambda x: tf.reduce_mean(x, 1))
    keras3.backend.clear_session()
    ref = _named_at_call(keras3, lambda x: keras3.ops.mean(x, axis=1))
    for m, r in zip(mine, ref):
        assert [op.name for op in m._operations] == [op.name for op in r.operations]
    assert [op.name for op in mine[1]._operations] == ["input_layer", "add", "multiply_3"]
    # a model called on new tensors names nothing new
    mine[0](keras.Input((4,)))
    ref[0](keras3.Input((4,)))
    assert keras.layers.Add().name == keras3.layers.Add().name == "add_2"
