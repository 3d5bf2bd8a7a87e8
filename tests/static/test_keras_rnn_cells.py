"""keras.layers.SimpleRNNCell/LSTMCell/GRUCell/StackedRNNCells and RNN(cell): outputs equal the
fused layers' with the same weights and real Keras 3's (NumPy backend), a user-defined cell as
the Keras guide writes it, gradients by finite differences (float64), errors."""

from __future__ import annotations

import importlib
import os

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static import keras

L = keras.layers
X = np.random.default_rng(0).standard_normal((2, 4, 3)).astype(np.float32)


@pytest.mark.parametrize("fused,cell", [("SimpleRNN", "SimpleRNNCell"), ("LSTM", "LSTMCell"),
                                        ("GRU", "GRUCell")])
def test_rnn_of_cell_equals_fused_layer(fused, cell):
    x = keras.Input((4, 3))
    masked = L.Masking(0.0)(x)                   # the last step of sample 1 is padding
    outs = []
    for back in (False, True):
        f = getattr(L, fused)(5, return_sequences=True, return_state=True, go_backwards=back)
        r = L.RNN(getattr(L, cell)(5), return_sequences=True, return_state=True,
                  go_backwards=back)
        a, b = f(masked), r(masked)
        r.set_weights(f.get_weights())
        outs.append((a, b))
    m = keras.models.Model(x, [t for a, b in outs for t in a + b])
    xs = X.copy()
    xs[1, -1] = 0.0
    got = m.predict(xs)
    k = len(got) // 4
    for i in range(2):
        block = got[2 * i * k:(2 * i + 2) * k]
        for u, v in zip(block[:k], block[k:]):
            np.testing.assert_allclose(u, v, rtol=1e-6, atol=1e-6)


def _keras3():
    os.environ.setdefault("KERAS_BACKEND", "numpy")
    k3 = pytest.importorskip("keras")
    if int(k3.__version__.split(".")[0]) < 3 or k3.backend.backend() != "numpy":
        pytest.skip("Keras 3 with the NumPy backend is not available")
    return importlib.import_module("keras")


def _cells(kr, which):
    if which == "lstm":
        return kr.layers.LSTMCell(4, recurrent_activation="sigmoid")
    if which == "gru":
        return kr.layers.GRUCell(4, recurrent_activation="sigmoid", reset_after=False)
    if which == "simple":
        return kr.layers.SimpleRNNCell(4)
    return kr.layers.StackedRNNCells([kr.layers.LSTMCell(3, recurrent_activation="sigmoid"),
                                      kr.layers.SimpleRNNCell(4)])


def _minimal_cell(kr, ops):
    class MinimalRNNCell(kr.layers.Layer):        # keras.io, "Working with RNNs"
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.state_size = units

        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], self.units),
                                          initializer="uniform", name="kernel")
            self.recurrent_kernel = self.add_weight(shape=(self.units, self.units),
                                                    initializer="uniform",
                                                    name="recurrent_kernel")
            self.built = True

        def call(self, inputs, states):
            prev_output = states[0]
            h = ops(inputs, self.kernel)
            output = h + ops(prev_output, self.recurrent_kernel)
            return output, [output]
    return MinimalRNNCell(4)


@pytest.mark.parametrize("which", ["lstm", "gru", "simple", "stacked", "custom"])
def test_rnn_of_cell_equals_keras3(which):
    k3 = _keras3()
    kw = {"return_sequences": True, "return_state": True, "go_backwards": which == "gru"}
    if which == "custom":
        theirs = k3.layers.RNN(_minimal_cell(k3, k3.ops.matmul), **kw)
        ours = L.RNN(_minimal_cell(keras, keras.backend.dot), **kw)
    else:
        theirs, ours = k3.layers.RNN(_cells(k3, which), **kw), L.RNN(_cells(keras, which), **kw)
    want = theirs(X)
    x = keras.Input((4, 3))
    m = keras.models.Model(x, ours(x))
    ours.set_weights([np.asarray(w) for w in theirs.get_weights()])
    got = m.predict(X)
    flat = [want[0]] + [s for t in want[1:] for s in (t if isinstance(t, list) else [t])]
    assert len(got) == len(flat)
    for u, v in zip(got, flat):
        np.testing.assert_allclose(u, np.asarray(v), rtol=1e-5, atol=1e-6)


def test_gradients_by_finite_differences():
    keras.backend.set_floatx("float64")
    try:
        x = tf.placeholder(tf.float64, (2, 3, 2))
        rnn = L.RNN(L.StackedRNNCells([L.LSTMCell(2), L.GRUCell(2)]), return_sequences=True)
        y = rnn(x)
        loss = tf.reduce_sum(tf.sin(y))
        ws = rnn.weights
        grads = tf.gradients(loss, [x] + ws)
        xv = np.random.default_rng(1).standard_normal((2, 3, 2))
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            g = s.run(grads, {x: xv})
            vals = s.run(ws)
            eps, rng = 1e-6, np.random.default_rng(3)

            def f(xx):
                return s.run(loss, {x: xx})
            d = rng.standard_normal(xv.shape)        # directional derivatives: g . d
            num = (f(xv + eps * d) - f(xv - eps * d)) / (2 * eps)
            np.testing.assert_allclose(np.sum(g[0] * d), num, rtol=1e-6)
            k, dk = ws[0], rng.standard_normal(vals[0].shape)   # the first cell's kernel
            fk = []
            for sign in (1, -1):
                k.load(vals[0] + sign * eps * dk, s)
                fk.append(f(xv))
            k.load(vals[0], s)
            np.testing.assert_allclose(np.sum(g[1] * dk), (fk[0] - fk[1]) / (2 * eps),
                                       rtol=1e-6)
    finally:
        keras.backend.set_floatx("float32")


def test_bidirectional_rnn_of_cell_equals_bidirectional_fused():
    x = keras.Input((4, 3))
    a = L.Bidirectional(L.GRU(3, return_sequences=True, return_state=True))
    b = L.Bidirectional(L.RNN(L.GRUCell(3), return_sequences=True, return_state=True))
    m = keras.models.Model(x, a(x) + b(x))
    assert len(b.weights) == 6 and b.backward_layer.cell is not b.forward_layer.cell
    b.set_weights(a.get_weights())
    got = m.predict(X)
    for u, v in zip(got[:3], got[3:]):
        np.testing.assert_allclose(u, v, rtol=1e-6, atol=1e-6)


def test_initial_state_stacked_states_and_errors():
    x = keras.Input((4, 3))
    h0, c0 = keras.Input((5,)), keras.Input((5,))
    r = L.RNN(L.LSTMCell(5), return_state=True)
    out, _h, c = r(x, initial_state=[h0, c0])
    f = L.LSTM(5, return_state=True)
    out2, _, _ = f(x, initial_state=[h0, c0])
    m = keras.models.Model([x, h0, c0], [out, c, out2])
    r.set_weights(f.get_weights())
    hv = np.random.default_rng(2).standard_normal((2, 5)).astype(np.float32)
    a, _c, b = m.predict([X, hv, -hv])
    np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)
    stacked = L.RNN([L.LSTMCell(3), L.SimpleRNNCell(2)], return_state=True)
    outs = stacked(x)
    assert [tuple(t.shape.as_list()) for t in outs] == [(None, 2), (None, 3), (None, 3),
                                                        (None, 2)]
    with pytest.raises(ValueError, match="The RNN cell should have a `call` method and a "
                                         "`state_size` attribute"):
        L.RNN(object())
    with pytest.raises(ValueError, match="Layer has 2 states but was passed 1 initial states"):
        L.RNN(L.LSTMCell(5))(x, initial_state=[h0])
    with pytest.raises(NotImplementedError, match="stateful=True"):
        L.RNN(L.LSTMCell(5), stateful=True)


# ------------------------------------------------------------------ RNN(cell) as fused layers
FUSED = {"LSTMCell": "LstmSeq", "GRUCell": "GruSeq", "GRUCell(reset_after=False)": "GruRbSeq",
         "SimpleRNNCell": "RnnSeq"}


def _graph_types(build) -> set:
    keras.backend.clear_session()
    g = keras.backend.get_session().graph
    before = len(g.get_operations())
    build()
    return {op.type for op in g.get_operations()[before:]}


def _rnn_model(cells, initial: bool, back: bool = False):
    """Ids (5, 6) through Embedding(mask_zero) and RNN(cells) (sequence and states; with
    ``initial``, non-zero initial states fed as inputs): an mse head on the last state too."""
    ids = keras.Input((6,), dtype="int32")
    e = L.Embedding(9, 3, mask_zero=True)(ids)
    rnn = L.RNN(cells(), return_sequences=True, return_state=True, go_backwards=back)
    sizes = [s for c in rnn.cell.cells for s in ([c.units] * (2 if isinstance(c, L.LSTMCell)
                                                             else 1))] \
        if isinstance(rnn.cell, L.StackedRNNCells) else \
        [rnn.cell.units] * (2 if isinstance(rnn.cell, L.LSTMCell) else 1)
    h0 = [keras.Input((s,)) for s in sizes] if initial else None
    seq, *states = rnn(e, initial_state=h0) if initial else rnn(e)
    head = L.Dense(1)(states[-1])
    model = keras.models.Model([ids] + (h0 or []), [head, seq] + states)
    model.compile("sgd", ["mse", "mse"] + [None] * len(states))
    return model, sizes


@pytest.mark.parametrize("cells", [
    lambda: L.LSTMCell(4), lambda: L.GRUCell(4), lambda: L.SimpleRNNCell(4),
    lambda: L.SimpleRNNCell(4, activation="relu"), lambda: L.GRUCell(4, reset_after=False),
    lambda: [L.LSTMCell(3), L.GRUCell(4), L.SimpleRNNCell(2)]],
    ids=["lstm", "gru", "simple", "relu", "gru_reset_before", "stacked"])
@pytest.mark.parametrize("initial", [False, True])
def test_rnn_of_builtin_cells_is_the_fused_layers_equal_to_the_loop(monkeypatch, cells,
                                                                     initial):
    """Masked (padding at the start, the end, with holes, all padding), with initial states or
    not: the fused layers' outputs, states and one SGD step equal the step loop's (the output
    before any kept step is zeros, the states start at the initial ones)."""
    from dlcore_static.keras.layers import rnn_cells
    rng = np.random.default_rng(5)
    ids = rng.integers(1, 9, (5, 6))
    ids[0] = 0
    ids[1, :2] = 0
    ids[2, 4:] = 0
    ids[3, [1, 4]] = 0
    runs = []
    for fused in (True, False):
        if not fused:
            monkeypatch.setattr(rnn_cells, "fused_rnn", lambda *a: None)
        keras.backend.clear_session()
        g = keras.backend.get_session().graph
        before = len(g.get_operations())
        model, sizes = _rnn_model(cells, initial)
        types = {op.type for op in g.get_operations()[before:]}
        assert ("While" in types) != fused and bool(set(FUSED.values()) & types) == fused
        weights = [(0.5 * np.random.default_rng(6).standard_normal(w.shape)).astype(np.float32)
                   for w in model.get_weights()]
        model.set_weights(weights)
        feeds = [ids] + [np.random.default_rng(7 + k).standard_normal((5, s)).astype(
            np.float32) for k, s in enumerate(sizes)] if initial else ids
        out = model.predict(feeds, verbose=0)
        targets = [np.random.default_rng(8).standard_normal(o.shape).astype(np.float32)
                   for o in out[:2]]
        model.train_on_batch(feeds, targets)
        runs.append((out, model.get_weights()))
    (got, gw), (want, ww) = runs
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(got[1][0], 0)           # all padding: zero outputs
    for a, b in zip(gw, ww):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


class _MyLSTMCell(L.LSTMCell):
    def call(self, inputs, states, training=None):        # (a user's own step)
        h, [h2, c2] = super().call(inputs, states, training)
        return h * 0.5, [h2 * 0.5, c2]


@pytest.mark.parametrize("cell", [lambda: L.GRUCell(4, activation="relu"),
                                  lambda: L.LSTMCell(4, dropout=0.2),
                                  lambda: L.LSTMCell(4, recurrent_activation="hard_sigmoid"),
                                  lambda: L.SimpleRNNCell(4, activation="sigmoid"),
                                  lambda: [L.LSTMCell(3), L.GRUCell(4, activation="relu")],
                                  lambda: _MyLSTMCell(4)],
                         ids=["gru_relu", "dropout", "hard_sigmoid", "sigmoid",
                              "stack_with_one_loop_cell", "subclass"])
def test_rnn_of_cells_the_fused_layers_do_not_compute_keeps_the_loop(cell):
    types = _graph_types(lambda: L.RNN(cell())(keras.Input((4, 3))))
    assert "While" in types and not set(FUSED.values()) & types


@pytest.mark.parametrize("which", ["lstm", "simple", "stacked"])
def test_masked_rnn_of_cell_equals_keras3(which):
    k3 = _keras3()
    keep = np.ones((2, 4), bool)
    keep[0, :2] = False                    # padding first: outputs zeros there, in Keras too
    keep[1, 2] = False
    kw = {"return_sequences": True, "return_state": True}
    theirs, ours = k3.layers.RNN(_cells(k3, which), **kw), L.RNN(_cells(keras, which), **kw)
    want = theirs(X, mask=keep)
    x, m = keras.Input((4, 3)), keras.Input((4,), dtype="bool")
    out = ours(x, mask=m)
    ours.set_weights([np.asarray(w) for w in theirs.get_weights()])
    assert set(FUSED.values()) & {op.type for op in keras.backend.get_session().graph
                                  .get_operations()}
    got = keras.backend.get_session().run(out, {x: X, m: keep})
    flat = [want[0]] + [s for t in want[1:] for s in (t if isinstance(t, list) else [t])]
    for u, v in zip(got, flat):
        np.testing.assert_allclose(u, np.asarray(v), rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(got[0][0, :2], 0)
