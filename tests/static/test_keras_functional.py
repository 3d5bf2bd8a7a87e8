"""Keras 2 on the static engine (issue 14): the functional API, layers, backend, optimizers
against NumPy transcriptions of Keras' update rules, losses/metrics by name, sample and class
weights, callbacks, batch methods, generators, weights layout, summary."""

from __future__ import annotations

import csv
import re

import numpy as np
import pytest

from dlcore_static.keras import backend as K
from dlcore_static.keras import callbacks as C
from dlcore_static.keras import layers as L
from dlcore_static.keras import optimizers as O
from dlcore_static.keras import utils
from dlcore_static.keras.models import Model, Sequential

RNG = np.random.default_rng(2014)


@pytest.fixture(autouse=True)
def fresh_graph():                      # replaces conftest's: Keras uses the global default graph
    K.clear_session()
    import dlcore_static as tf
    tf.set_random_seed(14)                  # the layers' initial weights are reproducible
    yield
    K.clear_session()


def two_input_data(n=60):
    a = RNG.standard_normal((n, 3)).astype(np.float32)
    b = RNG.standard_normal((n, 2)).astype(np.float32)
    y = (a.sum(1, keepdims=True) - b[:, :1]).astype(np.float32)
    return a, b, y


def test_functional_two_inputs_shared_layer_and_outputs():
    a, b = L.Input((3,), name="a"), L.Input((2,), name="b")
    shared = L.Dense(4, name="shared", kernel_initializer="ones")
    h = L.concatenate([shared(L.Dense(4, name="pa")(a)), shared(L.Dense(4, name="pb")(
        L.Dense(3, name="lift")(b)))])
    out = L.Dense(1, name="out")(h)
    m = Model(inputs=[a, b], outputs=out)
    assert [lay.name for lay in m.layers] == ["a", "b", "lift", "pa", "pb", "shared",
                                              "concatenate", "out"]     # (Keras 3's names)
    assert m.get_layer("pa").output.shape.as_list() == [None, 4]
    with pytest.raises(AttributeError, match="multiple inbound nodes"):
        _ = shared.output
    assert shared.get_output_at(1).shape.as_list() == [None, 4]
    ws = m.get_weights()
    assert [w.shape for w in ws] == [(2, 3), (3,), (3, 4), (4,), (3, 4), (4,), (4, 4), (4,),
                                     (8, 1), (1,)]
    xa, xb, y = two_input_data()
    m.compile(O.Adam(0.05), "mse")
    h = m.fit([xa, xb], y, epochs=30, batch_size=20, verbose=0)
    assert h.history["loss"][-1] < 0.2 * h.history["loss"][0]
    # predict == the NumPy forward pass with the trained weights
    w = m.get_weights()
    pa = xa @ w[2] + w[3]
    pb = (xb @ w[0] + w[1]) @ w[4] + w[5]
    hh = np.concatenate([pa @ w[6] + w[7], pb @ w[6] + w[7]], 1)
    np.testing.assert_allclose(m.predict([xa, xb], batch_size=7), hh @ w[8] + w[9],
                               rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(m.predict({"a": xa, "b": xb}), hh @ w[8] + w[9],
                               rtol=1e-4, atol=1e-5)


def test_several_outputs_loss_weights_and_metric_names():
    a = L.Input((3,))
    h = L.Dense(5, activation="relu")(a)
    reg = L.Dense(1, name="reg")(h)
    cls = L.Dense(3, activation="softmax", name="cls")(h)
    m = Model(a, [reg, cls])
    m.compile("rmsprop", {"reg": "mse", "cls": "sparse_categorical_crossentropy"},
              loss_weights=[1.0, 0.5], metrics={"cls": ["accuracy"]})
    assert m.metrics_names == ["loss", "reg_loss", "cls_loss", "cls_accuracy"]
    x = RNG.standard_normal((10, 3)).astype(np.float32)
    labels = RNG.integers(0, 3, 10)
    out = m.test_on_batch(x, [x[:, :1], labels])
    p_reg, p_cls = m.predict(x)
    mse = ((p_reg - x[:, :1]) ** 2).mean()
    ce = -np.log(np.clip(p_cls[np.arange(10), labels], 1e-7, 1)).mean()
    acc = (p_cls.argmax(1) == labels).mean()
    np.testing.assert_allclose(out, [mse + 0.5 * ce, mse, ce, acc], rtol=1e-5)


def test_sample_and_class_weights():
    x = RNG.standard_normal((8, 2)).astype(np.float32)
    y = np.eye(2, dtype=np.float32)[RNG.integers(0, 2, 8)]
    m = Sequential([L.Dense(2, input_dim=2, activation="softmax")])
    m.compile("sgd", "categorical_crossentropy")
    p = m.predict(x)
    per = -np.log(np.clip((p * y).sum(1), 1e-7, 1))
    sw = np.array([1, 0, 2, 1, 0, 1, 3, 1], np.float32)
    got = m.test_on_batch(x, y, sample_weight=sw)
    np.testing.assert_allclose(got, (per * sw).mean() / (sw != 0).mean(), rtol=1e-5)
    h = m.fit(x, y, batch_size=8, epochs=1, verbose=0, shuffle=False,
              class_weight={0: 1.0, 1: 3.0})
    cw = np.where(y.argmax(1) == 1, 3.0, 1.0)
    np.testing.assert_allclose(h.history["loss"][0], (per * cw).mean(), rtol=1e-5)


def test_custom_layer_with_backend_lambda_and_merges():
    class Scale(L.Layer):
        def __init__(self, **kw):
            super().__init__(**kw)

        def build(self, input_shape):
            self.w = self.add_weight("w", (input_shape[-1],), initializer="ones")
            super().build(input_shape)

        def call(self, x):
            return K.l2_normalize(x, axis=-1) * self.w + K.mean(K.square(x), axis=-1,
                                                                keepdims=True)

        def compute_output_shape(self, input_shape):
            return input_shape

    a = L.Input((4,))
    s = Scale(name="scale")(a)
    lam = L.Lambda(lambda t: K.sqrt(K.abs(t)) * 2.0)(a)
    merged = [L.add([s, lam]), L.multiply([s, lam]), L.average([s, lam]),
              L.maximum([s, lam]), L.subtract([s, lam]), L.Dot(axes=1)([s, lam]),
              L.Reshape((2, 2))(a), L.Permute((2, 1))(L.Reshape((2, 2))(a)),
              L.LeakyReLU(0.1)(a), L.ELU(0.5)(a), L.PReLU(alpha_initializer="ones")(a),
              L.Activation("hard_sigmoid")(a), L.Activation("selu")(a), L.Softmax()(a),
              L.RepeatVector(3)(a)]
    m = Model(a, merged)
    x = RNG.standard_normal((5, 4)).astype(np.float32)
    got = m.predict(x)
    sv = x / np.linalg.norm(x, axis=1, keepdims=True) + (x ** 2).mean(1, keepdims=True)
    lv = np.sqrt(np.abs(x)) * 2
    e = x - x.max(1, keepdims=True)
    want = [sv + lv, sv * lv, (sv + lv) / 2, np.maximum(sv, lv), sv - lv,
            (sv * lv).sum(1, keepdims=True), x.reshape(5, 2, 2),
            x.reshape(5, 2, 2).transpose(0, 2, 1), np.where(x > 0, x, 0.1 * x),
            np.where(x > 0, x, 0.5 * np.expm1(x)), x,
            np.clip(x / 6 + 0.5, 0, 1),                         # Keras 3's hard_sigmoid
            1.0507009873554805 * np.where(x > 0, x, 1.6732632423543772 * np.expm1(x)),
            np.exp(e) / np.exp(e).sum(1, keepdims=True), np.repeat(x[:, None], 3, 1)]
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)
    assert m.get_layer("scale").count_params() == 4


def _keras_step(name, w, g, state, lr, t):
    eps = 1e-7
    if name == "sgd_nesterov":
        v = 0.9 * state.get("m", 0) - lr * g
        state["m"] = v
        return w + 0.9 * v - lr * g
    if name == "rmsprop":
        a = 0.9 * state.get("a", 0) + 0.1 * g * g
        state["a"] = a
        return w - lr * g / (np.sqrt(a) + eps)
    if name == "adagrad":
        a = state.get("a", 0) + g * g
        state["a"] = a
        return w - lr * g / (np.sqrt(a) + eps)
    if name == "adadelta":
        a = 0.95 * state.get("a", 0) + 0.05 * g * g
        u = g * np.sqrt(state.get("d", 0) + eps) / np.sqrt(a + eps)
        state["a"], state["d"] = a, 0.95 * state.get("d", 0) + 0.05 * u * u
        return w - lr * u
    if name == "adam":
        m = 0.9 * state.get("m", 0) + 0.1 * g
        v = 0.999 * state.get("v", 0) + 0.001 * g * g
        state["m"], state["v"] = m, v
        lr_t = lr * np.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t)
        return w - lr_t * m / (np.sqrt(v) + eps)
    if name == "adamax":
        m = 0.9 * state.get("m", 0) + 0.1 * g
        u = np.maximum(0.999 * state.get("u", 0), np.abs(g))
        state["m"], state["u"] = m, u
        return w - lr / (1 - 0.9 ** t) * m / (u + eps)
    raise KeyError(name)


@pytest.mark.parametrize("name,make,lr", [
    ("sgd_nesterov", lambda: O.SGD(learning_rate=0.1, momentum=0.9, nesterov=True), 0.1),
    ("rmsprop", lambda: O.RMSprop(lr=0.01), 0.01),
    ("adagrad", lambda: O.Adagrad(0.1), 0.1),
    ("adadelta", lambda: O.Adadelta(), 1.0),
    ("adam", lambda: O.Adam(learning_rate=0.01), 0.01),
    ("adamax", lambda: O.Adamax(0.02), 0.02),
])
def test_keras_optimizers_match_numpy(name, make, lr):
    x = RNG.standard_normal((6, 3)).astype(np.float64)
    y = RNG.standard_normal((6, 1))
    K.set_floatx("float64")
    try:
        m = Sequential([L.Dense(1, input_dim=3, use_bias=False, kernel_initializer="ones")])
        with pytest.warns(UserWarning) if name == "rmsprop" else _nothing():
            opt = make()
        m.compile(opt, "mse")
        w = np.ones((3, 1))
        state: dict = {}
        for t in range(1, 4):
            g = 2 * x.T @ (x @ w - y) / 6
            w = _keras_step(name, w, g, state, lr, t)
            m.train_on_batch(x, y)
        np.testing.assert_allclose(m.get_weights()[0], w, rtol=1e-6, atol=1e-9)
    finally:
        K.set_floatx("float32")


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False


def test_nadam_and_sgd_decay_reduce_the_loss_and_lr_is_a_variable():
    x = RNG.standard_normal((32, 3)).astype(np.float32)
    y = (x @ np.array([[1.0], [-2.0], [0.5]])).astype(np.float32)
    for opt in (O.Nadam(0.05), O.SGD(0.1, decay=0.01), "adamax", "adadelta", "adagrad"):
        m = Sequential([L.Dense(1, input_dim=3)])
        m.compile(opt, "mean_absolute_error")
        h = m.fit(x, y, epochs=20, batch_size=8, verbose=0)
        assert h.history["loss"][-1] < h.history["loss"][0]
    sgd = O.SGD(0.1, decay=0.5)
    m = Sequential([L.Dense(1, input_dim=3)])
    m.compile(sgd, "mse")
    assert K.get_value(sgd.lr) == pytest.approx(0.1)
    K.set_value(sgd.lr, 0.02)
    assert K.get_value(m.optimizer.lr) == pytest.approx(0.02)


def test_losses_and_metrics_by_name():
    from dlcore_static.keras import losses, metrics
    yt = RNG.uniform(0.1, 0.9, (4, 3)).astype(np.float32)
    yp = RNG.uniform(0.1, 0.9, (4, 3)).astype(np.float32)
    import dlcore_static as tf
    ref = {
        "mse": ((yp - yt) ** 2).mean(-1), "mae": np.abs(yp - yt).mean(-1),
        "mape": 100 * np.abs((yt - yp) / yt).mean(-1),
        "msle": ((np.log1p(yp) - np.log1p(yt)) ** 2).mean(-1),
        "hinge": np.maximum(1 - yt * yp, 0).mean(-1),
        "squared_hinge": (np.maximum(1 - yt * yp, 0) ** 2).mean(-1),
        "logcosh": np.log(np.cosh(yp - yt)).mean(-1),
        "kld": (yt * np.log(yt / yp)).sum(-1),
        "poisson": (yp - yt * np.log(yp + 1e-7)).mean(-1),
        "binary_crossentropy": -(yt * np.log(yp) + (1 - yt) * np.log(1 - yp)).mean(-1),
        "cosine_proximity": -((yt / np.linalg.norm(yt, axis=-1, keepdims=True)) *
                              (yp / np.linalg.norm(yp, axis=-1, keepdims=True))).sum(-1),
        "categorical_crossentropy": -(yt * np.log(yp / yp.sum(-1, keepdims=True))).sum(-1),
        "binary_accuracy": (yt == np.round(yp)).mean(-1),
        "categorical_accuracy": (yt.argmax(-1) == yp.argmax(-1)).astype(np.float32),
    }
    fetch = [metrics.get(k)(tf.constant(yt), tf.constant(yp)) for k in ref]
    with tf.Session() as s:
        got = s.run(fetch)
    for (k, want), g in zip(ref.items(), got):
        np.testing.assert_allclose(g, want, rtol=1e-5, atol=1e-6, err_msg=k)
    with pytest.raises(ValueError, match="Unknown loss function:nope"):
        losses.get("nope")


def test_callbacks(tmp_path):
    x = RNG.standard_normal((40, 3)).astype(np.float32)
    y = (x.sum(1, keepdims=True)).astype(np.float32)
    m = Sequential([L.Dense(1, input_dim=3)])
    m.compile(O.SGD(0.05), "mse")
    seen, lrs = [], []
    cbs = [C.LearningRateScheduler(lambda e: 0.05 * 0.5 ** e),
           C.LambdaCallback(on_epoch_end=lambda e, logs: seen.append((e, logs["loss"]))),
           C.LambdaCallback(on_epoch_begin=lambda e, logs: lrs.append(
               float(K.get_value(m.optimizer.lr)))),
           C.CSVLogger(str(tmp_path / "log.csv")),
           C.ModelCheckpoint(str(tmp_path / "w-{epoch:02d}.npz"), monitor="loss",
                             save_best_only=True, save_weights_only=True)]
    h = m.fit(x, y, epochs=4, batch_size=10, verbose=0, callbacks=cbs, initial_epoch=1)
    assert h.epoch == [1, 2, 3] and [e for e, _ in seen] == [1, 2, 3]
    np.testing.assert_allclose(lrs, [0.025, 0.0125, 0.00625])
    rows = list(csv.reader(open(tmp_path / "log.csv")))
    assert rows[0] == ["epoch", "learning_rate", "loss"]        # (Keras 3's key)
    assert [r[0] for r in rows[1:]] == ["1", "2", "3"]
    assert float(rows[1][2]) == pytest.approx(h.history["loss"][0])
    saved = sorted(p.name for p in tmp_path.glob("w-*.npz"))
    assert saved[0] == "w-02.npz"
    m2 = Sequential([L.Dense(1, input_dim=3)])
    m2.load_weights(str(tmp_path / saved[-1]))
    assert all(np.isfinite(w).all() for w in m2.get_weights())

    # EarlyStopping: a loss that cannot improve (lr 0) stops after `patience` epochs
    m3 = Sequential([L.Dense(1, input_dim=3)])
    m3.compile(O.SGD(0.0), "mse")
    es = C.EarlyStopping(monitor="loss", patience=2, min_delta=1e-4)
    h3 = m3.fit(x, y, epochs=20, verbose=0, callbacks=[es])
    assert len(h3.epoch) == 3 and es.stopped_epoch == 2
    m4 = Sequential([L.Dense(1, input_dim=3, trainable=False)])   # a loss that stays put
    m4.compile(O.SGD(0.004), "mse")
    rl = C.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=1, min_lr=0.001)
    h4 = m4.fit(x, y, epochs=4, verbose=0, callbacks=[rl])
    np.testing.assert_allclose(h4.history["lr"], [0.004, 0.004, 0.002, 0.001], rtol=1e-6)
    assert K.get_value(m4.optimizer.lr) == pytest.approx(0.001)


def test_batch_methods_generators_and_validation():
    x = RNG.standard_normal((30, 3)).astype(np.float32)
    y = utils.to_categorical((x[:, 0] > 0).astype(int), 2)
    assert y.shape == (30, 2) and y.sum() == 30

    class Batches(utils.Sequence):
        def __len__(self):
            return 3

        def __getitem__(self, i):
            return x[i * 10:(i + 1) * 10], y[i * 10:(i + 1) * 10]

    m = Sequential([L.Dense(2, input_dim=3, activation="softmax")])
    m.compile(O.Adam(0.1), "categorical_crossentropy", metrics=["acc"])
    h = m.fit_generator(Batches(), epochs=5, verbose=0, validation_data=(x, y))
    assert set(h.history) == {"loss", "acc", "val_loss", "val_acc"}
    assert h.history["loss"][-1] < h.history["loss"][0]

    def gen():
        while True:
            yield x[:10], y[:10]
    m.fit_generator(gen(), steps_per_epoch=2, epochs=1, verbose=0)
    loss, acc = m.evaluate(x, y, batch_size=7, verbose=0)
    assert m.evaluate_generator(Batches()) == pytest.approx([loss, acc], rel=1e-5)
    p = m.predict_on_batch(x)
    np.testing.assert_allclose(m.predict_generator(Batches()), p, rtol=1e-6)
    assert m.train_on_batch(x, y)[0] > 0
    with pytest.raises(ValueError, match="expected dense_input to have shape"):
        m.predict(np.zeros((2, 4)))


def test_summary_as_keras_3(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")            # Keras 3 narrows the table to the terminal
    m = Sequential([L.Dense(4, input_dim=3, name="d1"), L.Activation("relu", name="act"),
                    L.Dense(2, name="d2")])
    m.summary()
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f'Model: "{m.name}"'
    assert out[2] == "┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃"
    assert out[4] == "│ d1 (Dense)                      │ (None, 4)              │            16 │"
    assert out[-3:] == [" Total params: 26 (104.00 B)", " Trainable params: 26 (104.00 B)",
                        " Non-trainable params: 0 (0.00 B)"]
    assert re.fullmatch(r"└─+┴─+┴─+┘", out[-4]) and len(out[-4]) == 76


def test_sequential_with_an_input_layer_and_keras1_model_arguments():
    m = Sequential([L.InputLayer(input_shape=(3,)), L.Dense(2, name="d")])
    assert [lay.name for lay in m.layers] == ["d"]
    m.compile("sgd", "mse")
    assert m.predict(np.ones((4, 3), np.float32)).shape == (4, 2)
    a = L.Input((3,))
    with pytest.warns(UserWarning, match="Update your `Model` call to the Keras 2 API"):
        m2 = Model(input=a, output=L.Dense(1)(a))
    assert m2.output_names == ["dense"] and m2.count_params() == 4       # (Keras 3's name)


def test_a_model_used_as_a_layer_shares_its_weights():
    inp = L.Input((4,))
    encoder = Model(inp, L.Dense(3, activation="tanh", name="enc")(inp), name="encoder")
    a, b = L.Input((4,), name="left"), L.Input((4,), name="right")
    dist = L.Lambda(lambda t: K.sum(K.square(t[0] - t[1]), axis=1, keepdims=True))(
        [encoder(a), encoder(b)])
    siamese = Model([a, b], dist)
    assert [lay.name for lay in siamese.layers] == ["left", "right", "encoder", "lambda"]
    assert siamese.count_params() == encoder.count_params() == 15
    x1 = RNG.standard_normal((5, 4)).astype(np.float32)
    x2 = RNG.standard_normal((5, 4)).astype(np.float32)
    w, bias = encoder.get_weights()
    want = ((np.tanh(x1 @ w + bias) - np.tanh(x2 @ w + bias)) ** 2).sum(1, keepdims=True)
    np.testing.assert_allclose(siamese.predict([x1, x2]), want, rtol=1e-5, atol=1e-6)
    siamese.compile("sgd", "mse")
    siamese.fit([x1, x2], np.zeros((5, 1), np.float32), epochs=2, verbose=0)
    assert not np.allclose(encoder.get_weights()[0], w)     # trained through the shared model
