"""The keras.ops names added in session 18 (``ops_complex``: eig, polar, view_as_complex,
view_as_real, view, nextafter, vectorize; ``ops_image``/``ops_image_warp``: keras.ops.image)
against Keras 3 (NumPy backend; placeholders fed the same arrays too): values, shapes and
dtypes; gradients of the differentiable ones against central finite differences in float64;
errors by type and Keras 3's words."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static.keras import backend as K
from dlcore_static.keras import ops
from tests.static._keras_ops_table import compare, keras3_ops

R = np.random.default_rng(18)
IM = R.uniform(0, 1, (2, 7, 6, 3)).astype("float32")
IMI = (IM * 255).astype("uint8")
SQ = R.standard_normal((2, 4, 4)).astype("float32")
X = np.array([1.0, 0.0, -0.0, np.nan, 3.0, -2.5], "float32")
Y = np.array([2.0, -1.0, 1.0, 0.0, 3.0, np.inf], "float32")
# (T: no output pixel lands on a half-way coordinate; T_TIE: many do, e.g. -1.3 + 0.2 * 4)
T = np.array([[1.13, 0.21, -1.37, -0.11, 0.93, 0.71, 0, 0],
              [0.83, -0.31, 2.23, 0.27, 1.19, -1.13, 0, 0]], "float32")
T_TIE = np.array([[1.1, 0.2, -1.3, -0.1, 0.9, 0.7, 0, 0],
                  [0.5, 0.0, 1.0, 0.0, 0.5, 0.0, 0, 0]], "float32")
COORDS = R.uniform(-2, 8, (2, 5, 4)).astype("float32")
SP = np.array([[0, 0], [5, 0], [5, 6], [0, 6]], "float32")
EP = np.array([[1, 0.5], [4.5, 0], [5, 5.5], [0.2, 6]], "float32")
MODES = ["constant", "nearest", "wrap", "mirror", "reflect"]


@pytest.fixture(scope="module")
def k3():
    return keras3_ops()


CASES = [
    ("view f32", lambda o, x: o.view(x, "float32"), (np.array([1, 2, -3], "int32"),)),
    ("view i16", lambda o, x: o.view(x, "int16"), (np.array([[1, 70000, -3]], "int32"),)),
    ("view u8", lambda o, x: o.view(x, "uint8"), (np.array([1.5, -2.0], "float32"),)),
    ("view i64", lambda o, x: o.view(x, "int64"), (np.arange(8, dtype="int32").reshape(2, 4),)),
    ("nextafter", lambda o, a, b: o.nextafter(a, b), (X, Y)),
    ("nextafter int", lambda o, a, b: o.nextafter(a, b),
     (np.array([1, 2, 0], "int32"), np.array([3, 0, 0], "int32"))),
    ("nextafter bcast", lambda o, a: o.nextafter(a, 2.0), (X,)),
    ("view_as_real", lambda o: o.view_as_real(np.array([1 + 2j, -3j], "complex64")), ()),
    ("view_as_real real", lambda o, x: o.view_as_real(x), (X,)),
    ("gray", lambda o, x: o.image.rgb_to_grayscale(x), (IM,)),
    ("gray int", lambda o, x: o.image.rgb_to_grayscale(x), ((IM * 255).astype("int32"),)),
    ("gray 1ch", lambda o, x: o.image.rgb_to_grayscale(x), (IM[..., :1],)),
    ("gray cf", lambda o, x: o.image.rgb_to_grayscale(x, "channels_first"),
     (IM.transpose(0, 3, 1, 2),)),
    ("rgb_to_hsv", lambda o, x: o.image.rgb_to_hsv(x), (IM,)),
    ("hsv_to_rgb", lambda o, x: o.image.hsv_to_rgb(x), (IM,)),
    ("resize int", lambda o, x: o.image.resize(x, (10, 4)), (IMI,)),
    ("resize crop", lambda o, x: o.image.resize(x, (5, 5), crop_to_aspect_ratio=True), (IM,)),
    ("resize pad", lambda o, x: o.image.resize(x, (5, 5), pad_to_aspect_ratio=True,
                                               fill_value=0.5), (IM,)),
    ("resize cf", lambda o, x: o.image.resize(x, (5, 8), data_format="channels_first"),
     (IM.transpose(0, 3, 1, 2),)),
    ("resize 3d", lambda o, x: o.image.resize(x, (5, 8)), (IM[0],)),
    ("affine single", lambda o, x, m: o.image.affine_transform(x, m), (IM[0], T[0])),
    ("affine cf", lambda o, x, m: o.image.affine_transform(x, m, data_format="channels_first"),
     (IM.transpose(0, 3, 1, 2), T)),
    ("affine ties", lambda o, x, m: o.image.affine_transform(x, m, "nearest"), (IM, T_TIE)),
    ("map 3d", lambda o, x, c: o.image.map_coordinates(x, c, 1),
     (IM[0], R.uniform(-1, 7, (3, 4, 4)).astype("float32"))),
    ("map ties", lambda o, x, c: o.image.map_coordinates(x, c, 0, "nearest"),
     (np.arange(5.0, dtype="float32"), np.array([[0.5, 1.5, 2.5, -0.5, 3.5]], "float32"))),
    ("crop", lambda o, x: o.image.crop_images(x, 1, 2, target_height=4, target_width=3), (IM,)),
    ("crop bottom", lambda o, x: o.image.crop_images(x, bottom_cropping=1, right_cropping=2,
                                                     target_height=4, target_width=3),
     (IM[0],)),
    ("pad", lambda o, x: o.image.pad_images(x, 1, 2, target_height=10, target_width=9), (IM,)),
    ("pad cf", lambda o, x: o.image.pad_images(x, 1, 2, 0, 3, data_format="channels_first"),
     (IM.transpose(0, 3, 1, 2),)),
    ("patches", lambda o, x: o.image.extract_patches(x, 2), (IM,)),
    ("patches same", lambda o, x: o.image.extract_patches(x, (3, 2), strides=(2, 1),
                                                          padding="same"), (IM,)),
    ("patches dilated", lambda o, x: o.image.extract_patches(x, 2, 1, 2), (IM[0],)),
    ("patches 3d", lambda o, x: o.image.extract_patches(x, (2, 2, 2)),
     (R.uniform(0, 1, (1, 4, 4, 4, 2)).astype("float32"),)),
    ("patches_3d", lambda o, x: o.image.extract_patches_3d(x, 2, strides=1),
     (R.uniform(0, 1, (4, 4, 4, 2)).astype("float32"),)),
    ("blur", lambda o, x: o.image.gaussian_blur(x), (IM,)),
    ("blur 5x3", lambda o, x: o.image.gaussian_blur(x, (5, 3), (1.5, 0.7)), (IM,)),
    ("sobel", lambda o, x: o.image.sobel_edges(x), (IM,)),
    ("perspective", lambda o, x, a, b: o.image.perspective_transform(x, a, b), (IM, SP, EP)),
    ("perspective nearest", lambda o, x, a, b: o.image.perspective_transform(
        x, a, b, interpolation="nearest", fill_value=0.25), (IM, SP, EP)),
    ("scale_and_translate", lambda o, x: o.image.scale_and_translate(
        x, (2, 9, 8, 3), np.array([1.3, 1.4], "f4"), np.array([0.5, -0.2], "f4"), (1, 2),
        "bilinear"), (IM,)),
    ("scale_and_translate cubic", lambda o, x: o.image.scale_and_translate(
        x, (2, 4, 8, 3), np.array([0.6, 1.4], "f4"), np.array([0.5, -0.2], "f4"), (1, 2),
        "cubic", antialias=False), (IM,)),
    ("ssim", lambda o, a, b: o.image.ssim(a, b, filter_size=3), (IM, IM[::-1])),
    ("ssim single", lambda o, a, b: o.image.ssim(a, b, 2.0, 5, 1.0), (IM[0], IM[1])),
]


def _resize(m, size, aa):
    return lambda o, x: o.image.resize(x, size, interpolation=m, antialias=aa)


def _affine(fm, it):
    return lambda o, x, m: o.image.affine_transform(x, m, interpolation=it, fill_mode=fm,
                                                    fill_value=0.3)


def _map(fm, order):
    return lambda o, x, c: o.image.map_coordinates(x, c, order, fill_mode=fm, fill_value=0.7)


CASES += [(f"resize {m} {d}", _resize(m, s, aa), (IM,))
          for m in ("bilinear", "nearest", "bicubic", "lanczos3", "lanczos5")
          for d, s, aa in (("up", (11, 9), False), ("down", (4, 3), False),
                           ("down aa", (4, 3), True))]
CASES += [(f"affine {fm} {it}", _affine(fm, it), (IM, T))
          for fm in MODES for it in ("bilinear", "nearest")]
CASES += [(f"map {fm} {order}", _map(fm, order), (IM[0, :, :, 0], COORDS))
          for fm in MODES for order in (0, 1)]


@pytest.mark.parametrize("name, f, args", CASES, ids=[c[0] for c in CASES])
def test_as_keras3(k3, name, f, args):
    compare(k3, ops, f, args, rtol=1e-5, atol=1e-5)


def _np(v):
    return [np.asarray(u) for u in v]


def test_eig_as_keras3(k3):
    w, v = k3.eig(SQ)
    (wr, wi), (vr, vi) = ops.eig(tf.constant(SQ))
    got = K.batch_get_value([wr, wi, vr, vi])
    np.testing.assert_allclose(got[0] + 1j * got[1], w, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(got[2] + 1j * got[3], v, rtol=1e-5, atol=1e-5)
    assert {g.dtype for g in got} == {np.dtype("float32")} and got[2].shape == (2, 4, 4)
    assert ops.linalg.eig is ops.eig
    with pytest.raises(ValueError, match=r"keras.ops.eig: expected a tensor of shape "
                                         r"\(..., M, M\), got \(2, 4\)"):
        ops.eig(tf.constant(SQ[0, :2]))


def test_complex_pairs_as_keras3(k3):
    a, b = X[:3], Y[:3]
    want = k3.polar(a, b)
    got = K.batch_get_value(list(ops.polar(tf.constant(a), tf.constant(b))))
    np.testing.assert_allclose(got[0] + 1j * got[1], want, rtol=1e-6)
    ri = SQ[0, :, :2]
    got = K.batch_get_value(list(ops.view_as_complex(tf.constant(ri))))
    np.testing.assert_allclose(got[0] + 1j * got[1], k3.view_as_complex(ri))
    back = K.get_value(ops.view_as_real(ops.view_as_complex(tf.constant(ri.astype("f8")))))
    np.testing.assert_allclose(back, ri)
    assert back.dtype == np.float32            # (Keras 3 casts to complex64)
    with pytest.raises(ValueError, match=r"Last dimension of input must be size 2 \(real and "
                                         r"imaginary\). Received shape: \(4, 4\)"):
        ops.view_as_complex(tf.constant(SQ[0]))


def test_view_and_nextafter_errors_and_no_gradient():
    x = tf.constant(np.array([1, 2, 3], "int16"))
    with pytest.raises(ValueError, match="Cannot view array of shape \\(3,\\) and dtype int16 "
                                         "as dtype int32 because the total number of bytes"):
        ops.view(x, "int32")
    # float64 stays float64 (a graph's dtype; Keras 3's NumPy backend makes every array
    # float32 first)
    x64, y64 = X.astype("f8"), Y.astype("f8")
    got = K.get_value(ops.nextafter(tf.constant(x64), tf.constant(y64)))
    np.testing.assert_array_equal(got, np.nextafter(x64, y64))
    y = tf.constant(np.array([1.0, 2.0], "float32"))
    assert tf.gradients(ops.nextafter(y, 3.0), y) == [None]
    assert tf.gradients(ops.view(y, "int32"), y) == [None]


def test_vectorize_as_keras3(k3):
    a, b = SQ[0], SQ[1, 0]

    def f(u, v):
        return u * v + 1

    np.testing.assert_allclose(K.get_value(ops.vectorize(f)(tf.constant(a), tf.constant(b))),
                               k3.vectorize(f)(a, b), rtol=1e-6)
    mv = k3.vectorize(lambda m, v: k3.matmul(m, v), signature="(m,n),(n)->(m)")(SQ, SQ[:, 0])
    got = ops.vectorize(lambda m, v: ops.matmul(m, v), signature="(m,n),(n)->(m)")(
        tf.constant(SQ), tf.constant(SQ[:, 0]))
    np.testing.assert_allclose(K.get_value(got), mv, rtol=1e-5, atol=1e-6)
    # an excluded argument is passed through as it is (here: a Python string)
    g = ops.vectorize(lambda u, how: ops.square(u) if how == "sq" else u, excluded={1})
    np.testing.assert_allclose(K.get_value(g(tf.constant(a[0]), "sq")), a[0] ** 2, rtol=1e-6)
    with pytest.raises(ValueError, match="Expected argument `pyfunc` to be a callable"):
        ops.vectorize(3)
    with pytest.raises(ValueError, match="not a valid gufunc signature"):
        ops.vectorize(f, signature="(m)(n)")(tf.constant(a), tf.constant(b))


@pytest.mark.parametrize("x1, x2", [((2, 3), (3,)), ((3,), (3, 2)), ((3,), (3,)),
                                    ((4, 2, 3), (3,)), ((2,), (4, 2, 3))])
def test_matmul_vectors_as_numpy(k3, x1, x2):
    a, b = R.standard_normal(x1).astype("f4"), R.standard_normal(x2).astype("f4")
    compare(k3, ops, lambda o, u, v: o.matmul(u, v), (a, b), rtol=1e-5)


def _grad_check(f, x0, *consts):
    """d/dx of sum(f(x) * c), c a random cotangent: tf.gradients against central
    differences, float64."""
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float64, x0.shape)
        y = f(x, *[tf.constant(c) for c in consts])
        cot = np.random.default_rng(0).standard_normal(y.shape.as_list())
        loss = tf.reduce_sum(y * cot)
        (dx,) = tf.gradients(loss, x)
        with tf.Session() as sess:
            got = sess.run(dx, {x: x0})
            num = np.zeros_like(x0)
            eps = 1e-6
            for i in np.ndindex(x0.shape):
                xp, xm = x0.copy(), x0.copy()
                xp[i] += eps
                xm[i] -= eps
                num[i] = (sess.run(loss, {x: xp}) - sess.run(loss, {x: xm})) / (2 * eps)
    np.testing.assert_allclose(got, num, rtol=1e-6, atol=1e-7)


IM64 = R.uniform(0.1, 0.9, (1, 4, 3, 3))


@pytest.mark.parametrize("name, f, consts", [
    ("resize bilinear", lambda x: ops.image.resize(x, (5, 2)), ()),
    ("resize bicubic aa", lambda x: ops.image.resize(x, (2, 5), "bicubic", True), ()),
    ("affine", lambda x, m: ops.image.affine_transform(x, m, fill_mode="reflect"),
     (T[:1].astype("f8"),)),
    ("map_coordinates", lambda x, c: ops.image.map_coordinates(x, c, 1, "wrap"),
     (R.uniform(-1, 5, (4, 3, 2)),)),
    ("rgb_to_hsv", lambda x: ops.image.rgb_to_hsv(x), ()),
    ("hsv_to_rgb", lambda x: ops.image.hsv_to_rgb(x), ()),
    ("gray", lambda x: ops.image.rgb_to_grayscale(x), ()),
    ("blur", lambda x: ops.image.gaussian_blur(x), ()),
    ("ssim", lambda x, y: ops.image.ssim(x, y, filter_size=3), (IM64[:, ::-1],)),
    ("polar", lambda x: ops.view_as_real(ops.polar(x, x * 2.0)), ()),
], ids=lambda v: v if isinstance(v, str) else "")
def test_gradients_finite_differences(name, f, consts):
    _grad_check(f, IM64.copy(), *consts)


def test_map_coordinates_gradient_to_coordinates():
    g = tf.Graph()
    with g.as_default():
        img = tf.constant(IM64[0, :, :, 0])
        c = tf.placeholder(tf.float64, (2, 3))
        y = tf.reduce_sum(ops.image.map_coordinates(img, c, 1) ** 2)
        (dc,) = tf.gradients(y, c)
        c0 = np.array([[0.3, 1.6, 2.2], [0.4, 1.1, 1.7]])
        with tf.Session() as sess:
            got = sess.run(dc, {c: c0})
            num = np.zeros_like(c0)
            for i in np.ndindex(c0.shape):
                cp, cm = c0.copy(), c0.copy()
                cp[i] += 1e-6
                cm[i] -= 1e-6
                num[i] = (sess.run(y, {c: cp}) - sess.run(y, {c: cm})) / 2e-6
    np.testing.assert_allclose(got, num, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("call, err, words", [
    (lambda x: ops.image.resize(x, (4, 4), interpolation="area"), ValueError,
     "Invalid value for argument `interpolation`. Expected of one"),
    (lambda x: ops.image.resize(x, (4,)), ValueError,
     r"Argument `size` must be a tuple of two elements \(height, width\). Received: size="),
    (lambda x: ops.image.resize(x, (4, 4), crop_to_aspect_ratio=True,
                                pad_to_aspect_ratio=True), ValueError,
     "Only one of `pad_to_aspect_ratio` & `crop_to_aspect_ratio` can be `True`."),
    (lambda x: ops.image.resize(x[0, 0], (4, 4)), ValueError,
     (r"Invalid images rank: expected rank 3 \(single image\) or rank 4 \(batch of images\). "
      r"Received input with shape: images.shape=\(6, 3\)")),
    (lambda x: ops.image.rgb_to_grayscale(x[..., :2]), ValueError,
     "Invalid channel size: expected 3 \\(RGB\\) or 1 \\(Grayscale\\)"),
    (lambda x: ops.image.rgb_to_hsv(tf.cast(x, "int32")), ValueError,
     "Invalid images dtype: expected float dtype. Received: images.dtype=int32"),
    (lambda x: ops.image.affine_transform(x, T, fill_mode="edge"), ValueError,
     "Invalid value for argument `fill_mode`. Expected of one"),
    (lambda x: ops.image.affine_transform(x, T[None]), ValueError,
     r"Invalid transform rank: expected rank 1 \(single transform\) or rank 2"),
    (lambda x: ops.image.map_coordinates(x, COORDS, 1), ValueError,
     ("First dim of `coordinates` must be the same as the rank of `inputs`. Received inputs "
      r"with shape: \(2, 7, 6, 3\) and coordinate leading dim of 2")),
    (lambda x: ops.image.map_coordinates(x[0, :, :, 0], COORDS, 3), ValueError,
     r"Invalid value for argument `order`. Expected one of \[0, 1\]. Received: order=3"),
    (lambda x: ops.image.pad_images(x, 1, 1, 1), ValueError,
     ("Must specify exactly two of left_padding, right_padding, target_width. Received: "
      "left_padding=1, right_padding=None, target_width=None")),
    (lambda x: ops.image.pad_images(x, 1, 1, target_height=3, target_width=9), ValueError,
     "bottom_padding must be >= 0. Received: bottom_padding=-5"),
    (lambda x: ops.image.crop_images(x, bottom_cropping=1, left_cropping=0, target_height=9,
                                     target_width=2), ValueError,
     "top_cropping must be >= 0. Received: top_cropping=-3"),
    (lambda x: ops.image.crop_images(x, 1, 1, target_height=9, target_width=2), ValueError,
     r"crop_images: the crop \(1 \+ 9\) exceeds the images' height 7"),
    (lambda x: ops.image.extract_patches(x, (2, 2, 2, 2)), TypeError,
     "Invalid `size` argument. Expected an int or a tuple of length 2."),
    (lambda x: ops.image.perspective_transform(x, SP[:3], EP[:3]), ValueError,
     r"Invalid start_points shape: expected \(4,2\) for a single image or \(N,4,2\)"),
])
def test_errors_in_keras3_words(call, err, words):
    x = tf.constant(IM)
    with pytest.raises(err, match=words):
        call(x)


def test_image_namespace_and_functional_model(k3):
    from dlcore_static import keras
    inp = keras.Input((7, 6, 3))
    out = ops.image.resize(inp, (4, 3))
    model = keras.Model(inp, out)
    np.testing.assert_allclose(model.predict(IM, verbose=0), k3.image.resize(IM, (4, 3)),
                               rtol=1e-5, atol=1e-6)
