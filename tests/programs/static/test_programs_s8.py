"""TF1 and Keras programs of the S8 batch (in this folder, as the tutorials write them; tiny
sizes, synthetic data), run as scripts on dlcore_static: Hands-On ML's gradient clipping and
batch norm with UPDATE_OPS, streamed tf.metrics, Saver(max_to_keep) with latest_checkpoint,
tf.data.from_generator + padded_batch with an initializable iterator; keras.io's U-Net-like
segmentation, timeseries classification (Conv1D, callbacks, best-model reload) and structured
data classification (Normalization, StringLookup, IntegerLookup, CategoryEncoding), and the
LearningRateScheduler/CSVLogger callbacks.  Checked against NumPy recomputations of what they
print and, for the Keras models, against real Keras 3 given the same weights."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from test_programs_keras import keras3, line, numbers, run_program  # noqa: F401


def ints(text: str) -> list[int]:
    """The integers of a printed line (``numbers`` reads only decimals)."""
    import re
    return [int(v) for v in re.findall(r"(?<![\d.])-?\d+(?![\d.])", text)]


def test_gradient_clipping_hands_on_ml(capsys):
    out, env = run_program("tf_gradient_clipping.py", capsys)
    assert numbers(line(out, "max |capped grad|"))[0] == 1.0
    gn, cn = numbers(line(out, "global norm"))
    assert cn == pytest.approx(2.0, rel=1e-5)
    assert gn == pytest.approx(math.sqrt(sum(float((g.astype(np.float64) ** 2).sum())
                                             for g in env["raw"])), rel=1e-5)
    first = numbers(line(out, "first loss"))[0]
    after = numbers(line(out, "loss after clip_by_global_norm"))[0]
    assert after < numbers(line(out, "loss after clip_by_value"))[0] < first
    # the stop_gradient'ed lower layers (and the other head's) get None
    frozen = line(out, "None gradients")
    assert "hidden1/kernel" in frozen and "hidden2b" not in frozen and "output_b" not in frozen


def test_streamed_tf_metrics_equal_numpy(capsys):
    out, env = run_program("tf_metrics_streaming.py", capsys)
    assert "local variables: 8" in out
    y, p = env["y_all"], env["pred_all"]
    assert numbers(line(out, "streamed accuracy"))[0] == pytest.approx((p == y).mean())
    tp = ((p == 1) & (y == 1)).sum()
    prec, rec = numbers(line(out, "streamed precision"))
    assert prec == pytest.approx(tp / (p == 1).sum()) and rec == pytest.approx(tp / (y == 1).sum())
    assert numbers(line(out, "after reset"))[0] == 0.0


def test_saver_max_to_keep_and_latest_checkpoint(capsys, tmp_path):
    out, _ = run_program("tf_saver_keep_restore.py", capsys, [tmp_path])
    assert "last checkpoints ['model.ckpt-20', 'model.ckpt-30']" in out
    assert "latest model.ckpt-30" in out
    assert "state model.ckpt-30 ['model.ckpt-20', 'model.ckpt-30']" in out
    assert "restored step 30" in out and "restored equal True True" in out
    assert numbers(line(out, "step 50 loss"))[-1] < 0.01
    names = sorted(p.name for p in tmp_path.iterdir())
    assert not any(n.startswith("model.ckpt-10") for n in names)
    assert any(n.startswith("model.ckpt-20") for n in names) and "checkpoint" in names


def test_batch_norm_update_ops_moving_mean(capsys):
    out, env = run_program("tf_batch_norm_update_ops.py", capsys)
    assert "update ops 6" in out
    # the first training step moved the moving mean 10% of the way to the batch mean
    expect = 0.9 * env["mm0"] + 0.1 * env["h1_first"].astype(np.float64).mean(0)
    np.testing.assert_allclose(env["mm1"], expect, rtol=1e-5, atol=1e-6)
    accs = [numbers(ln)[-1] for ln in out.splitlines() if "train accuracy" in ln]
    assert len(accs) == 4 and accs[-1] > 0.9


def test_from_generator_padded_batch_initializable(capsys):
    out, env = run_program("tf_data_generator_padded.py", capsys)
    assert "element shapes [None, None] [None]" in out
    assert [ints(ln)[1] for ln in out.splitlines() if ln.startswith("epoch")] == [4] * 5
    losses = [numbers(ln)[-1] for ln in out.splitlines() if ln.startswith("epoch")]
    assert losses[-1] < 0.2 * losses[0]
    acc, seen = numbers(line(out, "test accuracy"))[0], ints(line(out, "test accuracy"))
    assert seen[0] == 32 and acc > 0.9
    # each padded batch is as wide as its longest sequence (2 shuffled batches of 16)
    assert len(seen) == 3 and max(seen[1:]) == max(len(s) for s in env["test_seqs"])


def test_unet_segmentation_matches_keras3(capsys, keras3):  # noqa: F811
    out, env = run_program("keras_unet_segmentation.py", capsys)
    assert "Total params: 11,026" in out and "Non-trainable params: 48" in out
    assert "prediction shape (8, 16, 16, 2)" in out
    assert numbers(line(out, "validation IoU"))[0] > 0.6
    L = keras3.layers
    inputs = keras3.Input((16, 16, 1))
    c1 = L.BatchNormalization()(L.Conv2D(8, 3, padding="same", activation="relu")(inputs))
    c2 = L.BatchNormalization()(L.Conv2D(16, 3, padding="same", activation="relu")(
        L.MaxPooling2D(2)(c1)))
    b = L.Conv2D(16, 3, padding="same", activation="relu")(L.MaxPooling2D(2)(c2))
    u2 = L.Concatenate()([L.Conv2DTranspose(16, 2, strides=2, padding="same")(b), c2])
    c3 = L.Conv2D(16, 3, padding="same", activation="relu")(u2)
    u1 = L.concatenate([L.Conv2DTranspose(8, 2, strides=2, padding="same")(c3), c1])
    out_k = L.Conv2D(2, 1, activation="softmax")(L.Conv2D(8, 3, padding="same",
                                                          activation="relu")(u1))
    ref = keras3.Model(inputs, out_k)
    ref.set_weights(env["model"].get_weights())
    np.testing.assert_allclose(ref.predict(env["x_all"][24:], verbose=0), env["pred"],
                               atol=2e-5)


def test_timeseries_classification_callbacks(capsys, tmp_path, keras3):  # noqa: F811
    out, env = run_program("keras_timeseries_classification.py", capsys, [tmp_path])
    hist = env["history"].history
    val = hist["val_loss"]
    lr, best, wait, expect = 0.01, np.inf, 0, []     # Keras' ReduceLROnPlateau rule
    for v in val:
        expect.append(lr)
        if v < best - 1e-4:
            best, wait = v, 0
        else:
            wait += 1
            if wait >= 1 and lr > 1e-4:
                lr, wait = max(lr * 0.5, 1e-4), 0
    np.testing.assert_allclose(numbers(line(out, "learning rates")), expect, rtol=1e-6)
    assert hist["learning_rate"] == hist["lr"]
    model, x_test, y_test = env["model"], env["x_test"], env["y_test"]
    p = model.predict(x_test, verbose=0).astype(np.float64)
    ce = -np.mean(np.log(p[np.arange(len(y_test)), y_test]))
    assert numbers(line(out, "Test loss"))[0] == pytest.approx(ce, abs=1e-5)
    assert numbers(line(out, "Test accuracy"))[0] == pytest.approx(
        (p.argmax(1) == y_test).mean())
    L = keras3.layers
    inp = keras3.Input((32, 1))
    x = inp
    for _ in range(3):
        x = L.ReLU()(L.BatchNormalization()(L.Conv1D(8, 3, padding="same")(x)))
    ref = keras3.Model(inp, L.Dense(2, activation="softmax")(L.GlobalAveragePooling1D()(x)))
    ref.set_weights(model.get_weights())
    np.testing.assert_allclose(ref.predict(x_test, verbose=0), p, atol=1e-5)


def test_structured_data_preprocessing_matches_keras3(capsys, keras3):  # noqa: F811
    out, env = run_program("keras_structured_data.py", capsys)
    assert "Using 96 samples for training and 24 for validation" in out
    assert "feature width 13" in out        # 1 + 1 + (3 + OOV) + (4 + OOV) + 2
    L, xt = keras3.layers, env["x_train"]
    feats = []
    for name in ("age", "chol"):
        norm = L.Normalization()
        norm.adapt(xt[name])
        feats.append(norm)
    s = env["input_dict"]

    def one_hot_lookup(values, token):      # Keras' vocabulary, OOV at index 0: by count,
        tokens, counts = np.unique(values, return_counts=True)  # ties by token, descending
        vocab = tokens[np.lexsort((tokens, counts))[::-1]].tolist()
        return np.eye(len(vocab) + 1)[[vocab.index(token) + 1]]
    expect = np.concatenate([
        np.asarray(feats[0](s["age"].astype("float32"))),
        np.asarray(feats[1](s["chol"].astype("float32"))),
        one_hot_lookup(xt["thal"][:, 0], "reversible"), one_hot_lookup(xt["cp"][:, 0], 4),
        np.eye(2)[s["sex"][:, 0]]], axis=1)
    from dlcore_static import keras
    features = keras.Model(env["all_inputs"], env["all_features"]).predict(s, verbose=0)
    np.testing.assert_allclose(features, expect, rtol=1e-5, atol=1e-5)
    accs = [float(re.search(r"val_accuracy: ([0-9.]+)", ln).group(1))
            for ln in out.splitlines() if "val_accuracy" in ln]
    assert accs[-1] > 0.8


def test_learning_rate_scheduler_and_csv_logger(capsys, tmp_path):
    out, env = run_program("keras_lr_schedule_csv_logger.py", capsys, [tmp_path])
    assert numbers(line(out, "learning rate after 5 epochs"))[-1] == pytest.approx(
        0.1 * math.exp(-0.5) ** 3, abs=1e-6)
    assert "epochs seen [0, 1, 2, 3, 4]" in out
    assert "csv epochs ['0', '1', '2', '3', '4', '5', '6']" in out
    rows = env["rows"]
    losses = [float(r[rows[0].index("loss")]) for r in rows[1:6]]
    np.testing.assert_allclose(losses, env["history"].history["loss"], rtol=1e-6)


def test_seq2seq_greedy_while_loop_agrees_with_teacher_forcing(capsys):
    out, env = run_program("tf_seq2seq_greedy_attention.py", capsys)
    assert "greedy [None, 5] alphas [None, 5, 5]" in out
    assert numbers(line(out, "final loss"))[0] < 0.3 * numbers(line(out, "iter 0 loss"))[0]
    assert numbers(line(out, "greedy token accuracy"))[0] > 0.8
    tf = env["tf"]
    np.testing.assert_allclose(env["att"].sum(-1), 1.0, rtol=1e-5)
    # the while_loop's greedy tokens are the argmax of the unrolled decoder fed those tokens
    # (fresh weights: the two decoders are one set of variables)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        g = sess.run(env["greedy"], {env["src"]: env["test_src"]})
        fed = np.concatenate([np.zeros((len(g), 1), np.int32), g[:, :-1]], axis=1)
        lg = sess.run(env["train_logits"], {env["src"]: env["test_src"], env["dec_in"]: fed})
    np.testing.assert_array_equal(lg.argmax(-1), g)


def test_custom_estimator_model_fn(capsys, tmp_path):
    out, env = run_program("tf_estimator_model_fn.py", capsys, [tmp_path])
    res = env["eval_result"]
    assert res["global_step"] == 60
    acc = numbers(line(out, "Test set accuracy"))[0]
    y, probs = env["test_y"], env["probs"].astype(np.float64)
    assert acc == pytest.approx(float((env["pred_ids"] == y).mean()), abs=1e-3)
    np.testing.assert_allclose(probs.sum(1), 1.0, rtol=1e-5)
    ce = -np.mean(np.log(probs[np.arange(len(y)), y]))
    assert res["loss"] == pytest.approx(ce, rel=1e-3, abs=1e-6)
    assert len(env["predictions"]) == 60


def test_dlwp_gan_train_on_batch_matches_keras3(capsys, keras3):  # noqa: F811
    out, env = run_program("keras_gan_train_on_batch.py", capsys)
    assert "gan trainable weights 6 discriminator trainable weights 0" in out
    assert "gan step left the discriminator unchanged True" in out
    assert "discriminator trained True" in out
    assert len([ln for ln in out.splitlines() if ln.startswith("step")]) == 3
    L = keras3.layers
    g_in = keras3.Input((4,))
    x = L.Reshape((4, 4, 8))(L.LeakyReLU(0.3)(L.Dense(128)(g_in)))
    x = L.LeakyReLU(0.3)(L.Conv2DTranspose(8, 4, strides=2, padding="same")(x))
    gen = keras3.Model(g_in, L.Conv2D(1, 3, activation="tanh", padding="same")(x))
    d_in = keras3.Input((8, 8, 1))
    y = L.Flatten()(L.LeakyReLU(0.3)(L.Conv2D(8, 3)(d_in)))
    disc = keras3.Model(d_in, L.Dense(1, activation="sigmoid")(L.Dropout(0.4)(y)))
    gen.set_weights(env["generator"].get_weights())
    disc.set_weights(env["discriminator"].get_weights())
    z = np.random.RandomState(1).normal(size=(5, 4)).astype("float32")
    ours = env["generator"].predict(z)
    np.testing.assert_allclose(gen.predict(z, verbose=0), ours, atol=1e-5)
    np.testing.assert_allclose(disc.predict(ours, verbose=0),
                               env["discriminator"].predict(ours), atol=1e-5)


def test_subclassed_model_add_loss_train_on_batch(capsys):
    out, env = run_program("keras_add_loss_train_on_batch.py", capsys)
    assert "number of model.losses 1" in out and "trainable weights 4" in out
    losses = [numbers(ln)[0] for ln in out.splitlines() if ln.startswith("epoch")]
    assert len(losses) == 8 and losses[-1] < 0.5 * losses[0]
    w1, b1, w2, b2 = (w.astype(np.float64) for w in env["model"].get_weights())
    x, y = env["x_data"].astype(np.float64), env["y_data"]
    h = np.maximum(x @ w1 + b1, 0)
    z = h @ w2 + b2
    z = z - z.max(1, keepdims=True)
    ce = np.mean(np.log(np.exp(z).sum(1)) - z[np.arange(len(y)), y])
    loss, acc = numbers(line(out, "test_on_batch"))
    assert loss == pytest.approx(ce + 0.05 * np.mean(h ** 2), abs=1e-4)
    assert acc == pytest.approx((z.argmax(1) == y).mean(), abs=1e-4)
