"""keras.io programs of session 19 (keras7) run on dlcore_static.keras with their imports
renamed (tiny synthetic data): "WGAN-GP overriding `Model.train_step`" (three critic updates
and one generator update in each step, a nested GradientTape for the gradient penalty)."""

from __future__ import annotations

import re

import numpy as np
from test_programs_keras import run_program

from dlcore_static.keras import backend as K


def test_wgan_gp_train_step(capsys):
    out, env = run_program("keras_wgan_gp_k19.py", capsys, graph_seed=1)
    assert "Number of examples: 32" in out and "Epoch 2/2" in out
    hist = env["history"].history
    assert sorted(hist) == ["d_loss", "g_loss"] and len(hist["d_loss"]) == 2
    assert all(np.isfinite(v) for vs in hist.values() for v in vs)
    # 2 epochs of 2 batches: 3 critic updates and 1 generator update per step, each on its
    # optimizer's one set of slots (Adam: m and v per variable)
    d_opt, g_opt = env["discriminator_optimizer"], env["generator_optimizer"]
    assert int(K.get_value(d_opt.iterations)) == 12 and int(K.get_value(g_opt.iterations)) == 4
    wgan = env["wgan"]
    assert len(d_opt.weights) == 2 * len(wgan.discriminator.trainable_weights)
    assert len(g_opt.weights) == 2 * len(wgan.generator.trainable_weights)
    # the monitor's images: 3 per epoch, the generator's tanh output scaled to [0, 255]
    imgs = env["cbk"].images
    assert [(e, i) for e, i, _ in imgs] == [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2)]
    assert all(img.shape == (8, 8, 1) and 0 <= img.min() and img.max() <= 255
               for _, _, img in imgs)
    g = wgan.generator.predict(np.zeros((2, env["noise_dim"]), "float32"), verbose=0)
    assert g.shape == (2, 8, 8, 1) and np.abs(g).max() <= 1.0


def test_english_to_spanish_transformer(capsys):
    out, env = run_program("keras_eng_spa_transformer_k19.py", capsys, graph_seed=1)
    assert "24 total pairs" in out and "18 training pairs" in out
    # (a shuffled batch of the 18 pairs: 8, 8 or the last 2)
    for what in ('inputs["encoder_inputs"]', 'inputs["decoder_inputs"]', "targets"):
        assert re.search(re.escape(what) + r"\.shape: \((8|2), 6\)", out), what
    hist = env["history"].history
    assert sorted(hist) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    # the loss is Keras 3's SparseCategoricalCrossentropy(ignore_class=0): the mean over the
    # target tokens that are not padding (NumPy, on the validation pairs)
    model, vec_e, vec_s = env["transformer"], env["eng_vectorization"], env["spa_vectorization"]
    eng = [p[0] for p in env["val_pairs"]]
    spa = K.batch_get_value([vec_s(np.array([p[1] for p in env["val_pairs"]]))])[0]
    enc = K.batch_get_value([vec_e(np.array(eng))])[0]
    x = {"encoder_inputs": enc, "decoder_inputs": spa[:, :-1]}
    p = model.predict(x, verbose=0)
    y = spa[:, 1:]
    ce = -np.log(np.take_along_axis(p, y[..., None], -1)[..., 0])
    valid = y != 0
    want = float((ce * valid).sum() / valid.sum())
    got = model.evaluate(x, y, verbose=0)[0]
    np.testing.assert_allclose(got, want, rtol=1e-4)
    # the greedy decode: "[start]" then at most 4 tokens of the Spanish vocabulary
    vocab = set(env["spa_vocab"])
    assert len(env["translations"]) == 2
    for _, sentence in env["translations"]:
        words = sentence.split()
        assert words[0] == "[start]" and 1 < len(words) <= 5 and set(words[1:]) <= vocab
