"""keras.io programs of session 19 (keras7) run on dlcore_static.keras with their imports
renamed (tiny synthetic data): "WGAN-GP overriding `Model.train_step`" (three critic updates
and one generator update in each step, a nested GradientTape for the gradient penalty)."""

from __future__ import annotations

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
