"""TF1 and Keras programs of the G9 batch (in this folder, as written; tiny sizes, synthetic
data), run as scripts on dlcore_static: Hands-On ML's time-series RNN with
tf.contrib.rnn.OutputProjectionWrapper and its stacked-dense variant
(tf_rnn_time_series_projection.py), chapter 15's tied-weights autoencoder
(tf_tied_weights_autoencoder.py), chapter 14's stacked LSTMs with DropoutWrapper and a
placeholder_with_default keep_prob (tf_stacked_lstm_dropout.py); keras.io's (Keras 3 API)
conv-LSTM next-frame prediction (keras_conv_lstm_next_frame.py) and transformer text
classification with keras.ops in layer subclasses (keras_transformer_text_classification.py),
image classification from scratch with augmentation layers in the model
(keras_image_classification_augmentation.py);
checked by their printed properties, against NumPy where the values can be recomputed and
against Keras 3's predictions with the same weights."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from test_programs_keras import keras3, line, numbers, run_program  # noqa: F401


def test_time_series_rnn_with_output_projection(capsys):
    out, env = run_program("tf_rnn_time_series_projection.py", capsys)
    assert "outputs (?, 12, 1) states (?, 32) cell sizes 1 32" in out
    assert "'rnn/output_projection_wrapper/kernel:0', [32, 1]" in out
    mse = [numbers(ln)[0] for ln in out.splitlines() if "\tMSE:" in ln]
    assert len(mse) == 2 and mse[-1] < 0.1 * mse[0]
    first, final = numbers(line(out, "held-out MSE"))
    assert final < 0.05 * first
    assert "projection by hand matches: True" in out
    assert "generated 32 finite True" in out
    assert "stacked (?, 32) (?, 12, 1)" in out
    assert "stacked variant held-out MSE below the start: True" in out
    assert np.asarray(env["sequence"]).shape == (32,)


def test_stacked_lstm_with_dropout_wrappers(capsys):
    out, _ = run_program("tf_stacked_lstm_dropout.py", capsys)
    assert "state structure 3 LSTMStateTuple (?, 12)" in out
    assert "'rnn/multi_rnn_cell/cell_0/basic_lstm_cell/kernel:0'" in out
    accs = [numbers(ln) for ln in out.splitlines() if "Train accuracy:" in ln]
    assert len(accs) == 6 and accs[-1][0] > 0.85 and accs[-1][1] > 0.8
    assert "eval deterministic: True" in out and "dropout changes the logits: True" in out
    assert "zeros past the length: True final h is the last valid output: True" in out
    assert ("('rnn/lstm_cell/w_f_diag:0', [12]), ('rnn/lstm_cell/w_i_diag:0', [12]), "
            "('rnn/lstm_cell/w_o_diag:0', [12])") in out


def test_conv_lstm_next_frame_matches_keras3(capsys, keras3):  # noqa: F811
    out, env = run_program("keras_conv_lstm_next_frame.py", capsys)
    assert "Training Dataset Shapes: (18, 5, 8, 8, 1), (18, 5, 8, 8, 1)" in out
    assert "output shape (None, None, 8, 8, 1) parameters 3417" in out
    first, last = numbers(line(out, "loss "))
    assert last < 0.7 * first
    assert numbers(line(out, "next-frame pixel accuracy"))[0] > 0.8
    # the same network in Keras 3, same weights, both libraries' defaults
    L = keras3.layers
    inp = keras3.Input((None, 8, 8, 1))
    x = L.ConvLSTM2D(8, (3, 3), padding="same", return_sequences=True, activation="relu")(inp)
    x = L.BatchNormalization()(x)
    x = L.ConvLSTM2D(8, (1, 1), padding="same", return_sequences=True, activation="relu")(x)
    x = L.Conv3D(1, (3, 3, 3), activation="sigmoid", padding="same")(x)
    ref = keras3.Model(inp, x)
    assert ref.count_params() == 3417
    ref.set_weights(env["model"].get_weights())
    np.testing.assert_allclose(env["model"].predict(env["x_val"], verbose=0),
                               ref.predict(env["x_val"], verbose=0), rtol=1e-4, atol=1e-5)


def test_transformer_text_classification_matches_keras3(capsys, keras3):  # noqa: F811
    out, env = run_program("keras_transformer_text_classification.py", capsys)
    assert "(160, 12) int32" in out and "parameters 3822 sublayer weights 16" in out
    first, last = numbers(line(out, "loss "))
    assert last < 0.2 * first
    loss, acc = numbers(line(out, "evaluate"))
    assert acc > 0.9 and "rows sum to 1: True" in out
    assert acc == pytest.approx(numbers(line(out, "val_accuracy"))[0], abs=1e-4)
    # the program's own layer classes, run by Keras 3 with the trained weights
    src = Path(env["__file__"]).read_text()
    classes = src[src.index("class TransformerBlock"):src.index("vocab_size = ")]
    ns = {"keras": keras3, "layers": keras3.layers, "ops": keras3.ops}
    exec(compile(classes, "keras_transformer_text_classification.py", "exec"), ns)  # noqa: S102
    L = keras3.layers                  # built by an eager call (its symbolic build feeds
    ref = keras3.Sequential([          # the Embedding garbage indices on the NumPy backend)
        ns["TokenAndPositionEmbedding"](12, 30, 16), ns["TransformerBlock"](16, 2, 16),
        L.GlobalAveragePooling1D(), L.Dropout(0.1), L.Dense(20, activation="relu"),
        L.Dropout(0.1), L.Dense(2, activation="softmax")])
    ref(env["x_val"][:2])
    weights = env["model"].get_weights()
    assert [w.shape for w in ref.get_weights()] == [w.shape for w in weights]
    ref.set_weights(weights)
    x_val = env["x_val"]
    probs = env["model"].predict(x_val, verbose=0)
    np.testing.assert_allclose(ref.predict(x_val, verbose=0), probs, rtol=1e-4, atol=1e-5)
    assert loss == pytest.approx(
        -np.mean(np.log(probs[np.arange(len(x_val)), env["y_val"]])), abs=1e-4)
    assert re.search(r"predict \(40, 2\)", out)


def test_image_classification_with_augmentation_matches_keras3(capsys, keras3):  # noqa: F811
    out, env = run_program("keras_image_classification_augmentation.py", capsys)
    assert "augmented (4, 16, 16, 3)" in out and "parameters 5497 output (None, 1)" in out
    # (the loss drop holds for every seed: keras.utils.set_random_seed(s), s = 0..5, gave
    # last/first 0.084 0.111 0.101 0.065 0.079 0.104; the validation accuracy of 32 images
    # after 6 epochs does not: 0.62 0.78 0.62 0.38 0.62 0.72, so it is checked against
    # predict, not against a threshold)
    first, last = numbers(line(out, "loss "))
    assert last < 0.3 * first
    assert "inference is deterministic (no augmentation): True" in out
    assert numbers(line(out, "accuracy from predict"))[0] == \
        pytest.approx(numbers(line(out, "val_acc"))[0], abs=1e-4)
    # the program's own make_model, run by Keras 3 with the trained weights (inference: the
    # augmentation layers pass images through)
    src = Path(env["__file__"]).read_text()
    code = (src[src.index("data_augmentation_layers = ["):src.index("augmented = ")] +
            src[src.index("def make_model"):src.index("model = make_model")])
    ns = {"keras": keras3, "layers": keras3.layers}
    exec(compile(code, "keras_image_classification_augmentation.py", "exec"), ns)  # noqa: S102
    ref = ns["make_model"]((16, 16, 3), 2)
    assert ref.count_params() == 5497
    ref.set_weights(env["model"].get_weights())
    x_val = env["x_val"]
    np.testing.assert_allclose(ref.predict(x_val, verbose=0),
                               env["model"].predict(x_val, verbose=0), rtol=1e-4, atol=1e-4)


def test_tied_weights_autoencoder(capsys):
    out, env = run_program("tf_tied_weights_autoencoder.py", capsys)
    assert ("trainable ['weights1:0', 'weights2:0', 'biases1:0', 'biases2:0', 'biases3:0', "
            "'biases4:0']") in out
    assert "tied shapes (3, 8) (8, 12)" in out
    before, after = numbers(line(out, "held-out MSE"))
    assert after < 0.1 * before
    assert "regularizer is l2_reg * sum(w^2) / 2: True" in out
    assert "decoder is the encoder transposed: True" in out
    assert env["codings"].shape == (64, 3)
