"""TF1 and Keras 2 programs of session 23 (fidtf12), written as their public sources are (imports
renamed, tiny sizes, synthetic data written here; no download):

* tf_mandelbrot_fidtf12.py: the TF 1 tutorial "Mandelbrot Set" (complex64 variables, tf.abs
  of a complex tensor: ComplexAbs, InteractiveSession).
* tf_dynamic_rnn_toy_fidtf12.py: aymericdamien's dynamic_rnn.py (static_rnn with
  sequence_length).
* keras_imdb_lstm.py, keras_babi_rnn.py, keras_cifar10_resnet.py (v1 trained, v2 built),
  keras_neural_style_transfer.py, keras_conv_filter_visualization.py, keras_mnist_acgan.py:
  keras-team/keras 2's examples.
Each result is checked against a NumPy (or torch) recomputation from the program's own weights,
inputs and outputs, or against what TF 1.15 / Keras 2 print and write.
"""

from __future__ import annotations

import os
import runpy
import sys

import numpy as np
import pytest

import dlcore_static as tf

HERE = os.path.dirname(__file__)


def run_program(name, capsys, argv=()):
    tf.reset_default_graph()
    old = sys.argv
    sys.argv = [name, *[str(a) for a in argv]]
    try:
        env = runpy.run_path(os.path.join(HERE, name), run_name="__main__")
    finally:
        sys.argv = old
    return capsys.readouterr().out, env


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _lstm(x, kernel, rec, bias):
    """Keras' LSTM (gates i, f, c, o; sigmoid recurrent activation), the last state."""
    n = rec.shape[0]
    h = np.zeros((x.shape[0], n))
    c = np.zeros_like(h)
    for t in range(x.shape[1]):
        z = x[:, t] @ kernel + h @ rec + bias
        i, f, g, o = (z[:, k * n:(k + 1) * n] for k in range(4))
        c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
        h = _sigmoid(o) * np.tanh(c)
    return h


def _softmax(z):
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def test_mandelbrot_tutorial_counts_equal_numpy_complex64(capsys):
    out, env = run_program("tf_mandelbrot_fidtf12.py", capsys)
    Y, X = np.mgrid[-1.3:1.3:0.05, -2:1:0.05]
    xs = (X + 1j * Y).astype(np.complex64)
    zs = xs.copy()
    ns = np.zeros(xs.shape, np.float32)
    with np.errstate(all="ignore"):
        for _ in range(200):
            zs = zs * zs + xs
            ns += np.abs(zs) < 4
    counts = env["counts"]
    assert counts.dtype == np.float32 and counts.shape == (52, 60)
    np.testing.assert_array_equal(counts, ns)
    assert 0 < (counts == 200).sum() < counts.size
    assert env["image"].shape == (52, 60, 3) and env["image"].dtype == np.uint8
    assert "dtype complex64" in out and f"bounded points {int((ns == 200).sum())}" in out


def test_imdb_lstm_evaluate_equals_numpy_forward(capsys):
    out, env = run_program("keras_imdb_lstm.py", capsys)
    assert "x_train shape: (256, 12)" in out
    model = env["model"]
    emb, kernel, rec, bias, w, b = model.get_weights()
    x, y = env["x_test"], env["y_test"]
    p = _sigmoid(_lstm(emb[x], kernel, rec, bias) @ w + b)[:, 0]
    p = np.clip(p, 1e-7, 1 - 1e-7)
    bce = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    np.testing.assert_allclose(env["score"], bce, rtol=2e-4)
    assert env["acc"] == np.mean((p > 0.5) == y) and env["acc"] > 0.8
    assert set(env["history"].history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert len(env["history"].history["loss"]) == 12


def test_babi_rnn_two_input_model_equals_numpy(capsys):
    out, env = run_program("keras_babi_rnn.py", capsys)
    assert "story_maxlen, query_maxlen = 24, 4" in out
    model = env["model"]
    def after(t):                   # the layer that takes tensor t
        return next(lay for lay in model.layers if lay.weights and getattr(lay, "input", None) is t)
    emb_s, emb_q = after(env["sentence"]), after(env["question"])
    (e1,), (e2,) = emb_s.get_weights(), emb_q.get_weights()
    k1, r1, b1 = after(emb_s.output).get_weights()
    k2, r2, b2 = after(emb_q.output).get_weights()
    wd, bd = model.layers[-1].get_weights()
    tx, txq, ty = env["tx"], env["txq"], env["ty"]
    h = np.concatenate([_lstm(e1[tx], k1, r1, b1), _lstm(e2[txq], k2, r2, b2)], 1)
    p = np.clip(_softmax(h @ wd + bd), 1e-7, 1 - 1e-7)
    np.testing.assert_allclose(env["loss"], -np.mean(np.sum(ty * np.log(p), 1)), rtol=2e-4)
    np.testing.assert_allclose(env["acc"], np.mean(p.argmax(1) == ty.argmax(1)))
    # validation_split=0.05 of 320 samples: the last 16 validate
    assert len(env["history"].history["val_loss"]) == 6


def test_cifar10_resnet_l2_in_loss_checkpoints_and_schedule(capsys, tmp_path):
    version, depth = 1, 8
    out, env = run_program("keras_cifar10_resnet.py", capsys, [tmp_path, version])
    model = env["model"]
    # the parameter counts real Keras 3.15 gives the same builders (v2 only built here)
    assert f"ResNet{depth}v{version}" in out and model.count_params() == 78276
    v2 = env["resnet_v2"](input_shape=(8, 8, 3), depth=11, num_classes=4)
    assert v2.count_params() == 297636
    assert sum(int(np.prod(w.shape)) for w in v2.non_trainable_weights) == 1760
    K = env["K"]
    # LearningRateScheduler ran last: epoch index 1 -> 1e-3 * 0.5
    assert np.isclose(K.get_value(model.optimizer.lr), 5e-4)
    assert "Learning rate:  0.0005" in out
    # ModelCheckpoint(monitor='val_acc') follows Keras 2's 'acc' (logged as val_accuracy)
    saved = sorted(os.listdir(tmp_path / "saved_models"))
    assert saved and saved[0] == f"cifar10_ResNet{depth}v{version}_model.001.h5"
    assert "Epoch 1: val_acc improved from None to" in out     # (Keras 3.15 words; 2: -inf)
    # evaluate's loss = cross-entropy of predict + the l2(1e-4) penalties of every conv kernel
    x, y = env["x_test"], env["y_test"]
    p = np.clip(model.predict(x, verbose=0), 1e-7, 1 - 1e-7)
    l2 = sum(1e-4 * np.sum(np.square(w.numpy() if hasattr(w, "numpy") else K.get_value(w)))
             for w in model.weights if "conv2d" in w.name and "kernel" in w.name)
    np.testing.assert_allclose(env["scores"][0], -np.mean(np.sum(y * np.log(p), 1)) + l2,
                               rtol=1e-4)
    np.testing.assert_allclose(env["scores"][1], np.mean(p.argmax(1) == y.argmax(1)))


def test_neural_style_transfer_loss_and_gradient_equal_torch(capsys, tmp_path):
    torch = pytest.importorskip("torch")
    out, env = run_program("keras_neural_style_transfer.py", capsys, [tmp_path, 1])
    assert out.count("Image saved as") == 1
    saved = env["load_img"](str(tmp_path / "result_at_iteration_0.png"))
    assert saved.size == (10, 8)
    # the loss and its gradient at the content image, recomputed in torch (float64)
    model = env["model"]
    kernels = [(torch.tensor(k, dtype=torch.float64).permute(3, 2, 0, 1),
                torch.tensor(b, dtype=torch.float64))
               for k, b in zip(model.get_weights()[::2], model.get_weights()[1::2])]
    base = torch.tensor(env["preprocess_image"](env["base_image_path"])).permute(0, 3, 1, 2)
    style = torch.tensor(env["preprocess_image"](env["style_reference_image_path"]))
    x0 = env["preprocess_image"](env["base_image_path"])
    comb = torch.tensor(x0, requires_grad=True)
    inp = torch.cat([base, style.permute(0, 3, 1, 2), comb.permute(0, 3, 1, 2)], 0)
    feats, h = {}, inp
    for i, (k, b) in enumerate(kernels):
        h = torch.relu(torch.nn.functional.conv2d(h, k, b, padding=1))
        feats[f"block{i // 2 + 1}_conv{i % 2 + 1}"] = h
        if i % 2 == 1 and i < 4:
            h = torch.nn.functional.max_pool2d(h, 2)

    def gram(f):
        f = f.reshape(f.shape[0], -1)
        return f @ f.T
    size = 8 * 10
    loss = 0.025 * ((feats["block5_conv2"][2] - feats["block5_conv2"][0]) ** 2).sum()
    for name in ["block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1", "block5_conv1"]:
        f = feats[name]
        loss = loss + 0.2 * ((gram(f[1]) - gram(f[2])) ** 2).sum() / (4.0 * 9 * size ** 2)
    a = (comb[:, :7, :9, :] - comb[:, 1:, :9, :]) ** 2
    b = (comb[:, :7, :9, :] - comb[:, :7, 1:, :]) ** 2
    loss = loss + ((a + b) ** 1.25).sum()
    loss.backward()
    value, grad = env["eval_loss_and_grads"](x0.flatten())
    np.testing.assert_allclose(value, loss.item(), rtol=1e-4)
    assert env["losses"][0] < value             # L-BFGS from the content image lowered it
    g = comb.grad.numpy().reshape(-1)
    np.testing.assert_allclose(grad, g, rtol=2e-3, atol=2e-3 * np.abs(g).max())


def test_mnist_acgan_frozen_discriminator_and_weighted_losses(capsys, tmp_path):
    out, env = run_program("keras_mnist_acgan.py", capsys, [tmp_path])
    disc, gen, combined = env["discriminator"], env["generator"], env["combined"]
    assert disc.metrics_names == ["loss", "generation_loss", "auxiliary_loss"]
    assert "component              | loss | generation_loss | auxiliary_loss" in out
    assert sorted(os.listdir(tmp_path)) == ["params_discriminator_epoch_001.hdf5",
                                            "params_generator_epoch_001.hdf5"]
    # the combined model trains the generator only
    n_gen = sum(int(np.prod(w.shape)) for w in gen.trainable_weights)
    assert sum(int(np.prod(w.shape)) for w in combined.trainable_weights) == n_gen
    # (None, 10) * Embedding's (None, 1, 10): Keras expands the lower rank at axis 1
    z = np.random.RandomState(0).uniform(-1, 1, (3, 10))
    assert gen.predict([z, np.array([[1], [2], [3]])], verbose=0).shape == (3, 28, 28, 1)
    # the last test losses, recomputed from the discriminator's predictions
    fake, aux = disc.predict(env["x"], verbose=0)
    y, aux_y = env["y"], env["aux_y"]
    p = np.clip(fake[:, 0], 1e-7, 1 - 1e-7)
    bce = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    sce = -np.mean(np.log(np.clip(aux[np.arange(len(aux_y)), aux_y], 1e-7, 1)))
    np.testing.assert_allclose(env["discriminator_test_loss"], [bce + sce, bce, sce], rtol=2e-4)
    for row in env["train_history"]["generator"]:
        np.testing.assert_allclose(row[0], row[1] + row[2], rtol=1e-5)


def test_dynamic_rnn_toy_static_rnn_sequence_length_equals_numpy(capsys):
    out, env = run_program("tf_dynamic_rnn_toy_fidtf12.py", capsys)
    assert out.count("Minibatch Loss=") == 4 and "Optimization Finished!" in out
    v = env["values"]
    kernel, bias = v["rnn/basic_lstm_cell/kernel"], v["rnn/basic_lstm_cell/bias"]
    x = np.array(env["test_data"], np.float64)
    lengths = np.array(env["test_seqlen"])
    n = 16
    h = np.zeros((len(x), n))
    c = np.zeros_like(h)
    outs = []
    for t in range(x.shape[1]):
        # BasicLSTMCell: gates i, j, f, o; forget_bias 1.0
        z = np.concatenate([x[:, t], h], 1) @ kernel + bias
        i, j, f, o = (z[:, k * n:(k + 1) * n] for k in range(4))
        c2 = c * _sigmoid(f + 1.0) + _sigmoid(i) * np.tanh(j)
        h2 = np.tanh(c2) * _sigmoid(o)
        live = (t < lengths)[:, None]
        # static_rnn with sequence_length: zeros past the end, the state copied through
        outs.append(np.where(live, h2, 0.0))
        c, h = np.where(live, c2, c), np.where(live, h2, h)
    last = np.stack(outs, 1)[np.arange(len(x)), lengths - 1]
    np.testing.assert_allclose(env["test_pred"], last @ v["Variable"] + v["Variable_1"],
                               rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(env["test_states"].c, c, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(env["test_states"].h, h, rtol=1e-4, atol=1e-5)
    labels = np.array(env["test_label"]).argmax(1)
    np.testing.assert_allclose(env["test_acc"], np.mean(env["test_pred"].argmax(1) == labels))


def test_conv_filter_visualization_gradient_ascent_equals_torch(capsys, tmp_path):
    torch = pytest.importorskip("torch")
    out, env = run_program("keras_conv_filter_visualization.py", capsys, [tmp_path])
    assert out.count("Processing filter") == 4
    kept = env["kept_filters"]
    assert 1 <= len(kept) and kept[0][0].shape == (16, 16, 3) and kept[0][1] > 0
    from dlcore_static.keras.preprocessing.image import load_img
    assert load_img(str(tmp_path / "stitched_filters_1x1.png")).size == (16, 16)
    # the program's loss/gradient function for filter 2, at an input of another size (the
    # model's input is (None, None, 3)), against torch
    K, model = env["K"], env["model"]
    loss = K.mean(env["layer_dict"]["block3_conv1"].output[:, :, :, 2])
    grads = env["normalize"](K.gradients(loss, env["input_img"])[0])
    iterate = K.function([env["input_img"]], [loss, grads])
    x = np.random.RandomState(5).uniform(100, 150, (1, 12, 20, 3)).astype(np.float32)
    got_loss, got_grad = iterate([x])
    xt = torch.tensor(x, dtype=torch.float64).permute(0, 3, 1, 2).requires_grad_()
    h = xt
    for name in ["block1_conv1", "block1_conv2", "pool", "block2_conv1", "block2_conv2",
                 "pool", "block3_conv1"]:
        if name == "pool":
            h = torch.nn.functional.max_pool2d(h, 2)
            continue
        k, b = (torch.tensor(a, dtype=torch.float64)
                for a in env["layer_dict"][name].get_weights())
        h = torch.relu(torch.nn.functional.conv2d(h, k.permute(3, 2, 0, 1), b, padding=1))
    want = h[:, 2].mean()
    want.backward()
    g = xt.grad.permute(0, 2, 3, 1).numpy()
    g = g / (np.sqrt(np.mean(g ** 2)) + 1e-7)
    np.testing.assert_allclose(got_loss, want.item(), rtol=1e-4)
    np.testing.assert_allclose(got_grad, g, rtol=1e-3, atol=1e-3 * np.abs(g).max())
    assert model.input_shape == (None, None, None, 3)
