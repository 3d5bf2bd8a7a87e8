"""Keras models called as layers, the classic GAN pattern: Sequential generator and
discriminator built separately, ``discriminator.trainable = False``, then
``combined = Model(z, discriminator(generator(z)))``.  The combined model trains only the
generator; the discriminator's own compiled step still trains it (as Keras 2)."""

from __future__ import annotations

import numpy as np

from dlcore_static.keras.layers import Dense, Input
from dlcore_static.keras.models import Model, Sequential


def _same(a, b) -> bool:
    return all(np.array_equal(x, y) for x, y in zip(a, b))


def test_gan_composition_and_frozen_discriminator():
    rng = np.random.default_rng(0)
    g = Sequential([Dense(4, input_dim=3, activation="relu"), Dense(2)])
    d = Sequential([Dense(1, input_dim=2, activation="sigmoid")])
    d.compile("sgd", "binary_crossentropy")
    d.trainable = False
    z = Input((3,))
    combined = Model(z, d(g(z)))
    combined.compile("sgd", "binary_crossentropy")
    assert len(combined.trainable_weights) == 4 and len(combined.non_trainable_weights) == 2
    x = rng.standard_normal((8, 3)).astype(np.float32)
    # the combined model computes d(g(x)) with both models' weights
    np.testing.assert_allclose(combined.predict(x), d.predict(g.predict(x)), rtol=1e-5)
    dw = [w.copy() for w in d.get_weights()]
    gw = [w.copy() for w in g.get_weights()]
    combined.train_on_batch(x, np.ones((8, 1)))
    assert _same(dw, d.get_weights()) and not _same(gw, g.get_weights())
    d.train_on_batch(rng.standard_normal((8, 2)).astype(np.float32), np.ones((8, 1)))
    assert not _same(dw, d.get_weights())


def test_a_sequential_model_reused_inside_a_functional_model():
    enc = Sequential([Dense(3, input_shape=(5,), activation="tanh")])
    a, b = Input((5,)), Input((5,))
    both = Model([a, b], [enc(a), enc(b)])
    x = np.random.default_rng(1).standard_normal((2, 5)).astype(np.float32)
    ya, yb = both.predict([x, x * 2])
    np.testing.assert_allclose(ya, enc.predict(x), rtol=1e-6)
    np.testing.assert_allclose(yb, enc.predict(x * 2), rtol=1e-6)


def test_saver_refuses_a_missing_parent_directory_as_tf(tmp_path):
    import pytest

    import dlcore_static as tf
    with tf.Graph().as_default():
        v = tf.Variable(1.0)
        saver = tf.train.Saver()
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            with pytest.raises(ValueError, match="Parent directory of .*nope/model doesn't "
                                                 "exist, can't save."):
                saver.save(s, str(tmp_path / "nope" / "model"))
            assert saver.save(s, str(tmp_path / "model"), global_step=3).endswith("model-3")
    _ = v
