"""Keras Sequential on the static engine: API, Keras-1 names, fit/evaluate/predict, output."""

import re

import numpy as np
import pytest

from dlcore_static.keras.callbacks import Callback
from dlcore_static.keras.layers import Activation, Dense, Dropout
from dlcore_static.keras.models import Sequential
from dlcore_static.keras.optimizers import SGD, Adam


def data(n=40, d=5, k=3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d)).astype(np.float32)
    w = rng.standard_normal((d, k))
    labels = (x @ w).argmax(1)
    return x, np.eye(k, dtype=np.float32)[labels], labels


def test_list_or_add_build_the_same_model():
    a = Sequential([Dense(4, input_shape=(3,)), Activation("relu"), Dense(2)])
    b = Sequential()
    b.add(Dense(4, input_dim=3))
    b.add(Activation("relu"))
    b.add(Dense(units=2))
    assert a.output_shape == b.output_shape == (None, 2)
    assert a.count_params() == b.count_params() == 3 * 4 + 4 + 4 * 2 + 2


def test_keras1_names_convert_with_a_warning_showing_the_modern_call():
    with pytest.warns(UserWarning, match=re.escape(
            "Update your `Dense` call to the Keras 2 API: `Dense(input_dim=3, units=2)`")):
        layer = Dense(input_dim=3, output_dim=2)
    assert layer.units == 2 and layer.input_shape_arg == (3,)
    with pytest.warns(UserWarning, match=re.escape('`Dense(2, kernel_initializer="zeros")`')):
        Dense(2, init="zeros")
    with pytest.warns(UserWarning, match=re.escape("`Dropout(rate=0.5)`")):
        assert Dropout(p=0.5).rate == 0.5
    with pytest.warns(UserWarning, match=re.escape("`SGD(learning_rate=0.1)`")):
        assert SGD(lr=0.1).learning_rate == 0.1


def test_both_old_and_new_names_is_an_error():
    with pytest.raises(TypeError, match=re.escape(
            "For the `units` argument, the layer received both the legacy keyword argument "
            "`output_dim` and the Keras 2 keyword argument `units`. Stick to the latter!")):
        Dense(units=2, output_dim=2)


def test_fit_before_compile_and_unknown_kwargs():
    m = Sequential([Dense(2, input_dim=3)])
    with pytest.raises(RuntimeError, match=re.escape(
            "You must compile your model before training/testing. Use "
            "`model.compile(optimizer, loss)`.")):
        m.fit(np.zeros((4, 3)), np.zeros((4, 2)))
    m.compile("sgd", "mse")
    with pytest.raises(TypeError, match="Unrecognized keyword arguments: {'nb_epochs': 3}"):
        m.fit(np.zeros((4, 3)), np.zeros((4, 2)), nb_epochs=3)


def test_nb_epoch_warns_and_history_records_each_epoch():
    x, y, _ = data()
    m = Sequential([Dense(8, input_dim=5, activation="relu"), Dense(3, activation="softmax")])
    m.compile(optimizer=Adam(0.05), loss="categorical_crossentropy", metrics=["accuracy"])
    with pytest.warns(UserWarning, match="The `nb_epoch` argument in `fit` has been renamed "
                      "`epochs`."):
        h = m.fit(x, y, nb_epoch=30, batch_size=8, verbose=0)
    assert h.epoch == list(range(30))
    assert set(h.history) == {"loss", "accuracy"}
    assert h.history["loss"][-1] < h.history["loss"][0]
    assert h.history["accuracy"][-1] > 0.8
    assert h.params["epochs"] == 30 and h.params["samples"] == 40
    loss, acc = m.evaluate(x, y, verbose=0)
    assert acc > 0.8
    pred = m.predict(x)
    assert pred.shape == (40, 3) and np.allclose(pred.sum(1), 1, atol=1e-5)


def test_validation_split_takes_the_last_samples():
    x, y, _ = data(n=10)
    seen = []

    class Spy(Callback):
        def on_batch_end(self, batch, logs=None):
            seen.append(logs["size"])
    m = Sequential([Dense(3, input_dim=5)])
    m.compile(SGD(0.01), "mse")
    h = m.fit(x, y, epochs=1, batch_size=100, validation_split=0.3, verbose=0,
              callbacks=[Spy()], shuffle=False)
    assert seen == [7]
    expect = m.evaluate(x[7:], y[7:], verbose=0)
    assert np.isclose(h.history["val_loss"][0], expect, rtol=1e-5)
    h2 = m.fit(x, y, epochs=1, validation_data=(x[:2], y[:2]), verbose=0)
    assert "val_loss" in h2.history


def test_verbose_modes(capsys):
    x, y, _ = data(n=16)
    m = Sequential([Dense(3, input_dim=5)])
    m.compile("sgd", "mean_squared_error")
    m.fit(x, y, epochs=2, batch_size=8, verbose=0)
    assert capsys.readouterr().out == ""
    m.fit(x, y, epochs=2, batch_size=8, verbose=1)
    out = capsys.readouterr().out
    assert "Epoch 1/2" in out and "Epoch 2/2" in out
    # Keras 3's bar (tests/static/test_keras3_progbar.py compares it with Keras 3's own)
    # (the final redraw pads with spaces over a wider first-step line: a first step slower
    # than the second, under load, reads e.g. 200ms/step then 5ms/step; Keras 3 pads too)
    assert re.search("\r\x1b\\[1m2/2\x1b\\[0m \x1b\\[32m━{20}\x1b\\[0m\x1b\\[37m\x1b\\[0m "
                     r"\x1b\[1m\d+s\x1b\[0m \d+(ms|us|s)/step - loss: \d+\.\d{4} *\n", out)
    m.fit(x, y, epochs=2, batch_size=8, verbose=2)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Epoch 1/2"
    assert re.fullmatch(r"2/2 - \d+s - \d+(ms|us|s)/step - loss: \d+\.\d{4}", lines[1])


def test_dropout_is_active_only_in_training():
    m = Sequential([Dense(50, input_dim=5, kernel_initializer="ones", bias_initializer="ones"),
                    Dropout(0.5)])
    m.compile("sgd", "mse")
    x = np.ones((4, 5), np.float32)
    np.testing.assert_allclose(m.predict(x), np.full((4, 50), 6.0))
    sess = m._session
    out = sess.run(m._y_pred, {m._x: x, m._training: True})
    assert set(np.unique(out)) <= {0.0, 12.0} and (out == 0).any()


def test_summary(capsys):
    m = Sequential([Dense(4, input_dim=3, name="d1"), Activation("relu", name="act"),
                    Dense(2, name="d2")])
    m.summary()
    out = capsys.readouterr().out
    assert "d1 (Dense)" in out and "(None, 4)" in out and "Total params: 26" in out


def test_string_and_function_losses_and_weights_roundtrip():
    from dlcore_static.keras import losses
    x, y, labels = data()
    m = Sequential([Dense(3, input_dim=5)])
    m.compile(optimizer="adam", loss=losses.mean_absolute_error)
    w = m.get_weights()
    assert [a.shape for a in w] == [(5, 3), (3,)]
    m.set_weights([np.zeros((5, 3)), np.ones(3)])
    np.testing.assert_allclose(m.predict(x[:2]), np.ones((2, 3)))
    s = Sequential([Dense(3, input_dim=5, activation="softmax")])
    s.compile("adam", "sparse_categorical_crossentropy", metrics=["acc"])
    h = s.fit(x, labels, epochs=3, verbose=0)
    assert set(h.history) == {"loss", "acc"}


def test_first_layer_without_input_shape_defers_the_build():
    """As Keras 2 and 3: built on its first data (tests/static/test_keras_deferred_build.py)."""
    model = Sequential([Dense(3)])
    assert model.built is False
    with pytest.raises(ValueError, match="You must provide an `input_shape` argument."):
        model.build()


def test_sequential_takes_a_keras_input_first_as_tf_keras_and_keras3_do(tmp_path):
    """``Sequential([keras.Input(shape), Dense(...)])`` (tf.keras's and Keras 3's tutorials):
    the Input's layer becomes the model's input; an Input after the first layer is refused."""
    from dlcore_static import keras
    keras.backend.clear_session()
    m = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(3, use_bias=False)])
    x = np.arange(8, dtype=np.float32).reshape(2, 4)
    got = m.predict(x)
    w = m.layers[0].get_weights()[0]
    np.testing.assert_allclose(got, x @ w, rtol=1e-6)
    assert len(m.layers) == 1 and tuple(m.input_shape) == (None, 4)
    path = str(tmp_path / "m.keras")
    m.save(path)
    np.testing.assert_allclose(keras.models.load_model(path).predict(x), x @ w, rtol=1e-6)
    with pytest.raises(ValueError, match="only be the first layer"):
        keras.Sequential([keras.layers.Dense(2, input_shape=(3,)), keras.Input(shape=(4,))])
