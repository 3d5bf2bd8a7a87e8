"""Session 19's Keras API (keras7): ``keras.ops.numpy``/``nn``/``linalg``/``image`` as modules
holding the flat ``keras.ops`` functions; ``keras.ops.image.elastic_transform`` against Keras 3
(NumPy backend, same int seed: the same values); optimizers as Keras 3 records
(``serialize``/``deserialize``/``get``, ``get_config``/``from_config``) against Keras 3's own
dicts, and ``.keras`` files restoring the optimizer with its state."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static.keras import ops
from dlcore_static.keras import random as krandom
from tests.io.real_keras import keras3

R = np.random.default_rng(19)


# --------------------------------------------------------------------------- ops namespaces
@pytest.mark.parametrize("sub", ["numpy", "nn", "linalg", "image"])
def test_ops_submodules_are_modules_with_keras3_names(sub):
    k3 = keras3()
    mod = importlib.import_module(f"dlcore_static.keras.ops.{sub}")
    assert mod is getattr(ops, sub) and mod.__name__ == f"dlcore_static.keras.ops.{sub}"
    want = {n for n in dir(getattr(k3.ops, sub)) if not n.startswith("_")}
    assert set(mod.__all__) == want
    if sub != "image":          # the flat namespace holds the very same function objects
        for name in mod.__all__:
            assert getattr(mod, name) is getattr(ops, name), name


def test_ops_numpy_as_users_import_it():
    from dlcore_static.keras.ops import numpy as knp
    x = np.array([[1.0, -2.0], [3.0, 4.0]], "float32")
    with tf.Session() as s:
        a, b = s.run([knp.abs(x), knp.einsum("ij,jk->ik", x, x)])
    np.testing.assert_array_equal(a, np.abs(x))
    np.testing.assert_allclose(b, x @ x, rtol=1e-6)
    with pytest.raises(AttributeError):
        knp.elastic_transform          # noqa: B018  (an image op: not in keras.ops.numpy)


# --------------------------------------------------------------------------- elastic_transform
ELASTIC = [((2, 9, 11, 3), None, "bilinear", "reflect"),
           ((9, 11, 2), None, "nearest", "constant"),
           ((2, 3, 9, 11), "channels_first", "bilinear", "wrap"),
           ((1, 8, 8, 1), None, "bilinear", "mirror"),
           ((2, 7, 6, 1), None, "bilinear", "nearest")]


@pytest.mark.parametrize("shape,fmt,interp,fill", ELASTIC, ids=[f"{c[0]}-{c[3]}" for c in ELASTIC])
def test_elastic_transform_values_equal_keras3_for_an_int_seed(shape, fmt, interp, fill):
    k3 = keras3()
    x = R.random(shape).astype("float32")
    kw = {"alpha": 3.0, "sigma": 1.5, "interpolation": interp, "fill_mode": fill,
          "fill_value": 0.5, "seed": 7, "data_format": fmt}
    want = k3.ops.convert_to_numpy(k3.ops.image.elastic_transform(x, **kw))
    got = ops.convert_to_numpy(ops.image.elastic_transform(x, **kw))
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    assert np.abs(got - x).max() > 0.05                 # (a real deformation)


def test_elastic_transform_unknown_batch_seeds_and_gradient():
    x = tf.placeholder(tf.float32, [None, 6, 7, 2])
    xv = R.random((3, 6, 7, 2)).astype("float32")
    gen = ops.image.elastic_transform(x, alpha=2.0, sigma=1.0, seed=krandom.SeedGenerator(3))
    fixed = ops.image.elastic_transform(x, alpha=2.0, sigma=1.0, seed=5)
    ident = ops.image.elastic_transform(x, alpha=0.0, sigma=1.0, seed=5)
    loss = tf.reduce_sum(fixed * tf.constant(R.standard_normal((3, 6, 7, 2)).astype("f")))
    grad = tf.gradients(loss, x)[0]
    with tf.Session() as s:
        a, b = s.run(gen, {x: xv}), s.run(gen, {x: xv})
        c, d = s.run(fixed, {x: xv}), s.run(fixed, {x: xv})
        e, g = s.run([ident, grad], {x: xv})
        # the same batch, fed twice: the int seed's field is the same, the generator's new
        assert a.shape == xv.shape and np.abs(a - b).max() > 1e-3
        np.testing.assert_array_equal(c, d)
        np.testing.assert_allclose(e, xv, atol=1e-6)     # alpha 0: no displacement
        # the output is linear in the images: d loss / dx by finite differences in one pixel
        i = (1, 2, 3, 0)
        h = 1e-2
        xp, xm = xv.copy(), xv.copy()
        xp[i] += h
        xm[i] -= h
        fd = (s.run(loss, {x: xp}) - s.run(loss, {x: xm})) / (2 * h)
        assert g.shape == xv.shape and abs(fd - g[i]) < 1e-3 * max(1.0, abs(fd))


def test_elastic_transform_integer_images_and_errors():
    xi = (R.random((6, 6, 1)) * 255).astype("uint8")
    out = ops.convert_to_numpy(ops.image.elastic_transform(xi, alpha=1.0, sigma=1.0, seed=1))
    assert out.dtype == np.uint8 and out.shape == xi.shape
    with pytest.raises(ValueError, match="Invalid value for argument `interpolation`"):
        ops.image.elastic_transform(xi, interpolation="bicubic")
    with pytest.raises(ValueError, match="Invalid value for argument `fill_mode`"):
        ops.image.elastic_transform(xi, fill_mode="edge")
    with pytest.raises(ValueError, match="Invalid images rank: expected rank 3"):
        ops.image.elastic_transform(np.zeros((2, 2), "float32"))
    with pytest.raises(ValueError, match="elastic_transform: `sigma` must be positive"):
        ops.image.elastic_transform(xi, sigma=0.0)
    with pytest.raises(ValueError, match="height, width and channels must be known"):
        ops.image.elastic_transform(tf.placeholder(tf.float32, [2, None, 4, 1]))
    with pytest.raises(TypeError, match="`alpha` must be a number known when the graph"):
        ops.image.elastic_transform(xi, alpha=tf.constant(1.0))
    with pytest.raises(ValueError, match="Argument `seed` must be either an integer"):
        ops.image.elastic_transform(xi, seed="7")
