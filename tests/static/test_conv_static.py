"""Image ops of the static front end against PyTorch (the oracle installed here; TensorFlow's
NHWC layout is transposed for it): tf.nn convolutions and pooling with their gradients,
tf.layers batch normalisation and UPDATE_OPS, Keras convolutional layers with set_weights,
with and without the graph passes, and the errors."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def _nchw(a):
    return torch.tensor(a).permute(0, 3, 1, 2)


def _nhwc(t):
    return t.permute(0, 2, 3, 1).detach().numpy()


@pytest.mark.parametrize("passes", [None, "all"])
def test_tf_nn_conv_and_pool_values_and_gradients(passes):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 9, 8, 4))
    w = rng.standard_normal((3, 3, 4, 6))
    dw = rng.standard_normal((3, 3, 4, 2))
    wt = rng.standard_normal((3, 3, 5, 4))
    g1 = rng.standard_normal((2, 3, 2, 6))
    xp = tf.placeholder(tf.float64, [None, 9, 8, 4])
    wv = tf.Variable(w)
    y = tf.nn.conv2d(xp, wv, strides=[1, 2, 2, 1], padding="SAME")
    p = tf.nn.max_pool(y, [1, 2, 2, 1], [1, 2, 2, 1], "SAME")
    a = tf.nn.avg_pool(y, ksize=[1, 3, 3, 1], strides=[1, 2, 2, 1], padding="SAME")
    d = tf.nn.depthwise_conv2d(xp, tf.constant(dw), [1, 1, 1, 1], "VALID")
    t = tf.nn.conv2d_transpose(xp, tf.constant(wt), [2, 18, 16, 5], [1, 2, 2, 1], "SAME")
    loss = tf.reduce_sum(p * g1) + tf.reduce_sum(a) + tf.reduce_sum(t * t) + tf.reduce_sum(d)
    gx, gw = tf.gradients(loss, [xp, wv])
    sess = tf.Session(passes=passes) if passes else tf.Session()
    with sess:
        sess.run(tf.global_variables_initializer())
        yv, pv, av, dv, tv, gxv, gwv = sess.run([y, p, a, d, t, gx, gw], {xp: x})

    xt = _nchw(x).requires_grad_()
    wtt = torch.tensor(w, requires_grad=True)
    yt = TF.conv2d(TF.pad(xt, (0, 1, 1, 1)), wtt.permute(3, 2, 0, 1), stride=2)
    pt = TF.max_pool2d(TF.pad(yt, (0, 0, 0, 1), value=-np.inf), 2)
    ones = torch.ones(1, 1, 5, 4, dtype=torch.float64)
    cnt = TF.avg_pool2d(TF.pad(ones, (0, 1, 1, 1)), 3, 2, divisor_override=1)
    at = TF.avg_pool2d(TF.pad(yt, (0, 1, 1, 1)), 3, 2, divisor_override=1) / cnt
    d_ = TF.conv2d(xt, torch.tensor(dw).permute(2, 3, 0, 1).reshape(8, 1, 3, 3), groups=4)
    t_ = TF.conv_transpose2d(xt, torch.tensor(wt).permute(3, 2, 0, 1),
                             stride=2)[:, :, :18, :16]      # SAME: pads (0, 1) of the forward
    lt = (pt * _nchw(g1)).sum() + at.sum() + (t_ * t_).sum() + d_.sum()
    lt.backward()
    for got, want in [(yv, _nhwc(yt)), (pv, _nhwc(pt)), (av, _nhwc(at)), (dv, _nhwc(d_)),
                      (tv, _nhwc(t_)), (gxv, _nhwc(xt.grad)), (gwv, wtt.grad.numpy())]:
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9)


def test_nchw_data_format_and_conv1d():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3, 7, 6)).astype(np.float32)
    w = rng.standard_normal((2, 3, 3, 4)).astype(np.float32)
    x1 = rng.standard_normal((2, 11, 3)).astype(np.float32)
    w1 = rng.standard_normal((3, 3, 5)).astype(np.float32)
    y = tf.nn.conv2d(x, w, [1, 1, 2, 1], "VALID", data_format="NCHW", dilations=[1, 1, 2, 1])
    y1 = tf.nn.conv1d(x1, w1, stride=2, padding="SAME")
    with tf.Session() as s:
        yv, y1v = s.run([y, y1])
    want = TF.conv2d(torch.tensor(x), torch.tensor(w).permute(3, 2, 0, 1), stride=(2, 1),
                     dilation=(2, 1)).numpy()
    np.testing.assert_allclose(yv, want, rtol=1e-5, atol=1e-5)
    want1 = TF.conv1d(TF.pad(torch.tensor(x1).permute(0, 2, 1), (1, 1)),
                      torch.tensor(w1).permute(2, 1, 0), stride=2).permute(0, 2, 1).numpy()
    np.testing.assert_allclose(y1v, want1, rtol=1e-5, atol=1e-5)


def test_layers_batch_normalization_update_ops_and_inference():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((8, 4, 4, 3)).astype(np.float32) * 2 + 1
    xp = tf.placeholder(tf.float32, [None, 4, 4, 3])
    training = tf.placeholder_with_default(False, ())
    y = tf.layers.batch_normalization(xp, momentum=0.9, training=training)
    updates = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
    assert len(updates) == 2
    mm = [v for v in tf.global_variables() if "moving_mean" in v.name][0]
    assert mm not in tf.trainable_variables()
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        yv, _ = s.run([y, updates], {xp: x, training: True})
        mean, var = x.mean((0, 1, 2)), x.var((0, 1, 2))
        np.testing.assert_allclose(yv, (x - mean) / np.sqrt(var + 1e-3), rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(s.run(mm), 0.1 * mean, rtol=1e-5, atol=1e-6)
        yv = s.run(y, {xp: x})          # inference: moving statistics, nothing updated
        mv = 0.9 + 0.1 * var * 128 / 127    # 4-D: TF1's fused kernel, unbiased variance
        np.testing.assert_allclose(yv, (x - 0.1 * mean) / np.sqrt(mv + 1e-3), rtol=1e-4,
                                   atol=1e-4)
        np.testing.assert_allclose(s.run(mm), 0.1 * mean, rtol=1e-5, atol=1e-6)


def test_keras_conv_layers_match_torch_with_the_same_weights():
    from dlcore_static.keras import backend as K
    from dlcore_static.keras.layers import (AveragePooling2D, Conv2D, Conv2DTranspose, Dense,
                                            Flatten, GlobalMaxPooling2D, MaxPooling2D,
                                            UpSampling2D, ZeroPadding2D)
    from dlcore_static.keras.models import Sequential
    assert K.image_data_format() == "channels_last"
    m = Sequential([Conv2D(4, 3, strides=2, padding="same", activation="relu",
                           input_shape=(9, 8, 2)), ZeroPadding2D(((1, 0), (0, 2))),
                    MaxPooling2D(2), UpSampling2D(2), Conv2DTranspose(3, 3, strides=2),
                    AveragePooling2D(2, padding="same")])
    rng = np.random.default_rng(3)
    w1, b1 = rng.standard_normal((3, 3, 2, 4)), rng.standard_normal(4)
    w2, b2 = rng.standard_normal((3, 3, 3, 4)), rng.standard_normal(3)
    x = rng.standard_normal((2, 9, 8, 2)).astype(np.float32)
    m.predict(x)                        # builds the model
    m.layers[0].set_weights([w1.astype(np.float32), b1.astype(np.float32)])
    m.layers[4].set_weights([w2.astype(np.float32), b2.astype(np.float32)])
    out = m.predict(x)
    assert m.output_shape == (None, 7, 7, 3) == (None,) + out.shape[1:]
    xt = torch.tensor(x, dtype=torch.float64).permute(0, 3, 1, 2)
    h = TF.relu(TF.conv2d(TF.pad(xt, (0, 1, 1, 1)), torch.tensor(w1).permute(3, 2, 0, 1),
                          torch.tensor(b1), stride=2))
    h = TF.max_pool2d(TF.pad(h, (0, 2, 1, 0)), 2)
    h = TF.interpolate(h, scale_factor=2, mode="nearest")
    h = TF.conv_transpose2d(h, torch.tensor(w2).permute(3, 2, 0, 1), torch.tensor(b2), stride=2)
    h = TF.avg_pool2d(TF.pad(h, (0, 1, 0, 1)), 2, ceil_mode=False)
    ones = torch.ones(1, 1, 13, 13, dtype=torch.float64)
    cnt = TF.avg_pool2d(TF.pad(ones, (0, 1, 0, 1)), 2)
    h = h / cnt
    np.testing.assert_allclose(out, h.permute(0, 2, 3, 1).numpy(), rtol=1e-4, atol=1e-4)
    head = Sequential([GlobalMaxPooling2D(input_shape=(7, 7, 3))])
    np.testing.assert_allclose(head.predict(out), out.max((1, 2)), rtol=1e-6)
    flat = Sequential([Flatten(input_shape=(7, 7, 3)), Dense(2)])
    assert flat.predict(out).shape == (2, 2)


def test_keras_batch_normalization_trains_moving_statistics():
    from dlcore_static.keras.layers import BatchNormalization, Conv2D, Dense, Flatten
    from dlcore_static.keras.models import Sequential
    m = Sequential([Conv2D(3, 3, input_shape=(6, 6, 1)), BatchNormalization(momentum=0.5),
                    Flatten(), Dense(2, activation="softmax")])
    m.compile("sgd", "sparse_categorical_crossentropy")
    bn = m.layers[1]
    assert [w.name.split("/")[-1] for w in bn.weights] == ["gamma:0", "beta:0", "moving_mean:0",
                                                           "moving_variance:0"]
    assert len(bn.trainable_weights) == 2 and len(bn.non_trainable_weights) == 2
    rng = np.random.default_rng(4)
    x = rng.standard_normal((8, 6, 6, 1)).astype(np.float32) + 3
    before = bn.get_weights()[2].copy()
    m.fit(x, rng.integers(0, 2, 8), epochs=1, batch_size=8, verbose=0)
    after = bn.get_weights()[2]
    assert not np.allclose(before, after)
    m.predict(x)
    np.testing.assert_array_equal(bn.get_weights()[2], after)      # inference: no update


def test_static_errors_name_the_op_and_shapes():
    x = tf.placeholder(tf.float32, [None, 8, 8, 3])
    with pytest.raises(ValueError, match=r"Depth of input \(3\) is not a multiple of input "
                       r"depth of filter \(4\)"):
        tf.nn.conv2d(x, tf.zeros([3, 3, 4, 2]), [1, 1, 1, 1], "VALID")
    with pytest.raises(ValueError, match="padding must be 'SAME' or 'VALID'"):
        tf.nn.conv2d(x, tf.zeros([3, 3, 3, 2]), [1, 1, 1, 1], "FULL")
    with pytest.raises(ValueError, match="strides in the batch and depth dimensions must be 1"):
        tf.nn.max_pool(x, [1, 2, 2, 1], [2, 2, 2, 1], "VALID")
    with pytest.raises(ValueError, match="Kernel size 9"):
        tf.nn.conv2d(x, tf.zeros([9, 1, 3, 2]), [1, 1, 1, 1], "VALID")


def test_channels_first_keras_conv_and_nchw_bias_add():
    from dlcore_static.keras.layers import Conv2D, MaxPooling2D
    from dlcore_static.keras.models import Sequential
    m = Sequential([Conv2D(3, (3, 2), padding="same", data_format="channels_first",
                           input_shape=(2, 5, 6)),
                    MaxPooling2D(2, data_format="channels_first")])
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 2, 5, 6)).astype(np.float32)
    m.predict(x)
    w, b = rng.standard_normal((3, 2, 2, 3)), rng.standard_normal(3)
    m.layers[0].set_weights([w.astype(np.float32), b.astype(np.float32)])
    assert m.output_shape == (None, 3, 2, 3)
    h = TF.conv2d(TF.pad(torch.tensor(x, dtype=torch.float64), (0, 1, 1, 1)),
                  torch.tensor(w).permute(3, 2, 0, 1), torch.tensor(b))
    np.testing.assert_allclose(m.predict(x), TF.max_pool2d(h, 2).numpy(), rtol=1e-4, atol=1e-4)
    y = tf.nn.bias_add(tf.constant(x), tf.constant(np.array([1.0, -1.0], np.float32)),
                       data_format="NCHW")
    with tf.Session() as s:
        yv = s.run(y)
    np.testing.assert_allclose(yv, x + np.array([1.0, -1.0], np.float32)[:, None, None])
