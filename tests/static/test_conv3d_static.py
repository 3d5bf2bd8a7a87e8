"""The static front end's 3-D, atrous and separable convolutions and pooling: ``tf.nn.conv3d``,
``conv3d_transpose``, ``max_pool3d``, ``avg_pool3d``, ``atrous_conv2d``, ``separable_conv2d``,
``depthwise_conv2d`` with a rate, the ``tf.layers`` and Keras layers over them.

Oracles: PyTorch 2.13 (channels-first, transposed here) for values, float64 central
differences of that reference for ``tf.gradients``, and real Keras 3 (NumPy backend:
``keras.ops`` and its layers with the same weights) where it is installed; errors by type and
TensorFlow's wording."""

from __future__ import annotations

import importlib.util
import os

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static.keras import layers as L
from dlcore_static.keras.models import Sequential

from static_gradcheck import check_value_and_gradient

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def _keras():
    """Real Keras 3 on its NumPy backend, or a skip."""
    if importlib.util.find_spec("keras") is None:
        pytest.skip("Keras is not installed")
    os.environ.setdefault("KERAS_BACKEND", "numpy")
    import keras
    if int(keras.__version__.split(".")[0]) < 3 or keras.backend.backend() != "numpy":
        pytest.skip("needs Keras 3 on its NumPy backend")
    return keras


def _first(x):          # NDHWC -> NCDHW (torch), any rank
    return torch.tensor(x).permute(0, x.ndim - 1, *range(1, x.ndim - 1))


def _last(t):
    return t.permute(0, *range(2, t.ndim), 1).numpy()


def _w(f):              # DHWIO -> OIDHW
    return torch.tensor(f).permute(f.ndim - 1, f.ndim - 2, *range(f.ndim - 2))


# ----------------------------------------------------------------------------- tf.nn
@pytest.mark.parametrize("strides,padding,dil,tpad", [
    ([1, 2, 1, 1, 1], "SAME", None, (0, 1, 0, 1, 1, 1)),          # torch pad: W, H, D pairs
    ([1, 1, 1, 1, 1], "VALID", [1, 1, 2, 1, 1], (0,) * 6),
])
def test_conv3d_ndhwc_values_and_gradient(strides, padding, dil, tpad):
    rng = np.random.default_rng(0)
    x, f = rng.standard_normal((1, 5, 5, 4, 2)), rng.standard_normal((3, 2, 2, 2, 3))
    d = (1, 1, 1) if dil is None else tuple(dil[1:4])

    def ref(v):
        y = TF.conv3d(TF.pad(_first(v), tpad), _w(f), stride=tuple(strides[1:4]), dilation=d)
        return _last(y)
    check_value_and_gradient(lambda p: tf.nn.conv3d(p, tf.constant(f), strides, padding,
                                                    dilations=dil), ref, x, rng)


def test_conv3d_ncdhw_and_filter_gradient():
    rng = np.random.default_rng(1)
    x, f = rng.standard_normal((2, 2, 4, 3, 4)), rng.standard_normal((2, 3, 2, 2, 3))
    X = tf.constant(x)

    def ref(v):
        return TF.conv3d(torch.tensor(x), _w(v), stride=(1, 1, 2)).numpy()
    check_value_and_gradient(
        lambda p: tf.nn.conv3d(X, p, [1, 1, 1, 1, 2], "VALID", data_format="NCDHW"), ref, f, rng)


def test_conv3d_transpose_matches_torch_and_its_gradient():
    rng = np.random.default_rng(2)
    x, f = rng.standard_normal((1, 2, 3, 2, 3)), rng.standard_normal((3, 2, 2, 2, 3))

    def ref(v):      # 'SAME', stride 2: out = 2 * in; TF's pads (0, 1) per axis -> crop
        y = TF.conv_transpose3d(_first(v), _w(f), stride=2)     # (in, out, D, H, W)
        return _last(y[:, :, :4, :6, :4])
    check_value_and_gradient(
        lambda p: tf.nn.conv3d_transpose(p, tf.constant(f), [1, 4, 6, 4, 2], [1, 2, 2, 2, 1],
                                         "SAME"), ref, x, rng)


def _same(sizes, k, s, d=None):
    """TF's 'SAME' padding as torch's flat pad tuple (last axis first, the odd pixel at hi)."""
    pads = []
    for i, kk, ss, dd in zip(sizes, k, s, d or (1,) * len(k)):
        out = -(-i // ss)
        total = max((out - 1) * ss + (kk - 1) * dd + 1 - i, 0)
        pads.append((total // 2, total - total // 2))
    return tuple(v for pair in reversed(pads) for v in pair)


@pytest.mark.parametrize("xs,fs,kw,ref", [
    ((2, 7, 3), (3, 3, 4), dict(padding="VALID", dilation_rate=[2]),
     lambda x, w: TF.conv1d(x, w, dilation=2)),
    ((2, 6, 5, 4), (3, 2, 2, 4), dict(padding="VALID", strides=[2, 1]),
     lambda x, w: TF.conv2d(x, w, stride=(2, 1), groups=2)),
    ((1, 4, 5, 3, 2), (2, 2, 2, 2, 3), dict(padding="VALID"), lambda x, w: TF.conv3d(x, w)),
])
def test_nd_convolution(xs, fs, kw, ref):
    rng = np.random.default_rng(10)
    x, f = rng.standard_normal(xs), rng.standard_normal(fs)
    check_value_and_gradient(lambda p: tf.nn.convolution(p, tf.constant(f), **kw),
                             lambda v: _last(ref(_first(v), _w(f))), x, rng)


def _pool_ref(kind, padding, k, st):
    def ref(v):
        t = _first(v)
        pad = _same(v.shape[1:-1], k, st) if padding == "SAME" else (0,) * 6
        if kind == "max":
            y = TF.max_pool3d(TF.pad(t, pad, value=-np.inf), k, st)
        else:                       # TF's 'SAME' average counts only real values
            y = TF.avg_pool3d(TF.pad(t, pad), k, st) / \
                TF.avg_pool3d(TF.pad(torch.ones_like(t), pad), k, st)
        return _last(y)
    return ref


@pytest.mark.parametrize("kind,padding", [("max", "SAME"), ("avg", "SAME"), ("avg", "VALID")])
def test_pool3d_gradient_and_keras_values(kind, padding):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3, 5, 4, 2))
    op = tf.nn.max_pool3d if kind == "max" else tf.nn.avg_pool3d
    ref = _pool_ref(kind, padding, (2, 2, 3), (2, 1, 2))
    y = check_value_and_gradient(lambda p: op(p, [1, 2, 2, 3, 1], [1, 2, 1, 2, 1], padding),
                                 ref, x, rng)
    keras = _keras()                                  # Keras computes in float32
    kop = keras.ops.max_pool if kind == "max" else keras.ops.average_pool
    want = np.asarray(kop(x.astype(np.float32), (2, 2, 3), (2, 1, 2), padding.lower()))
    np.testing.assert_allclose(ref(x), want, rtol=1e-5, atol=1e-6)
    assert tuple(y.shape.as_list()) == want.shape


def _dw(d):             # (H, W, C, M) -> torch's (C M, 1, H, W), channel-major as TF
    kh, kw, c, m = d.shape
    return torch.tensor(d).reshape(kh, kw, c * m, 1).permute(2, 3, 0, 1)


def test_atrous_and_depthwise_with_rate():
    rng = np.random.default_rng(4)
    x, f = rng.standard_normal((1, 7, 6, 2)), rng.standard_normal((3, 2, 2, 3))

    def ref(v):
        pad = _same((7, 6), (3, 2), (1, 1), (2, 2))
        return _last(TF.conv2d(TF.pad(_first(v), pad), _w(f), dilation=2))
    check_value_and_gradient(lambda p: tf.nn.atrous_conv2d(p, tf.constant(f), 2, "SAME"),
                             ref, x, rng)
    d = rng.standard_normal((2, 3, 2, 2))
    check_value_and_gradient(
        lambda p: tf.nn.depthwise_conv2d(p, tf.constant(d), [1, 1, 1, 1], "VALID", rate=[2, 1]),
        lambda v: _last(TF.conv2d(_first(v), _dw(d), dilation=(2, 1), groups=2)), x, rng)
    keras = _keras()
    want = np.asarray(keras.ops.conv(x.astype(np.float32), f.astype(np.float32), 1, "same",
                                     dilation_rate=2))
    np.testing.assert_allclose(ref(x), want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("strides,padding,rate", [([1, 2, 2, 1], "SAME", None),
                                                  ([1, 1, 1, 1], "VALID", 2)])
def test_separable_conv2d(strides, padding, rate):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 6, 7, 2))
    d, p = rng.standard_normal((3, 2, 2, 2)), rng.standard_normal((1, 1, 4, 3))
    r = rate or 1
    st = tuple(strides[1:3])

    def ref(v):
        pad = _same((6, 7), (3, 2), st, (r, r)) if padding == "SAME" else (0,) * 4
        h = TF.conv2d(TF.pad(_first(v), pad), _dw(d), stride=st, dilation=r, groups=2)
        return _last(TF.conv2d(h, _w(p)))
    check_value_and_gradient(
        lambda v: tf.nn.separable_conv2d(v, tf.constant(d), tf.constant(p), strides, padding,
                                         rate=rate), ref, x, rng)
    keras = _keras()
    f32 = [a.astype(np.float32) for a in (x, d, p)]
    want = np.asarray(keras.ops.separable_conv(*f32, st, padding.lower(), dilation_rate=r))
    np.testing.assert_allclose(ref(x), want, rtol=1e-5, atol=1e-5)


# ----------------------------------------------------------------------------- tf.layers
def test_tf_layers_3d_and_separable_variables_and_values():
    rng = np.random.default_rng(6)
    x = rng.standard_normal((2, 4, 5, 4, 2)).astype(np.float32)
    X = tf.placeholder(tf.float32, [None, 4, 5, 4, 2])
    y = tf.layers.conv3d(X, 3, (2, 3, 2), padding="same", activation=tf.nn.relu)
    z = tf.layers.conv3d_transpose(y, 2, 2, strides=(1, 2, 3))
    mp = tf.layers.max_pooling3d(z, 2, 2)
    ap = tf.layers.average_pooling3d(z, (1, 2, 2), (1, 2, 2), padding="same")
    X2 = tf.placeholder(tf.float32, [None, 5, 6, 2])
    s = tf.layers.separable_conv2d(X2, 4, 3, depth_multiplier=2, padding="same")
    names = [(v.name, tuple(v.shape.as_list())) for v in tf.global_variables()]
    assert names == [("conv3d/kernel:0", (2, 3, 2, 2, 3)), ("conv3d/bias:0", (3,)),
                     ("conv3d_transpose/kernel:0", (2, 2, 2, 2, 3)),
                     ("conv3d_transpose/bias:0", (2,)),
                     ("separable_conv2d/depthwise_kernel:0", (3, 3, 2, 2)),
                     ("separable_conv2d/pointwise_kernel:0", (1, 1, 4, 4)),
                     ("separable_conv2d/bias:0", (4,))]
    x2 = rng.standard_normal((2, 5, 6, 2)).astype(np.float32)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        k1, b1, k2, b2, dk, pk = sess.run(tf.global_variables()[:4] + tf.global_variables()[4:6])
        yv, zv, mv, av, sv = sess.run([y, z, mp, ap, s], {X: x, X2: x2})
    h = TF.relu(TF.conv3d(TF.pad(_first(x).double(), (0, 1, 1, 1, 0, 1)),
                          _w(k1.astype(np.float64)), torch.tensor(b1).double()))
    np.testing.assert_allclose(yv, _last(h), rtol=1e-4, atol=1e-5)
    h = TF.conv_transpose3d(h, _w(k2.astype(np.float64)),
                            torch.tensor(b2).double(), stride=(1, 2, 3), output_padding=(0, 0, 1))
    assert zv.shape == (2, 5, 10, 12, 2)            # valid: i * s + max(k - s, 0)
    np.testing.assert_allclose(zv, _last(h), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(mv, _last(TF.max_pool3d(h, 2)), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(av, _last(TF.avg_pool3d(h, (1, 2, 2))), rtol=1e-4, atol=1e-5)
    hd = TF.conv2d(TF.pad(_first(x2).double(), (1, 1, 1, 1)),
                   torch.tensor(dk).double().reshape(3, 3, 4, 1).permute(2, 3, 0, 1), groups=2)
    hs = TF.conv2d(hd, _w(pk.astype(np.float64)))
    np.testing.assert_allclose(sv, _last(hs), rtol=1e-4, atol=1e-5)


# ----------------------------------------------------------------------------- Keras
KERAS_CASES = [
    ("Conv3D", (3, (3, 2, 2)), dict(strides=(2, 1, 1), padding="same", activation="relu"),
     (2, 5, 4, 4, 2)),
    ("Conv3D", (2, 2), dict(dilation_rate=(1, 2, 1)), (1, 4, 5, 3, 2)),
    ("Conv3DTranspose", (3, (3, 2, 1)), dict(strides=(2, 3, 2)), (1, 3, 2, 2, 2)),
    ("MaxPooling3D", (), dict(pool_size=(2, 2, 1), padding="same"), (2, 5, 3, 4, 2)),
    ("AveragePooling3D", (), dict(pool_size=2, padding="same"), (2, 3, 3, 5, 2)),
    ("GlobalAveragePooling3D", (), {}, (2, 3, 3, 4, 2)),
    ("GlobalMaxPooling3D", (), {}, (2, 3, 3, 4, 2)),
    ("UpSampling3D", (), dict(size=(2, 1, 3)), (2, 2, 3, 2, 2)),
    ("ZeroPadding3D", (), dict(padding=((1, 0), (0, 2), (1, 1))), (2, 2, 3, 2, 2)),
    ("Cropping3D", (), dict(cropping=((1, 0), (0, 1), (1, 1))), (2, 3, 3, 4, 2)),
    ("Cropping2D", (), dict(cropping=((1, 0), (1, 2))), (2, 3, 4, 2)),
    ("Cropping1D", (), dict(cropping=(1, 2)), (2, 5, 2)),
    ("UpSampling1D", (), dict(size=3), (2, 4, 2)),
    ("ZeroPadding1D", (), dict(padding=(2, 1)), (2, 4, 2)),
    ("SeparableConv2D", (4, 3), dict(depth_multiplier=2, padding="same", strides=2),
     (2, 6, 5, 3)),
    ("SeparableConv1D", (4, 3), dict(depth_multiplier=2, dilation_rate=2), (2, 9, 3)),
    ("DepthwiseConv2D", ((2, 3),), dict(depth_multiplier=2, strides=2), (2, 5, 6, 3)),
]


@pytest.mark.parametrize("name,args,kw,shape", KERAS_CASES, ids=[c[0] for c in KERAS_CASES])
def test_keras_layers_match_real_keras(name, args, kw, shape):
    keras = _keras()
    rng = np.random.default_rng(7)
    x = rng.standard_normal(shape).astype(np.float32)
    kl = getattr(keras.layers, name)(*args, **kw)
    kl(x)
    weights = [rng.standard_normal(w.shape).astype(np.float32) for w in kl.get_weights()]
    kl.set_weights(weights)
    want = np.asarray(kl(x))
    m = Sequential([getattr(L, name)(*args, **kw, input_shape=shape[1:])])
    m.predict(x)                                           # builds the model
    assert [w.shape for w in m.layers[0].get_weights()] == [w.shape for w in weights]
    m.layers[0].set_weights(weights)
    got = m.predict(x)
    assert m.output_shape == (None,) + want.shape[1:]
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_keras_3d_model_saves_and_loads(tmp_path):
    pytest.importorskip("h5py")
    from dlcore_static.keras.models import load_model
    m = Sequential([L.Conv3D(2, 2, padding="same", activation="relu", input_shape=(4, 4, 4, 1)),
                    L.MaxPooling3D(2), L.AveragePooling3D((1, 2, 2)), L.GlobalMaxPooling3D()])
    x = np.random.default_rng(9).standard_normal((2, 4, 4, 4, 1)).astype(np.float32)
    want = m.predict(x)
    for ext in ("h5", "keras"):
        m.save(str(tmp_path / f"m.{ext}"))
        with tf.Graph().as_default():
            got = load_model(str(tmp_path / f"m.{ext}")).predict(x)
        np.testing.assert_array_equal(got, want)


# ----------------------------------------------------------------------------- errors
@pytest.mark.parametrize("build,message", [
    (lambda: tf.nn.conv3d(tf.ones([1, 2, 3, 4]), tf.ones([2, 2, 2, 4, 1]), [1] * 5, "SAME"),
     r"Shape must be rank 5 but is rank 4 for 'Conv3D'"),
    (lambda: tf.nn.conv3d(tf.ones([1, 2, 3, 4, 2]), tf.ones([2, 2, 2, 3, 1]), [1] * 5,
                          "SAME"), r"Depth of input \(2\) must match input depth of filter"),
    (lambda: tf.nn.conv3d(tf.ones([1, 2, 3, 4, 2]), tf.ones([1, 1, 1, 2, 1]),
                          [2, 1, 1, 1, 1], "SAME"), "in the batch and depth dimensions"),
    (lambda: tf.nn.atrous_conv2d(tf.ones([1, 4, 4, 1]), tf.ones([2, 2, 1, 1]), 0, "SAME"),
     "rate 0 cannot be less than one"),
    (lambda: tf.nn.separable_conv2d(tf.ones([1, 4, 4, 2]), tf.ones([2, 2, 2, 2]),
                                    tf.ones([1, 1, 3, 2]), [1, 1, 1, 1], "SAME"),
     "pointwise filter's in_channels 3"),
    (lambda: tf.nn.conv3d_transpose(tf.ones([1, 2, 2, 2, 1]), tf.ones([2, 2, 2, 3, 1]),
                                    [1, 4, 4, 4, 2], [1, 2, 2, 2, 1]), "out_channels 3"),
    (lambda: tf.nn.convolution(tf.ones([1, 5, 5, 1]), tf.ones([2, 2, 1, 1]), "SAME",
                               strides=[2, 2], dilation_rate=[2, 2]),
     "strides > 1 not supported in conjunction with dilation_rate > 1"),
    (lambda: tf.nn.max_pool3d(tf.ones([1, 2, 3, 4]), [1, 2, 2, 2, 1], [1] * 5, "SAME"),
     r"Shape must be rank 5 but is rank 4 for 'MaxPool3D' \(op: 'MaxPool3D'\) with input "
     r"shapes: \[1,2,3,4\]"),
])
def test_errors(build, message):
    with pytest.raises(ValueError, match=message):
        build()
