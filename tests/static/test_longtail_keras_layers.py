"""Keras long-tail layers, activations and regularizers on the static engine:
LayerNormalization, UnitNormalization, GaussianNoise, GaussianDropout, AlphaDropout,
SpatialDropout1D/2D, ActivityRegularization, Rescaling, Identity, the short pooling names;
activations gelu/silu/swish/mish/relu6/leaky_relu/hard_silu/log_softmax; regularizers L1/L2.
Values against Keras 3 (numpy backend) or NumPy, gradients by central differences, noise by its
moments."""

from __future__ import annotations

import os

import numpy as np
import pytest
from static_gradcheck import check_value_and_gradient

import dlcore_static as tf
from dlcore_static import keras as dk

RNG = np.random.default_rng(0)


def _keras3():
    os.environ.setdefault("KERAS_BACKEND", "numpy")
    k3 = pytest.importorskip("keras")
    if k3.backend.backend() != "numpy":
        pytest.skip("Keras 3 with the numpy backend is the oracle")
    return k3


def _run(t, feed=None):
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        return s.run(t, feed)


@pytest.mark.parametrize("axis", [-1, [1, 2]])
def test_layer_normalization_matches_keras3(axis):
    k3 = _keras3()
    x = RNG.standard_normal((2, 3, 4)).astype(np.float32)
    ours = dk.layers.LayerNormalization(axis=axis, epsilon=1e-3)
    y = ours(tf.constant(x))
    theirs = k3.layers.LayerNormalization(axis=axis, epsilon=1e-3)
    theirs.build(x.shape)
    g = RNG.standard_normal(theirs.gamma.shape).astype(np.float32)
    b = RNG.standard_normal(theirs.beta.shape).astype(np.float32)
    theirs.set_weights([g, b])
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        s.run([ours.gamma.assign(g), ours.beta.assign(b)])
        got = s.run(y)
    np.testing.assert_allclose(got, np.asarray(theirs(x)), rtol=1e-4, atol=1e-5)


def test_layer_normalization_gradient_by_finite_differences():
    x = RNG.standard_normal((3, 5))
    layer = dk.layers.LayerNormalization(center=False, scale=False, epsilon=1e-3)

    def ref(v):
        m = v.mean(-1, keepdims=True)
        return (v - m) / np.sqrt(v.var(-1, keepdims=True) + 1e-3)
    check_value_and_gradient(layer, ref, x, RNG)


@pytest.mark.parametrize("name,kw", [("gelu", {}), ("gelu", {"approximate": True}),
                                     ("silu", {}), ("mish", {}), ("relu6", {}),
                                     ("leaky_relu", {}), ("hard_silu", {}),
                                     ("log_softmax", {})])
def test_activations_match_keras3(name, kw):
    k3 = _keras3()
    x = np.linspace(-7, 7, 12).reshape(3, 4)
    got = _run(dk.activations.get(name)(tf.constant(x), **kw))
    np.testing.assert_allclose(got, np.asarray(getattr(k3.activations, name)(x, **kw)),
                               rtol=1e-6, atol=1e-7)
    assert dk.activations.get("swish") is dk.activations.silu


def test_activation_gradients_by_finite_differences():
    x = np.linspace(-3, 3, 7)
    from scipy.special import erf
    check_value_and_gradient(dk.activations.gelu, lambda v: 0.5 * v * (1 + erf(v / np.sqrt(2))),
                             x, RNG)
    check_value_and_gradient(dk.activations.mish,
                             lambda v: v * np.tanh(np.logaddexp(0, v)), x, RNG)


def test_noise_layers_identity_at_inference_and_their_moments_in_training():
    x = tf.constant(np.ones((200, 100), np.float32))
    n = dk.layers.GaussianNoise(0.5, seed=1)
    d = dk.layers.GaussianDropout(0.2, seed=2)
    z = tf.constant(RNG.standard_normal((200, 100)).astype(np.float32))
    a = dk.layers.AlphaDropout(0.1, seed=3)
    outs = _run([n(x, training=True), d(x, training=True), a(z, training=True),
                 n(x, training=False), a(z, training=False)])
    assert abs(outs[0].mean() - 1) < 0.02 and abs(outs[0].std() - 0.5) < 0.02
    assert abs(outs[1].mean() - 1) < 0.02 and abs(outs[1].var() - 0.25) < 0.02
    assert abs(outs[2].mean()) < 0.03 and abs(outs[2].std() - 1) < 0.03
    np.testing.assert_array_equal(outs[3], 1.0)
    np.testing.assert_array_equal(outs[4], _run(z))


def test_spatial_dropout_drops_whole_channels():
    x = tf.constant(np.ones((8, 5, 6, 4), np.float32))
    y2 = _run(dk.layers.SpatialDropout2D(0.5, seed=4)(x, training=True))
    per_map = y2.reshape(8, 30, 4)
    assert np.all(per_map == per_map[:, :1, :])           # one draw per (sample, channel)
    assert set(np.unique(y2)) <= {0.0, 2.0} and 0 < (y2 == 0).mean() < 1
    y1 = _run(dk.layers.SpatialDropout1D(0.5, seed=5)(tf.constant(np.ones((6, 7, 3))),
                                                        training=True))
    assert np.all(y1 == y1[:, :1, :])
    with pytest.raises(ValueError, match="SpatialDropout2D expects an input of rank 4"):
        dk.layers.SpatialDropout2D(0.5)(tf.constant(np.ones((2, 3, 4))), training=True)


def test_small_layers_and_regularizers_in_a_model():
    from dlcore_static.keras.layers import Dense, Flatten, Input
    from dlcore_static.keras.models import Model
    inp = Input((4, 3))
    h = dk.layers.LayerNormalization()(inp)
    h = dk.layers.ActivityRegularization(l1=0.1)(h)
    h = dk.layers.GlobalAvgPool1D()(h)
    h = dk.layers.Rescaling(2.0, offset=1.0)(h)
    out = Dense(1, kernel_regularizer=dk.regularizers.L2(0.5))(dk.layers.Identity()(h))
    m = Model(inp, out)
    m.compile("sgd", "mse")
    assert len(m.losses) == 2
    x = RNG.standard_normal((5, 4, 3)).astype(np.float32)
    hist = m.fit(x, np.zeros((5, 1)), epochs=2, verbose=0)
    assert np.all(np.isfinite(hist.history["loss"]))
    un = _run(dk.layers.UnitNormalization()(tf.constant(x)))
    np.testing.assert_allclose(un, x / np.linalg.norm(x, axis=-1, keepdims=True), rtol=1e-5)
    assert dk.regularizers.L1(0.3).get_config() == {"l1": 0.3}
    assert dk.layers.GlobalMaxPool2D is dk.layers.GlobalMaxPooling2D
    assert Flatten is dk.layers.Flatten
