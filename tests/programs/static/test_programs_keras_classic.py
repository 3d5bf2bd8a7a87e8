"""The classic keras-team/keras 2.x examples (mnist_mlp, mnist_cnn, antirectifier, reuters_mlp,
mnist_irnn, mnist_hierarchical_rnn) and "Deep Learning with Python"'s Boston housing k-fold
regression, in this folder as keras_*.py / dlwp_*.py (as written; tiny sizes, synthetic data),
run as scripts on dlcore_static.keras.  Each trained model is rebuilt in real Keras 3 (NumPy
backend: inference only) with the same weights: predictions and evaluate()'s loss must agree
with dlcore's, and the printed test scores with both (both libraries run their recurrent
defaults: Keras 3's recurrent_activation='sigmoid' and GRU reset_after=True)."""

from __future__ import annotations

import numpy as np
import pytest
from test_programs_keras import keras3, line, numbers, run_program  # noqa: F401

import dlcore_static as tf
from dlcore_static.keras import backend as K


@pytest.fixture(autouse=True)
def _graph_seed(monkeypatch):
    """The programs (as written) seed only NumPy; the graph-level seed makes the weights and
    dropout masks of each run, hence the thresholds below, reproducible."""
    clear = K.clear_session

    def clear_and_seed():
        clear()
        tf.set_random_seed(1)
    monkeypatch.setattr(K, "clear_session", clear_and_seed)


def _same_as_keras3(ref, model, x, y, out, key="Test loss"):
    ref.set_weights(model.get_weights())
    p = model.predict(x)
    np.testing.assert_allclose(ref.predict(x.astype("float32"), verbose=0), p, atol=2e-5)
    ref.compile(loss="categorical_crossentropy", metrics=["accuracy"])
    loss, acc = ref.evaluate(x, y, verbose=0)
    assert numbers(line(out, key))[0] == pytest.approx(loss, abs=1e-4)
    return p, acc


def _epoch_losses(out: str) -> list[float]:
    """The training loss at the end of each epoch (the progress bar's last value)."""
    return [float(seg.rsplit(" - loss: ", 1)[1].split()[0])
            for seg in out.split(" - val_loss")[:-1]]


def test_mnist_mlp_rmsprop_dropout(capsys, keras3):  # noqa: F811
    out, env = run_program("keras_mnist_mlp.py", capsys)
    assert "600 train samples" in out and "Total params: 8,970" in out
    losses = _epoch_losses(out)
    assert len(losses) == 4 and losses[-1] < losses[0]
    L = keras3.layers
    ref = keras3.Sequential([keras3.Input((64,)), L.Dense(64, activation="relu"), L.Dropout(0.2),
                             L.Dense(64, activation="relu"), L.Dropout(0.2),
                             L.Dense(10, activation="softmax")])
    _, acc = _same_as_keras3(ref, env["model"], env["x_test"], env["y_test"], out)
    assert numbers(line(out, "Test accuracy"))[0] == pytest.approx(acc) and acc > 0.8


def test_mnist_cnn_adadelta_channels_last(capsys, keras3):  # noqa: F811
    out, env = run_program("keras_mnist_cnn.py", capsys)
    assert "x_train shape: (256, 10, 10, 1)" in out
    L = keras3.layers
    ref = keras3.Sequential([keras3.Input((10, 10, 1)), L.Conv2D(8, 3, activation="relu"),
                             L.Conv2D(16, 3, activation="relu"), L.MaxPooling2D(2),
                             L.Dropout(0.25), L.Flatten(), L.Dense(32, activation="relu"),
                             L.Dropout(0.5), L.Dense(4, activation="softmax")])
    _, acc = _same_as_keras3(ref, env["model"], env["x_test"], env["y_test"], out)
    lr = env["model"].optimizer.lr
    assert (K.get_value(lr) if hasattr(lr, "graph") else lr) == pytest.approx(1.0)  # Keras 2
    assert acc > 0.5


def test_antirectifier_custom_layer(capsys, keras3):  # noqa: F811
    out, env = run_program("keras_antirectifier.py", capsys)
    model = env["model"]
    assert [tuple(lay.output_shape) for lay in model.layers[:2]] == [(None, 64), (None, 128)]
    L, ops = keras3.layers, keras3.ops

    def anti(t):
        t = t - ops.mean(t, axis=1, keepdims=True)
        t = t / ops.sqrt(ops.maximum(ops.sum(t * t, axis=1, keepdims=True), 1e-12))
        return ops.concatenate([ops.relu(t), ops.relu(-t)], axis=1)
    ref = keras3.Sequential([keras3.Input((64,)), L.Dense(64), L.Lambda(anti), L.Dense(64),
                             L.Lambda(anti), L.Dense(10), L.Activation("softmax")])
    x, y = env["x_test"], env["y_test"]
    ref.set_weights(model.get_weights())
    np.testing.assert_allclose(ref.predict(x, verbose=0), model.predict(x), atol=2e-5)
    val = [numbers(seg)[0] for seg in out.split("val_loss: ")[1:]]
    ref.compile(loss="categorical_crossentropy")
    assert ref.evaluate(x, y, verbose=0) == pytest.approx(val[-1], abs=1e-4)
    assert val[-1] < val[0]


def test_reuters_mlp_sequences_to_matrix_validation_split(capsys, keras3):  # noqa: F811
    out, env = run_program("keras_reuters_mlp.py", capsys)
    assert "x_train shape: (400, 200)" in out and "6 classes" in out
    x = env["x_train"]
    assert set(np.unique(x)) <= {0.0, 1.0} and not x[:, 0].any()       # index 0 unused
    tr = _epoch_losses(out)
    assert len(tr) == 8 and tr[-1] < tr[0] - 0.3
    assert env["history"].params["samples"] == 360                     # 10 % held out
    L = keras3.layers
    ref = keras3.Sequential([keras3.Input((200,)), L.Dense(32), L.Activation("relu"),
                             L.Dropout(0.5), L.Dense(6), L.Activation("softmax")])
    _same_as_keras3(ref, env["model"], env["x_test"], env["y_test"], out, "Test score")


def test_mnist_irnn_identity_recurrent_init(capsys, keras3):  # noqa: F811
    out, env = run_program("keras_mnist_irnn.py", capsys)
    assert "x_train shape: (192, 16, 1)" in out
    L = keras3.layers
    ref = keras3.Sequential([keras3.Input((16, 1)), L.SimpleRNN(16, activation="relu"),
                             L.Dense(4), L.Activation("softmax")])
    _same_as_keras3(ref, env["model"], env["x_test"], env["y_test"], out, "IRNN test score")


def test_mnist_hierarchical_rnn_time_distributed_lstm(capsys, keras3):  # noqa: F811
    out, env = run_program("keras_mnist_hierarchical_rnn.py", capsys)
    assert "x_train shape: (160, 5, 5, 1)" in out
    model = env["model"]
    assert tuple(model.layers[1].output_shape) == (None, 5, 8)
    L = keras3.layers
    inp = keras3.Input((5, 5, 1))
    h = L.TimeDistributed(L.LSTM(8))(inp)
    h = L.LSTM(8)(h)
    ref = keras3.Model(inp, L.Dense(4, activation="softmax")(h))
    _same_as_keras3(ref, model, env["x_test"], env["y_test"], out)


def test_dlwp_boston_housing_kfold_keras2_history_names(capsys, keras3):  # noqa: F811
    out, env = run_program("dlwp_boston_housing_kfold.py", capsys)
    hists, scores = env["all_mae_histories"], env["all_scores"]
    assert len(hists) == 4 and all(len(h) == 6 for h in hists)
    assert [h[-1] for h in hists] == pytest.approx(scores, abs=1e-5)    # last epoch = evaluate
    avg = np.array(numbers(line(out, "average_mae_history")))
    np.testing.assert_allclose(avg, np.mean(hists, axis=0), atol=1e-4)
    assert avg[-1] < 0.5 * avg[0]
    h = env["history"].history
    assert sorted(h) == ["loss", "mae", "val_loss", "val_mae"]          # Keras 2.3+ keys
    assert h["val_mean_absolute_error"] is h["val_mae"] and h["mean_absolute_error"] is h["mae"]
    with pytest.raises(KeyError):
        h["val_mean_squared_error"]
    L = keras3.layers
    ref = keras3.Sequential([keras3.Input((13,)), L.Dense(64, activation="relu"),
                             L.Dense(64, activation="relu"), L.Dense(1)])
    ref.set_weights(env["model"].get_weights())
    ref.compile(loss="mse", metrics=["mae"])
    mse, mae = ref.evaluate(env["test_data"], env["test_targets"], verbose=0)
    assert (env["test_mse_score"], env["test_mae_score"]) == pytest.approx((mse, mae), rel=1e-4)
    assert mae < 0.25 * avg[0]


def test_dlwp_temperature_gru_fit_generator_recurrent_dropout(capsys, keras3):  # noqa: F811
    out, env = run_program("dlwp_temperature_gru.py", capsys)
    loss, val = np.array(numbers(line(out, "loss:"))), np.array(numbers(line(out, "val_loss:")))
    assert len(loss) == len(val) == 5 and val[-1] < val[0]
    model, gen = env["model"], env["generator"]
    assert tuple(model.layers[0].input_shape) == (None, None, 4)
    L = keras3.layers
    ref = keras3.Sequential([keras3.Input((None, 4)),
                             L.GRU(16),
                             L.Dense(1)])
    ref.set_weights(model.get_weights())
    test_gen = gen(env["float_data"], lookback=60, delay=6, min_index=1001, max_index=None,
                   step=6, batch_size=16)
    err, n = 0.0, 0
    for _ in range(env["test_steps"]):
        x, y = next(test_gen)
        p = ref.predict(x.astype("float32"), verbose=0)[:, 0]
        np.testing.assert_allclose(model.predict(x)[:, 0], p, atol=2e-5)
        err, n = err + np.abs(p - y).sum(), n + len(y)
    assert env["test_mae"] == pytest.approx(err / n, abs=1e-4)


def test_dlwp_imdb_binary_vectorized_mlp_history_acc(capsys, keras3):  # noqa: F811
    out, env = run_program("dlwp_imdb_binary.py", capsys)
    assert "['acc', 'loss', 'val_acc', 'val_loss']" in out
    x = env["x_train"]
    assert x.shape == (400, 500) and all(x[i, env["train_data"][i]].all() for i in range(3))
    assert x.sum() == sum(len(set(s)) for s in env["train_data"])
    loss = numbers(line(out, "loss:"))
    assert len(loss) == 6 and np.all(np.diff(loss) < 0)
    h = env["history"].history
    assert h["val_accuracy"] is h["val_acc"]                 # either Keras 2 spelling reads it
    L = keras3.layers
    ref = keras3.Sequential([keras3.Input((500,)), L.Dense(16, activation="relu"),
                             L.Dense(16, activation="relu"), L.Dense(1, activation="sigmoid")])
    ref.set_weights(env["model"].get_weights())
    p = ref.predict(env["x_test"].astype("float32"), verbose=0)
    np.testing.assert_allclose(env["predictions"], p, atol=2e-5)
    ref.compile(loss="binary_crossentropy", metrics=["binary_accuracy"])
    assert env["results"] == pytest.approx(ref.evaluate(env["x_test"], env["y_test"],
                                                        verbose=0), abs=1e-4)
    assert env["results"][1] > 0.75
