"""The rv-keras review's findings, each against Keras 3.15 (numpy backend).

Initializers (Keras 3's get_config / from_config / get / serialize round trips for all 15
classes, TF 1.15's get_config kept by the TF1 objects), Normalization after adapt, affine and
perspective transforms with an unknown batch, ``ops.view`` of a 0-d tensor, ``extract_patches``
of integer images, clear errors for an unknown height / width, serialize_keras_object of
functions, losses and optimizers.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "numpy")
keras = pytest.importorskip("keras")

import dlcore_static as tf
import dlcore_static.keras as dk
from dlcore_static.keras import ops

INITS = [("Zeros", {}), ("Ones", {}), ("Constant", {"value": 2.5}), ("Identity", {}),
         ("RandomNormal", {"mean": 1.0, "stddev": 0.3, "seed": 4}),
         ("RandomUniform", {"minval": -1.0, "maxval": 2.0, "seed": 1}),
         ("TruncatedNormal", {"stddev": 0.2, "seed": 9}),
         ("Orthogonal", {"gain": 2.0, "seed": 4}),
         ("VarianceScaling", {"scale": 2.0, "mode": "fan_out", "distribution": "uniform",
                              "seed": 7}),
         ("GlorotUniform", {"seed": 5}), ("GlorotNormal", {}), ("HeNormal", {"seed": 2}),
         ("HeUniform", {}), ("LecunNormal", {"seed": 3}), ("LecunUniform", {})]
SNAKE = ["zeros", "ones", "identity", "random_normal", "random_uniform",
         "truncated_normal", "orthogonal", "variance_scaling", "glorot_uniform",
         "glorot_normal", "he_normal", "he_uniform", "lecun_normal", "lecun_uniform", "normal",
         "uniform", "zero", "one", "IdentityInitializer", "OrthogonalInitializer"]


def _run(x, feed=None):
    return tf.Session().run(x, feed)


@pytest.mark.parametrize("name,kw", INITS, ids=[n for n, _ in INITS])
def test_initializer_config_as_keras3(name, kw):
    ours, theirs = getattr(dk.initializers, name)(**kw), getattr(keras.initializers, name)(**kw)
    assert ours.get_config() == theirs.get_config()
    rec = keras.saving.serialize_keras_object(theirs)
    assert dk.saving.serialize_keras_object(ours) == rec
    for back in (dk.saving.deserialize_keras_object(rec), dk.initializers.get(rec),
                 type(ours).from_config(theirs.get_config()),
                 dk.initializers.deserialize(dk.initializers.serialize(ours))):
        assert type(back) is type(ours) and back.get_config() == theirs.get_config()
        assert vars(back) == vars(ours) or name == "Identity"    # (Keras 3 writes no gain)


@pytest.mark.parametrize("name", SNAKE)
def test_initializer_get_names_as_keras3(name):
    ours, theirs = dk.initializers.get(name), keras.initializers.get(name)
    assert type(ours).__name__ == type(theirs).__name__
    assert ours.get_config() == theirs.get_config()
    assert dk.saving.serialize_keras_object(ours) == keras.saving.serialize_keras_object(theirs)


def test_initializer_values_and_errors():
    # 'he_normal' keeps He's variance through a round trip (was VarianceScaling(scale=1.0))
    back = dk.saving.deserialize_keras_object(
        dk.saving.serialize_keras_object(dk.initializers.get("he_normal")))
    assert (back.scale, back.mode, back.distribution) == (2.0, "fan_in", "truncated_normal")
    c = dk.saving.deserialize_keras_object(
        dk.saving.serialize_keras_object(dk.initializers.Constant(2.0)))
    with tf.Graph().as_default():
        np.testing.assert_array_equal(_run(c((2, 3))), np.full((2, 3), 2.0, np.float32))
    assert dk.initializers.get(dk.initializers.HeNormal).get_config()["seed"] is None
    # (Keras 3.15's get('constant') fails on its own record: Constant(0.0) here)
    assert dk.initializers.get("constant").get_config() == {"value": 0.0}
    with pytest.raises(ValueError, match="Could not interpret initializer identifier: foo"):
        dk.initializers.get("foo")
    with pytest.raises(ValueError, match="Could not interpret initializer identifier"):
        dk.initializers.get({"class_name": "Nope", "config": {}})
    with pytest.raises(NotImplementedError, match="HeNormal: input_axes=.0. is not supported"):
        dk.initializers.HeNormal.from_config({"seed": None, "input_axes": [0],
                                              "output_axes": None})
    # a TF1 object in a Keras layer / record: Keras 3's record of its class
    d = dk.layers.Dense(2, kernel_initializer=tf.glorot_uniform_initializer(seed=3))
    want = keras.saving.serialize_keras_object(keras.initializers.GlorotUniform(seed=3))
    assert d.get_config()["kernel_initializer"] == want
    assert dk.saving.serialize_keras_object(tf.glorot_uniform_initializer(seed=3)) == want


def test_tf1_initializers_keep_tf1_config():
    # TF 1.15's init_ops get_config: the constructor arguments and the dtype by name
    assert tf.glorot_uniform_initializer().get_config() == {"seed": None, "dtype": "float32"}
    assert tf.constant_initializer(3.0).get_config() == {"value": 3.0, "dtype": "float32"}
    assert tf.zeros_initializer().get_config() == {"dtype": "float32"}
    assert tf.random_normal_initializer(0.0, 2.0, seed=1, dtype=tf.float64).get_config() == \
        {"mean": 0.0, "stddev": 2.0, "seed": 1, "dtype": "float64"}
    assert tf.variance_scaling_initializer(2.0).get_config() == \
        {"scale": 2.0, "mode": "fan_in", "distribution": "truncated_normal", "seed": None,
         "dtype": "float32"}
    assert tf.orthogonal_initializer(2.0).get_config() == {"gain": 2.0, "seed": None,
                                                            "dtype": "float32"}
    back = tf.random_uniform_initializer.from_config(
        tf.random_uniform_initializer(-1.0, 1.0, seed=2).get_config())
    assert (back.minval, back.maxval, back.seed, back.dtype) == (-1.0, 1.0, 2, tf.float32)


def test_functions_losses_optimizers_serialize():
    for fn in ("relu", "gelu"):
        rec = keras.saving.serialize_keras_object(getattr(keras.activations, fn))
        assert dk.saving.serialize_keras_object(getattr(dk.activations, fn)) == rec
        assert dk.saving.deserialize_keras_object(rec) is getattr(dk.activations, fn)
    rec = keras.saving.serialize_keras_object(keras.losses.mean_squared_error)
    assert dk.saving.deserialize_keras_object(rec) is dk.losses.mean_squared_error
    with pytest.raises(TypeError, match="Could not locate function 'nope'"):   # (as Keras)
        dk.saving.deserialize_keras_object({**rec, "config": "nope"})
    loss_rec = keras.saving.serialize_keras_object(keras.losses.MeanSquaredError())
    assert dk.saving.serialize_keras_object(dk.losses.MeanSquaredError()) == loss_rec
    back = dk.saving.deserialize_keras_object(loss_rec)
    assert type(back) is dk.losses.MeanSquaredError and back.get_config() == loss_rec["config"]
    opt_rec = keras.saving.serialize_keras_object(keras.optimizers.Adam(0.01, name="a"))
    assert dk.saving.serialize_keras_object(dk.optimizers.Adam(0.01, name="a")) == opt_rec
    back = dk.saving.deserialize_keras_object(opt_rec)         # (Keras 3 records: keras7)
    assert type(back) is dk.optimizers.Adam and back.get_config() == opt_rec["config"]


def test_normalization_mean_after_adapt():
    X = np.random.default_rng(0).standard_normal((20, 3)).astype("f4") * 3 + 1
    kn = keras.layers.Normalization()
    kn.adapt(X)
    with tf.Graph().as_default():
        n = dk.layers.Normalization()
        n.adapt(X)
        assert n.built
        m, v = dk.backend.get_value(n.mean), dk.backend.get_value(n.variance)
        assert m.shape == np.asarray(kn.mean).shape == (1, 3) and m.dtype == np.float32
        np.testing.assert_allclose(m, np.asarray(kn.mean), rtol=1e-5)
        np.testing.assert_allclose(v, np.asarray(kn.variance), rtol=1e-5)
        np.testing.assert_allclose(dk.backend.get_value(n(tf.constant(X))), kn(X), atol=1e-5)
    assert keras.layers.Normalization(mean=2.0, variance=4.0).mean is None
    assert keras.layers.Normalization().mean is None
    assert dk.layers.Normalization().mean is None
    given = dk.layers.Normalization(mean=2.0, variance=4.0)
    assert (given.mean, given.variance) == (2.0, 4.0)


def test_warps_with_unknown_batch():
    im = np.random.default_rng(1).uniform(0, 1, (2, 7, 6, 3)).astype("f4")
    T = np.array([[1, 0.1, 0.5, 0.2, 1, -0.3, 0, 0]], "f4")
    T2 = np.concatenate([T, T])    # (Keras 3.15's numpy backend: one transform per image)
    src = np.array([[0, 0], [5, 0], [5, 6], [0, 6]], "f4")
    dst = np.array([[1, 0.5], [4.5, 0], [5, 5.5], [0.2, 6]], "f4")
    cases = [lambda o, x: o.image.affine_transform(x, T if o is ops else T2),
             lambda o, x: o.image.affine_transform(x, np.concatenate([T, T * 0.9])),
             lambda o, x: o.image.perspective_transform(x, src, dst)]
    for f in cases:
        want = np.asarray(f(keras.ops, im))
        with tf.Graph().as_default():
            p = tf.placeholder("float32", (None, 7, 6, 3))
            out = f(ops, p)
            assert out.shape.as_list()[1:] == [7, 6, 3]
            np.testing.assert_allclose(_run(out, {p: im}), want, atol=1e-5)
    with tf.Graph().as_default():     # a functional model with a fixed warp (Keras builds it)
        inp = dk.Input((7, 6, 3))
        model = dk.Model(inp, dk.layers.Lambda(lambda x: ops.image.affine_transform(x, T))(inp))
        np.testing.assert_allclose(model.predict(im, verbose=0),
                                   np.asarray(keras.ops.image.affine_transform(im, T2)),
                                   atol=1e-5)
        with pytest.raises(ValueError, match="height, width and channels must be known"):
            ops.image.affine_transform(tf.placeholder("float32", (None, None, 6, 3)), T)


def test_view_of_0d_tensor():
    want = np.asarray(keras.ops.view(np.float32(1.5), "int32"))
    with tf.Graph().as_default():
        v = ops.view(tf.constant(np.float32(1.5)), "int32")
        got, plus = _run([v, v + 1])
    assert v.shape.as_list() == [] and got.shape == plus.shape == want.shape == ()
    assert got.dtype == want.dtype and got == want and plus == want + 1


@pytest.mark.parametrize("dtype", ["uint8", "int32"])
def test_extract_patches_integer_images(dtype):
    im = np.random.default_rng(2).integers(0, 250, (2, 6, 7, 3)).astype(dtype)
    vol = im[:, :4, :4, :, None].astype(dtype)
    want2 = np.asarray(keras.ops.image.extract_patches(im, 2))
    want3 = np.asarray(keras.ops.image.extract_patches_3d(vol, 2))
    with tf.Graph().as_default():
        got2, got3 = _run([ops.image.extract_patches(tf.constant(im), 2),
                           ops.image.extract_patches_3d(tf.constant(vol), 2)])
    for got, want in ((got2, want2), (got3, want3)):
        assert got.dtype == want.dtype == np.dtype(dtype) and got.shape == want.shape
        np.testing.assert_array_equal(got, want)


def test_unknown_height_width_errors():
    with tf.Graph().as_default():
        p = tf.placeholder("float32", (None, None, None, 3))
        with pytest.raises(ValueError, match=r"pad_images: the images' height must be known"
                                             r".*\(None, None, None, 3\)"):
            ops.image.pad_images(p, 1, 1, target_height=10, target_width=9)
        with pytest.raises(ValueError, match="crop_images: the images' width must be known"):
            ops.image.crop_images(p, 1, 1, target_height=3, right_cropping=1)
        with pytest.raises(ValueError, match="ssim: the images' height, width and channels"):
            ops.image.ssim(p, p, filter_size=3)
        # both sides given: no height needed
        out = ops.image.pad_images(p, 1, 1, bottom_padding=2, right_padding=0)
        im = np.ones((1, 2, 2, 3), "f4")
        np.testing.assert_array_equal(
            _run(out, {p: im}), np.asarray(keras.ops.image.pad_images(im, 1, 1, 2, 0)))
