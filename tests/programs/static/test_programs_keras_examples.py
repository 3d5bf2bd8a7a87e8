"""keras-team/keras examples of the Keras 2 era (addition_rnn, lstm_text_generation,
imdb_cnn_lstm, mnist_siamese, variational_autoencoder; in this folder as keras_*.py, tiny
sizes, synthetic data), run as scripts on dlcore_static.keras.  Their printed results are
checked against NumPy recomputations, and the trained recurrent models against real Keras 3
(NumPy backend, inference only) given the same weights; both libraries run their defaults
(Keras 3's recurrent_activation='sigmoid')."""

from __future__ import annotations

import os
import re

import numpy as np
import pytest
from test_programs_keras import keras3, line, numbers, run_program  # noqa: F401
from tests.io.summary_table import summary_rows

HERE = os.path.dirname(__file__)


def _losses(out: str) -> np.ndarray:
    return np.array(numbers(line(out, "loss:")))


def test_addition_rnn_seq2seq_saved_and_loaded(capsys, tmp_path, keras3):  # noqa: F811
    out, env = run_program("keras_addition_rnn.py", capsys, [tmp_path])
    assert "Training Data: (360, 3, 12) (360, 2, 12)" in out
    assert "Total params: 14,476" in out
    assert ["time_distributed (TimeDistributed)", "(None, 2, 12)", "396"] in \
        summary_rows(out)                                                 # Keras 2's name
    losses = _losses(out)
    assert len(losses) == 15 and losses[-1] < 0.7 * losses[0]
    model, ctable, x_val = env["model"], env["ctable"], env["x_val"]
    p = model.predict(x_val)
    acc = (p.argmax(-1) == env["y_val"].argmax(-1)).mean()
    assert numbers(line(out, "val_accuracy"))[0] == pytest.approx(acc, abs=1e-4) and acc > 0.35
    qs = [ln for ln in out.splitlines() if ln.startswith("Q ")]
    assert len(qs) == 9
    for ln in qs[-3:]:                          # the last round's guesses: the final model's
        q, t = ln[2:5], ln[8:10]
        guess = ctable.decode(model.predict(ctable.encode(q[::-1], 3)[None])[0])
        assert ln.endswith((" OK " if guess == t else " .. ") + guess)
    assert "max |restored - model|: 0.00e+00" in out
    L = keras3.layers
    ref = keras3.Sequential([keras3.Input((3, 12)), L.LSTM(32),
                             L.RepeatVector(2),
                             L.LSTM(32, return_sequences=True),
                             L.TimeDistributed(L.Dense(12, activation="softmax"))])
    ref.set_weights(model.get_weights())
    np.testing.assert_allclose(ref.predict(x_val.astype("float32"), verbose=0), p, atol=1e-5)


def test_lstm_text_generation_samples_from_predict(capsys, keras3):  # noqa: F811
    out, env = run_program("keras_lstm_text_generation.py", capsys)
    assert "corpus length: 252" in out and "nb sequences: 242" in out
    losses = _losses(out)
    assert len(losses) == 20 and losses[-1] < 0.2 * losses[0]
    gen = env["generated_texts"]
    seed = re.search(r'seed: "(.{10})"', out).group(1)
    assert sorted(gen) == [0.2, 1.0] and all(g.startswith(seed) and len(g) == 30
                                             for g in gen.values())
    assert gen[0.2][10:] in env["text"]                  # a cold sample follows the corpus
    model, x = env["model"], env["x"]
    L = keras3.layers
    ref = keras3.Sequential([keras3.Input(x.shape[1:]),
                             L.LSTM(32),
                             L.Dense(x.shape[2], activation="softmax")])
    ref.set_weights(model.get_weights())
    p = model.predict(x)
    np.testing.assert_allclose(ref.predict(x.astype("float32"), verbose=0), p, atol=1e-5)
    y = env["y"].astype(np.float64)
    assert (p.argmax(1) == y.argmax(1)).mean() > 0.9


def test_imdb_cnn_lstm(capsys, keras3):  # noqa: F811
    out, env = run_program("keras_imdb_cnn_lstm.py", capsys)
    assert "x_train shape: (256, 24)" in out and "Total params: 913" in out
    assert ["max_pooling1d (MaxPooling1D)", "(None, 11, 8)", "0"] in summary_rows(out)
    losses = _losses(out)
    assert len(losses) == 15 and np.all(np.diff(losses) < 0)
    model, x_test, y_test = env["model"], env["x_test"], env["y_test"]
    L = keras3.layers
    ref = keras3.Sequential([keras3.Input((24,)), L.Embedding(20, 8), L.Dropout(0.25),
                             L.Conv1D(8, 3, activation="relu"), L.MaxPooling1D(2),
                             L.LSTM(8),
                             L.Dense(1), L.Activation("sigmoid")])
    ref.set_weights(model.get_weights())
    p = ref.predict(x_test, verbose=0)[:, 0].astype(np.float64)
    np.testing.assert_allclose(p, model.predict(x_test)[:, 0], atol=1e-5)
    bce = -np.mean(y_test * np.log(p) + (1 - y_test) * np.log(1 - p))
    assert numbers(line(out, "Test score"))[0] == pytest.approx(bce, abs=1e-5)
    assert numbers(line(out, "Test accuracy"))[0] == pytest.approx(((p > 0.5) == y_test).mean())


def test_mnist_siamese_lambda_distance_and_contrastive_loss(capsys):
    out, env = run_program("keras_mnist_siamese.py", capsys)
    assert "pairs: (296, 2, 8, 8) (120, 2, 8, 8)" in out
    assert line(out, "history keys") == \
        "history keys: ['accuracy', 'loss', 'val_accuracy', 'val_loss']"
    losses = _losses(out)
    assert losses[-1] < 0.6 * losses[0]
    model, pairs, y = env["model"], env["te_pairs"], env["te_y"]
    w = env["base_network"].get_weights()               # the shared tower, in NumPy

    def tower(a):
        h = a.reshape(len(a), -1).astype(np.float64)
        for k in range(0, 6, 2):
            h = np.maximum(h @ w[k] + w[k + 1], 0)
        return h
    d = np.sqrt(np.maximum(((tower(pairs[:, 0]) - tower(pairs[:, 1])) ** 2).sum(1), 1e-7))
    got = model.predict([pairs[:, 0], pairs[:, 1]])
    np.testing.assert_allclose(got[:, 0], d, rtol=1e-4, atol=1e-5)
    loss, acc = model.evaluate([pairs[:, 0], pairs[:, 1]], y, verbose=0)
    assert loss == pytest.approx(np.mean(y * d ** 2 + (1 - y) * np.maximum(1 - d, 0) ** 2),
                                 abs=1e-4)
    assert acc == pytest.approx(np.mean((d < 0.5) == y), abs=1e-6)
    te = numbers(line(out, "* Accuracy on test set"))[0]
    assert te == pytest.approx(100 * acc, abs=0.01) and te > 70


def test_variational_autoencoder_add_loss(capsys, tmp_path):
    out, env = run_program("keras_variational_autoencoder.py", capsys, [tmp_path])
    assert ["encoder (Functional)", "[(None, 2), (None, 2), (None, 2)]", "660"] in \
        summary_rows(out, "vae_mlp")
    losses, val = _losses(out), np.array(numbers(line(out, "val_loss:")))
    assert len(losses) == len(val) == 12 and losses[-1] < losses[0] - 2 and val[-1] < val[0]
    assert (tmp_path / "vae_mlp.h5").exists()
    vae, encoder, decoder, x = env["vae"], env["encoder"], env["decoder"], env["x_test"]
    w = encoder.get_weights()                           # z_mean, z_log_var in NumPy
    h = np.maximum(x @ w[0] + w[1], 0)
    zm, zlv = h @ w[2] + w[3], h @ w[4] + w[5]
    np.testing.assert_allclose(env["z_mean_test"], zm, rtol=1e-4, atol=1e-5)
    dw = decoder.get_weights()
    p = 1 / (1 + np.exp(-(np.maximum(zm @ dw[0] + dw[1], 0) @ dw[2] + dw[3])))
    np.testing.assert_allclose(env["x_decoded"], p, rtol=1e-4, atol=1e-5)
    kl = -0.5 * np.sum(1 + zlv - zm ** 2 - np.exp(zlv), -1)
    assert np.all(kl >= 0) and len(vae.losses) == 1


def test_denoising_autoencoder_conv2d_transpose(capsys, keras3):  # noqa: F811
    out, env = run_program("keras_denoising_autoencoder.py", capsys)
    assert ["conv2d_transpose (Conv2DTranspose)", "(None, 4, 4, 8)", "584"] in \
        summary_rows(out, "decoder")
    assert ["decoder (Functional)", "(None, 8, 8, 1)", "1,201"] in summary_rows(out, "autoencoder")
    losses, val = _losses(out), np.array(numbers(line(out, "val_loss:")))
    assert len(losses) == 12 and losses[-1] < 0.5 * losses[0] and val[-1] < 0.5 * val[0]
    ae, xn, x = env["autoencoder"], env["x_test_noisy"], env["x_test"]
    L = keras3.layers
    inp = keras3.Input((8, 8, 1))
    h = L.Conv2D(4, 3, strides=2, activation="relu", padding="same")(inp)
    h = L.Conv2D(8, 3, strides=2, activation="relu", padding="same")(h)
    h = L.Reshape((2, 2, 8))(L.Dense(32)(L.Dense(8)(L.Flatten()(h))))
    h = L.Conv2DTranspose(8, 3, strides=2, activation="relu", padding="same")(h)
    h = L.Conv2DTranspose(4, 3, strides=2, activation="relu", padding="same")(h)
    h = L.Activation("sigmoid")(L.Conv2DTranspose(1, 3, padding="same")(h))
    ref = keras3.Model(inp, h)
    ref.set_weights(ae.get_weights())
    p = ref.predict(xn, verbose=0)
    np.testing.assert_allclose(p, env["x_decoded"], atol=1e-5)
    mse = numbers(line(out, "mse noisy"))
    assert mse == pytest.approx([np.mean((xn - x) ** 2), np.mean((p - x) ** 2)], abs=1e-4)
    assert ae.evaluate(xn, x, verbose=0) == pytest.approx(val[-1], abs=1e-4)


def test_lstm_seq2seq_initial_state_and_inference_models(capsys, keras3):  # noqa: F811
    out, env = run_program("keras_lstm_seq2seq.py", capsys)
    first, last = numbers(line(out, "loss:"))
    assert last < 0.2 * first
    assert int(re.search(r"decoded correctly: (\d)/8", out).group(1)) >= 6
    model, enc_in, dec_in = env["model"], env["encoder_input_data"], env["decoder_input_data"]
    L = keras3.layers
    a, b = keras3.Input((None, enc_in.shape[2])), keras3.Input((None, dec_in.shape[2]))
    _, h, c = L.LSTM(32, return_state=True)(a)
    y = L.LSTM(32, return_sequences=True)(b, initial_state=[h, c])
    ref = keras3.Model([a, b], L.Dense(dec_in.shape[2], activation="softmax")(y))
    ref.set_weights(model.get_weights())
    np.testing.assert_allclose(ref.predict([enc_in[:16], dec_in[:16]], verbose=0),
                               model.predict([enc_in[:16], dec_in[:16]]), atol=1e-5)
    # one step of the inference decoder from the encoder's states = the training model's step
    h, c = env["encoder_model"].predict(enc_in[:4])
    o = env["decoder_model"].predict([dec_in[:4, :1], h, c])[0]
    np.testing.assert_allclose(o[:, 0], model.predict([enc_in[:4], dec_in[:4, :1]])[:, 0],
                               atol=1e-6)


def test_imdb_fasttext_bigrams_global_average_pooling(capsys, keras3):  # noqa: F811
    out, env = run_program("keras_imdb_fasttext.py", capsys)
    assert env["add_ngram"]([[1, 3, 4, 5], [1, 3, 7, 9, 2]],
                            {(1, 3): 1337, (9, 2): 42, (4, 5): 2017}) == \
        [[1, 3, 4, 5, 1337, 2017], [1, 3, 7, 9, 2, 1337, 42]]       # the example's docstring
    assert env["create_ngram_set"]([1, 4, 9, 4, 1, 4]) == {(4, 9), (4, 1), (1, 4), (9, 4)}
    assert "x_train shape: (256, 30)" in out
    losses = _losses(out)
    assert len(losses) == 40 and np.all(np.diff(losses) < 0)
    model, x_test, y_test = env["model"], env["x_test"], env["y_test"]
    n = int(numbers(line(out, "max_features") + ".0")[0])
    L = keras3.layers
    ref = keras3.Sequential([keras3.Input((30,)), L.Embedding(n, 8), L.GlobalAveragePooling1D(),
                             L.Dense(1, activation="sigmoid")])
    ref.set_weights(model.get_weights())
    p = ref.predict(x_test, verbose=0)[:, 0]
    np.testing.assert_allclose(model.predict(x_test)[:, 0], p, atol=1e-6)
    val = numbers(line(out, "val_accuracy:"))
    assert val[-1] == pytest.approx(((p > 0.5) == y_test).mean(), abs=1e-4)
