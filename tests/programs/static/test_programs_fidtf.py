"""Programs written as their public sources are (imports renamed, sizes scaled down), run as
scripts on dlcore_static and checked against NumPy recomputations or the installed Keras 3:

* tf_pde_raindrops.py: TF1's "Partial Differential Equations" tutorial (InteractiveSession,
  depthwise_conv2d Laplacian, tf.group of assigns, Operation.run(feed), Variable.eval,
  ``tf.constant(a, dtype=1)``: TF's DataType number).
* keras_writing_callbacks.py: keras.io's "Writing your own callbacks" (every hook and the keys
  of its logs, running averages per batch, early stopping via model.stop_training, a schedule
  setting optimizer.learning_rate): the printed hook/learning-rate lines equal Keras 3's (3.15,
  JAX backend; NumPy's cannot fit) recorded below.
* tf_ptb_word_lm.py: TF 1.x's PTB LSTM language model (MultiRNNCell of BasicLSTMCell with
  DropoutWrapper, contrib.seq2seq.sequence_loss, clip_by_global_norm, the learning rate as a
  Variable assigned each epoch, a validation model reusing the variables): TF1's variable names,
  the learning rates, and the last validation perplexity recomputed in NumPy from the trained
  variables.
* keras_masking_and_padding.py: keras.io's "Understanding masking & padding" (pad_sequences,
  Embedding mask_zero, Masking, compute_mask, supports_masking, a layer reading its mask; new:
  keras.ops.convert_to_numpy/split/take/not_equal/..., ``tensor._keras_mask``, a model called
  with Keras 3's positional ``training``): masks vs NumPy, the masked LSTM vs the LSTM run on
  each row's unmasked steps alone, the temporal softmax 1 where unmasked, NaN (0/0) where
  masked, as in Keras 3.
* keras_custom_train_step_tf.py: keras.io's "Customizing what happens in fit() with
  TensorFlow" (train_step with GradientTape and compute_loss, own trackers and a metrics
  property, sample weights, a custom test_step, the GAN on a tf.data dataset; new: a custom
  train_step fits a dataset, and a Sequential first called inside train_step is not run as an
  update): the logs' keys as Keras 3's, losses falling, evaluate vs NumPy.
* keras_collaborative_filtering.py: keras.io's RecommenderNet (new: keras.ops.nn): the
  predictions recomputed in NumPy from the embeddings, with the guide's
  ``ops.tensordot(u, m, 2)`` summing over the whole batch (predict's batches of 32) as Keras 3's
  does, and the top-10 recommendations from them.
* keras_timeseries_anomaly_detection.py: keras.io's Conv1D/Conv1DTranspose autoencoder (new:
  layers.Conv1DTranspose): the summary equals Keras 3's to the character, the layer's outputs
  equal Keras 3's given the same weights, and the anomalies found lie on the series' jump.
* tf_save_restore_meta_graph.py: cv-tricks' TF1 save/restore tutorial (Saver with global_step,
  import_meta_graph + latest_checkpoint into a new graph, tensors by name, new ops on the
  restored graph, a restored train op from a collection): the printed values, and the
  fine-tuning steps after the restore vs NumPy gradient descent from the saved weights.
* keras_transfer_learning.py: keras.io's "Transfer learning & fine-tuning" with a small base
  pre-trained here (new: a Sequential starting with an Input is built at once, and again after
  each add, naming a Functional each time as Keras 3; ``model.trainable`` reaches the model's
  layers; a built model as a Sequential's first layer): every printed line but the final
  metrics equals Keras 3's (JAX backend, recorded below; the auto-named input layers' numbers
  masked), the frozen layers unchanged by training, the base's BatchNormalization statistics
  unchanged by fine-tuning (inference mode) while its weights move.
* keras_miniature_gpt.py: keras.io's miniature GPT (causal mask from keras.ops, new: ops.top_k
  and ops.tile; TransformerBlock, token + position embeddings, two outputs with loss=[fn, None],
  a text-generating callback): the loss falls, the generated tokens are the vocabulary's, and
  the model is causal (a later token changes no earlier position's logits)."""

from __future__ import annotations

import os
import re
import runpy
import sys

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static.keras import backend as K
from tests.io.real_keras import keras3 as _real_keras3

HERE = os.path.dirname(__file__)


def run_program(name, capsys, argv=()):
    tf.reset_default_graph()
    K.clear_session()
    old, backend = sys.argv, os.environ.get("KERAS_BACKEND")
    sys.argv = [name] + list(argv)
    try:
        env = runpy.run_path(os.path.join(HERE, name), run_name="__main__")
    finally:                    # (a program may set KERAS_BACKEND, as the guides do)
        sys.argv = old
        if backend is None:
            os.environ.pop("KERAS_BACKEND", None)
        else:
            os.environ["KERAS_BACKEND"] = backend
    return capsys.readouterr().out, env


def numbers(line: str) -> list[float]:
    return [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?", line)]


def test_pde_raindrops_matches_numpy(capsys):
    out, env = run_program("tf_pde_raindrops.py", capsys)
    env["sess"].close()
    rs = np.random.RandomState(0)
    n = 40
    u = np.zeros((n, n), np.float32)
    ut = np.zeros((n, n), np.float32)
    for _ in range(8):
        a, b = rs.randint(0, n, 2)
        u[a, b] = rs.uniform()
    k = np.array([[0.5, 1.0, 0.5], [1.0, -6., 1.0], [0.5, 1.0, 0.5]], np.float32)

    def laplace(x):
        p = np.pad(x, 1)
        return sum(k[i, j] * p[i:i + n, j:j + n] for i in range(3) for j in range(3))
    sums = []
    for i in range(100):
        u, ut = u + 0.03 * ut, ut + 0.03 * (laplace(u) - 0.04 * ut)
        if i % 25 == 0:
            sums.append((u ** 2).sum())
    got = [numbers(ln)[2] for ln in out.splitlines() if ln.startswith("step")]
    np.testing.assert_allclose(got, sums, rtol=1e-4)
    np.testing.assert_allclose(env["final_u"], u, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(env["final_ut"], ut, rtol=1e-4, atol=1e-5)


# Keras 3's lines for keras_writing_callbacks.py (KERAS_BACKEND=jax, import keras), the
# average-loss lines left out (their numbers depend on the initial weights)
KERAS3_CALLBACK_LINES = """\
Starting training; got log keys: []
Start epoch 0 of training; got log keys: []
...Training: start of batch 0; got log keys: []
...Training: end of batch 0; got log keys: ['loss', 'mean_absolute_error']
Start testing; got log keys: []
...Evaluating: start of batch 0; got log keys: []
...Evaluating: end of batch 0; got log keys: ['loss', 'mean_absolute_error']
Stop testing; got log keys: ['loss', 'mean_absolute_error']
End epoch 0 of training; got log keys: ['loss', 'mean_absolute_error', 'val_loss', 'val_mean_absolute_error']
Stop training; got log keys: ['loss', 'mean_absolute_error', 'val_loss', 'val_mean_absolute_error']
Start testing; got log keys: []
...Evaluating: start of batch 0; got log keys: []
...Evaluating: end of batch 0; got log keys: ['loss', 'mean_absolute_error']
Stop testing; got log keys: ['loss', 'mean_absolute_error']
Start predicting; got log keys: []
...Predicting: start of batch 0; got log keys: []
...Predicting: end of batch 0; got log keys: ['outputs']
Stop predicting; got log keys: []
Restoring model weights from the end of the best epoch.
Epoch 3: early stopping
Epoch 0: Learning rate is 0.10000000149011612.
Epoch 1: Learning rate is 0.10000000149011612.
Epoch 2: Learning rate is 0.10000000149011612.
Epoch 3: Learning rate is 0.05.
Epoch 4: Learning rate is 0.05000000074505806.
Epoch 5: Learning rate is 0.05000000074505806.
Epoch 6: Learning rate is 0.01.
Epoch 7: Learning rate is 0.009999999776482582.
Epoch 8: Learning rate is 0.009999999776482582.
Epoch 9: Learning rate is 0.005.
Epoch 10: Learning rate is 0.004999999888241291.
Epoch 11: Learning rate is 0.004999999888241291.
Epoch 12: Learning rate is 0.001.
Epoch 13: Learning rate is 0.0010000000474974513.
Epoch 14: Learning rate is 0.0010000000474974513.
"""


def test_writing_callbacks_prints_keras3s_hooks(capsys):
    out, env = run_program("keras_writing_callbacks.py", capsys)
    # (the epoch early stopping ends at depends on the initial weights: its line is left out)
    got = [ln for ln in out.splitlines() if ln and "average loss" not in ln]
    assert [ln for ln in got if "early stopping" not in ln] == \
        [ln for ln in KERAS3_CALLBACK_LINES.splitlines() if "early stopping" not in ln]
    assert sum("early stopping" in ln for ln in got) == 1
    avg = [numbers(ln) for ln in out.splitlines() if ln.startswith("Up to batch")]
    assert all(np.isfinite(v[1]) for v in avg)
    assert env["early"].stopped_epoch > 0 and env["final_lr"] == pytest.approx(0.001)


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def test_ptb_word_lm_valid_perplexity_matches_numpy(capsys):
    out, env = run_program("tf_ptb_word_lm.py", capsys)
    v, cfg = env["variables"], env["config"]
    cell = "model/RNN/multi_rnn_cell/cell_%d/basic_lstm_cell/%s"
    assert sorted(v) == sorted([cell % (i, w) for i in (0, 1) for w in ("kernel", "bias")] +
                               ["model/Variable", "model/embedding", "model/global_step",
                                "model/softmax_b", "model/softmax_w"])
    assert [numbers(ln)[1] for ln in out.splitlines() if "Learning rate" in ln] == \
        [1.0, 0.5, 0.25]
    assert env["global_step"] == 3 * ((len(env["train_data"]) // 4 - 1) // 5)
    bs, steps, size = cfg.batch_size, cfg.num_steps, cfg.hidden_size
    state = [(np.zeros((bs, size)), np.zeros((bs, size))) for _ in range(2)]
    costs, iters = 0.0, 0
    for x, y in env["ptb_iterator"](env["valid_data"], bs, steps):
        outs = []
        for t in range(steps):
            h_in = v["model/embedding"][x[:, t]]
            for i in range(2):
                c, h = state[i]
                z = np.concatenate([h_in, h], 1) @ v[cell % (i, "kernel")] + \
                    v[cell % (i, "bias")]
                gi, gj, gf, go = np.split(z, 4, axis=1)
                c = c * _sigmoid(gf + 0.0) + _sigmoid(gi) * np.tanh(gj)
                h = np.tanh(c) * _sigmoid(go)
                state[i] = (c, h)
                h_in = h
            outs.append(h_in)
        logits = np.stack(outs, 1) @ v["model/softmax_w"] + v["model/softmax_b"]
        logp = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
        nll = -np.take_along_axis(logp, y[..., None], -1)[..., 0]
        costs += nll.mean(0).sum()
        iters += steps
    want = np.exp(costs / iters)
    got = [numbers(ln)[1] for ln in out.splitlines() if "Valid Perplexity" in ln]
    assert got[-1] == pytest.approx(want, rel=1e-4)
    assert got[-1] < cfg.vocab_size                  # (learnt something: uniform is 30)


def test_masking_and_padding_guide(capsys):
    from dlcore_static.keras import ops
    out, env = run_program("keras_masking_and_padding.py", capsys)
    padded = env["padded_inputs"]
    np.testing.assert_array_equal(padded, [[711, 632, 71, 0, 0, 0], [73, 8, 3215, 55, 927, 0],
                                           [83, 91, 1, 645, 1253, 927]])
    np.testing.assert_array_equal(env["embedding_mask"], padded != 0)
    np.testing.assert_array_equal(env["masking_mask"], padded != 0)
    np.testing.assert_array_equal(ops.convert_to_numpy(env["first_half"]._keras_mask),
                                  padded[:, :3] != 0)
    np.testing.assert_array_equal(env["custom_mask"], env["custom_x"] != 0)
    assert env["custom_y"].shape == (3, 10)     # (Keras 3's ops.take: of the flattened table)
    assert env["y"].shape.as_list() == [32, 100, 1] and "Mask found: <tf.Tensor" in out
    soft = env["softmax_out"]
    assert np.all(soft[np.isfinite(soft)] == pytest.approx(1.0))
    # the LSTM given the mask by hand skips the masked steps: each row as its steps alone
    layer, x = env["my_layer"], env["my_layer_x"]
    got = ops.convert_to_numpy(env["my_layer_out"])
    for row in range(3):
        keep = x[row][x[row] != 0][None]
        alone = ops.convert_to_numpy(layer.lstm(layer.embedding(keep)))
        np.testing.assert_allclose(got[row], alone[0], rtol=1e-5, atol=1e-6)


def test_custom_train_step_guide(capsys):
    out, env = run_program("keras_custom_train_step_tf.py", capsys)
    for name in ("history1", "history2", "history3"):
        h = env[name].history
        assert sorted(h) == ["loss", "mae"] and len(h["loss"]) == 3
        assert h["loss"][-1] < h["loss"][0], (name, h)
    assert sorted(env["gan_history"].history) == ["d_loss", "g_loss"]
    assert all(np.isfinite(v) for v in env["gan_history"].history["d_loss"])
    pred = env["eval_model"].predict(env["eval_x"], verbose=0)
    err = pred - env["eval_y"]
    np.testing.assert_allclose(env["evaluated"], [np.mean(err ** 2), np.mean(np.abs(err))],
                               rtol=1e-5)


def test_collaborative_filtering(capsys):
    out, env = run_program("keras_collaborative_filtering.py", capsys)
    m = env["model"]
    ue, ub = m.user_embedding.get_weights()[0], m.user_bias.get_weights()[0]
    me, mb = m.movie_embedding.get_weights()[0], m.movie_bias.get_weights()[0]
    arr = env["user_movie_array"]
    want = []
    for s in range(0, len(arr), 32):              # (predict's batches: the dot is per batch)
        b = arr[s:s + 32]
        dot = np.sum(ue[b[:, 0]] * me[b[:, 1]])
        want.append(1 / (1 + np.exp(-(dot + ub[b[:, 0]] + mb[b[:, 1]]))))
    want = np.concatenate(want).ravel()
    np.testing.assert_allclose(env["ratings_pred"], want, rtol=1e-4, atol=1e-6)
    top = [env["movie_encoded2movie"][env["movies_not_watched"][i][0]]
           for i in want.argsort()[-10:][::-1]]
    assert env["recommended_movie_ids"] == top
    assert all(np.isfinite(env["history"].history["val_loss"]))


@pytest.fixture(scope="module")
def keras3():
    return _real_keras3()       # (Keras 3 on the NumPy backend, or the test is skipped)


def _anomaly_model(k, steps):
    L = k.layers
    return k.Sequential([
        L.Input(shape=(steps, 1)),
        L.Conv1D(filters=32, kernel_size=7, padding="same", strides=2, activation="relu"),
        L.Dropout(rate=0.2),
        L.Conv1D(filters=16, kernel_size=7, padding="same", strides=2, activation="relu"),
        L.Conv1DTranspose(filters=16, kernel_size=7, padding="same", strides=2,
                          activation="relu"),
        L.Dropout(rate=0.2),
        L.Conv1DTranspose(filters=32, kernel_size=7, padding="same", strides=2,
                          activation="relu"),
        L.Conv1DTranspose(filters=1, kernel_size=7, padding="same")])


def test_timeseries_anomaly_detection(capsys, keras3, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    out, env = run_program("keras_timeseries_anomaly_detection.py", capsys)
    keras3.backend.clear_session()
    ref = _anomaly_model(keras3, 32)
    got: list = []
    ref.summary(print_fn=got.append)
    assert "\n".join(got) in out
    ref.set_weights(env["model"].get_weights())
    x = env["x_test"][:8]
    np.testing.assert_allclose(env["model"].predict(x, verbose=0),
                               np.asarray(ref.predict(x, verbose=0)), rtol=1e-4, atol=1e-5)
    # (the threshold is the training windows' largest error: the windows over the jump, and
    # perhaps a few others of an under-trained model, exceed it)
    flagged = np.where(env["anomalies"])[0]
    over = [i for i in flagged if i + 32 > 200 and i < 230]
    assert len(over) >= 0.8 * len(flagged) and len(over) >= 30
    assert env["threshold"] == pytest.approx(np.max(np.mean(np.abs(
        env["model"].predict(env["x_train"], verbose=0) - env["x_train"]), axis=1)), rel=1e-5)


@pytest.mark.parametrize("padding", ["same", "valid"])
@pytest.mark.parametrize("strides,size", [(1, 3), (2, 7), (3, 2)])
def test_conv1d_transpose_matches_keras3(keras3, padding, strides, size):
    from dlcore_static import keras
    from dlcore_static.keras import ops
    x = np.random.RandomState(0).randn(2, 7, 3).astype("float32")
    mine = keras.layers.Conv1DTranspose(4, size, strides=strides, padding=padding)
    ref = keras3.layers.Conv1DTranspose(4, size, strides=strides, padding=padding)
    y = ops.convert_to_numpy(mine(x))
    ref.build(x.shape)
    ref.set_weights([w + 0.1 for w in mine.get_weights()])
    mine.set_weights([w + 0.1 for w in mine.get_weights()])
    want = np.asarray(ref(x))
    assert y.shape == want.shape
    np.testing.assert_allclose(ops.convert_to_numpy(mine(x)), want, rtol=1e-5, atol=1e-5)
    assert np.abs(want).max() > 0.1


def test_save_restore_meta_graph(capsys, tmp_path):
    out, env = run_program("tf_save_restore_meta_graph.py", capsys, [str(tmp_path)])
    assert out.splitlines()[:4] == ["24.0", "60.0", "120.0", "bias restored: 2.0"]
    np.testing.assert_array_equal(env["W_restored"], env["W_saved"])
    assert env["loss_restored"] == env["loss_saved"]
    X, Y = env["X"].astype(np.float64), env["Y"]
    W = env["W_saved"].astype(np.float64)
    with tf.Graph().as_default():       # (b is not kept by the program: read it from the file)
        reader = tf.train.load_checkpoint(str(tmp_path / "classifier-50"))
        b = reader.get_tensor("b").astype(np.float64)
    for _ in range(10):
        z = X @ W + b
        p = np.exp(z - z.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        g = (p - Y) / len(X)
        W, b = W - 0.5 * X.T @ g, b - 0.5 * g.sum(0)
    z = X @ W + b
    lse = np.log(np.exp(z - z.max(1, keepdims=True)).sum(1)) + z.max(1)
    assert env["loss_tuned"] == pytest.approx(np.mean(lse - (z * Y).sum(1)), rel=1e-4)


# Keras 3's lines for keras_transfer_learning.py (KERAS_BACKEND=jax, COLUMNS=80), the last
# line (the evaluation's numbers) left out
KERAS3_TRANSFER_LINES = """\
weights: 2
trainable_weights: 2
non_trainable_weights: 0
weights: 4
trainable_weights: 2
non_trainable_weights: 2
weights: 2
trainable_weights: 0
non_trainable_weights: 2
Model: "functional_6"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━┳━━━━━━━┓
┃ Layer (type)                ┃ Output Shape          ┃    Param # ┃ Trai… ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━╇━━━━━━━┩
│ input_layer_5 (InputLayer)  │ (None, 32, 32, 3)     │          0 │   -   │
├─────────────────────────────┼───────────────────────┼────────────┼───────┤
│ sequential_4 (Sequential)   │ (None, 32, 32, 3)     │          0 │   -   │
├─────────────────────────────┼───────────────────────┼────────────┼───────┤
│ base_model (Sequential)     │ (None, 16, 16, 8)     │        872 │   N   │
├─────────────────────────────┼───────────────────────┼────────────┼───────┤
│ global_average_pooling2d_1  │ (None, 8)             │          0 │   -   │
│ (GlobalAveragePooling2D)    │                       │            │       │
├─────────────────────────────┼───────────────────────┼────────────┼───────┤
│ dropout (Dropout)           │ (None, 8)             │          0 │   -   │
├─────────────────────────────┼───────────────────────┼────────────┼───────┤
│ dense_8 (Dense)             │ (None, 1)             │          9 │   Y   │
└─────────────────────────────┴───────────────────────┴────────────┴───────┘
 Total params: 881 (3.44 KB)
 Trainable params: 9 (36.00 B)
 Non-trainable params: 872 (3.41 KB)
Fitting the top layer of the model
Model: "functional_6"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━┳━━━━━━━┓
┃ Layer (type)                ┃ Output Shape          ┃    Param # ┃ Trai… ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━╇━━━━━━━┩
│ input_layer_5 (InputLayer)  │ (None, 32, 32, 3)     │          0 │   -   │
├─────────────────────────────┼───────────────────────┼────────────┼───────┤
│ sequential_4 (Sequential)   │ (None, 32, 32, 3)     │          0 │   -   │
├─────────────────────────────┼───────────────────────┼────────────┼───────┤
│ base_model (Sequential)     │ (None, 16, 16, 8)     │        872 │   Y   │
├─────────────────────────────┼───────────────────────┼────────────┼───────┤
│ global_average_pooling2d_1  │ (None, 8)             │          0 │   -   │
│ (GlobalAveragePooling2D)    │                       │            │       │
├─────────────────────────────┼───────────────────────┼────────────┼───────┤
│ dropout (Dropout)           │ (None, 8)             │          0 │   -   │
├─────────────────────────────┼───────────────────────┼────────────┼───────┤
│ dense_8 (Dense)             │ (None, 1)             │          9 │   Y   │
└─────────────────────────────┴───────────────────────┴────────────┴───────┘
 Total params: 901 (3.52 KB)
 Trainable params: 849 (3.32 KB)
 Non-trainable params: 32 (128.00 B)
 Optimizer params: 20 (80.00 B)
Fitting the end-to-end model
Test dataset evaluation
"""


def test_transfer_learning_guide(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    out, env = run_program("keras_transfer_learning.py", capsys)

    def masked(lines):
        return [re.sub(r"input_layer_\d+ ", "input_layer_N ", ln) for ln in lines]
    got = out.splitlines()
    assert masked(got[:-1]) == masked(KERAS3_TRANSFER_LINES.splitlines())
    names = [w.name for w in env["base_model"].weights]
    before, mid, after = env["base_before"], env["base_after_transfer"], env["base_after_finetune"]
    assert all(np.array_equal(a, b) for a, b in zip(before, mid))   # frozen: nothing moved
    moving = [i for i, n in enumerate(names) if "moving" in n]
    assert len(moving) == 4
    assert all(np.array_equal(before[i], after[i]) for i in moving)  # inference-mode BN
    assert any(not np.array_equal(before[i], after[i]) for i in range(len(names))
               if i not in moving)                                  # fine-tuned weights
    assert env["frozen_trainable"] == 2 and env["unfrozen_trainable"] == 10


def test_miniature_gpt(capsys):
    out, env = run_program("keras_miniature_gpt.py", capsys)
    loss = env["history"].history["loss"]
    assert loss[-1] < loss[0]
    words = env["text_gen_callback"].generated.split(" ")
    assert len(words) == 2 + 7 and set(words) <= set(env["vocab"])
    m = env["model"]
    a = env["x_train"][:1].copy()
    b = a.copy()
    b[0, 5] = (b[0, 5] + 1) % env["vocab_size"]
    (la, ea), (lb, eb) = m.predict(a, verbose=0), m.predict(b, verbose=0)
    assert la.shape == (1, 8, 20) and ea.shape == (1, 8, 16)
    np.testing.assert_allclose(la[0, :5], lb[0, :5], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ea[0, :5], eb[0, :5], rtol=1e-5, atol=1e-6)
    assert not np.allclose(la[0, 5:], lb[0, 5:])
