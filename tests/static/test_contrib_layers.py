"""tf.contrib.layers as TF1 programs use them: variable names under scopes, contrib defaults,
values against NumPy, batch_norm's moving averages and update collections, a small CNN trained
with the UPDATE_OPS idiom."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf

layers = tf.contrib.layers


def _names(vs):
    return [v.op.name for v in vs]


def _conv_same(x, w, stride):
    """NumPy NHWC/HWIO cross-correlation with TensorFlow's SAME padding."""
    n, h, wd, c = x.shape
    kh, kw, _, o = w.shape
    oh, ow = -(-h // stride), -(-wd // stride)
    ph = max((oh - 1) * stride + kh - h, 0)
    pw = max((ow - 1) * stride + kw - wd, 0)
    xp = np.pad(x, ((0, 0), (ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2), (0, 0)))
    out = np.zeros((n, oh, ow, o))
    for i in range(oh):
        for j in range(ow):
            patch = xp[:, i * stride:i * stride + kh, j * stride:j * stride + kw, :]
            out[:, i, j, :] = np.tensordot(patch, w, axes=([1, 2, 3], [0, 1, 2]))
    return out


def test_fully_connected_defaults_names_reuse_and_values():
    rng = np.random.default_rng(0)
    x = tf.placeholder(tf.float32, [None, 3])
    h = layers.fully_connected(x, 4)                           # relu by default
    out = layers.fully_connected(h, 2, activation_fn=None, scope="logits")
    again = layers.fully_connected(h, 2, activation_fn=None, scope="logits", reuse=True)
    seq = tf.placeholder(tf.float32, [None, 5, 3])
    y3 = layers.fully_connected(seq, 4, scope="fully_connected", reuse=True)   # rank 3
    assert _names(tf.global_variables()) == ["fully_connected/weights", "fully_connected/biases",
                                              "logits/weights", "logits/biases"]
    assert _names(tf.get_collection(tf.GraphKeys.MODEL_VARIABLES))[:2] == \
        ["fully_connected/weights", "fully_connected/biases"]
    xv = rng.standard_normal((6, 3)).astype(np.float32)
    sv = rng.standard_normal((2, 5, 3)).astype(np.float32)
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        w1, b1, w2, b2 = s.run(tf.global_variables())
        hv, ov, av, y3v = s.run([h, out, again, y3], {x: xv, seq: sv})
    assert np.all(b1 == 0)
    lim = np.sqrt(6 / (3 + 4))                                 # xavier uniform
    assert np.abs(w1).max() <= lim and np.abs(w1).std() > 0.1 * lim
    np.testing.assert_allclose(hv, np.maximum(xv @ w1 + b1, 0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ov, hv @ w2 + b2, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(av, ov)
    np.testing.assert_allclose(y3v, np.maximum(sv @ w1 + b1, 0), rtol=1e-5, atol=1e-6)


def test_fully_connected_regularizer_normalizer_and_errors():
    x = tf.placeholder(tf.float32, [None, 3])
    layers.fully_connected(x, 2, weights_regularizer=layers.l2_regularizer(0.5),
                           weights_initializer=tf.constant_initializer(2.0))
    y = layers.fully_connected(x, 2, normalizer_fn=layers.batch_norm,
                               normalizer_params={"is_training": False})
    assert _names(tf.global_variables())[2:] == [
        "fully_connected_1/weights", "fully_connected_1/BatchNorm/beta",
        "fully_connected_1/BatchNorm/moving_mean", "fully_connected_1/BatchNorm/moving_variance"]
    reg = tf.losses.get_regularization_loss()
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        assert s.run(reg) == pytest.approx(0.5 * 6 * 4.0 / 2)
        assert s.run(y, {x: np.ones((1, 3))}).shape == (1, 2)
    with pytest.raises(ValueError, match="already exists, disallowed"):
        layers.fully_connected(x, 2, scope="fully_connected")
    with pytest.raises(ValueError, match="reuse=True cannot be used without a name_or_scope"):
        layers.fully_connected(x, 2, reuse=True)
    with pytest.raises(ValueError, match="should be defined"):
        layers.fully_connected(tf.placeholder(tf.float32, [None, None]), 2)


def test_conv2d_pools_and_flatten_against_numpy():
    rng = np.random.default_rng(1)
    x = tf.placeholder(tf.float32, [None, 5, 5, 2])
    c = layers.conv2d(x, 3, [3, 3], stride=2)                   # SAME, relu
    m = layers.max_pool2d(c, [2, 2])                            # stride 2, VALID
    a = layers.avg_pool2d(c, 2, stride=1)
    f = layers.flatten(m)
    assert _names(tf.global_variables()) == ["Conv/weights", "Conv/biases"]
    assert tf.global_variables()[0].shape.as_list() == [3, 3, 2, 3]
    assert c.shape.as_list() == [None, 3, 3, 3] and m.shape.as_list() == [None, 1, 1, 3]
    assert f.shape.as_list() == [None, 3] and a.shape.as_list() == [None, 2, 2, 3]
    xv = rng.standard_normal((2, 5, 5, 2)).astype(np.float32)
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        w = s.run(tf.global_variables()[0])
        cv, mv, av, fv = s.run([c, m, a, f], {x: xv})
    ref = np.maximum(_conv_same(xv.astype(np.float64), w.astype(np.float64), 2), 0)
    np.testing.assert_allclose(cv, ref, rtol=1e-5, atol=1e-5)
    # The pools against the float32 convolution output the graph computed (the float64
    # reference's windows differ from it by float32 rounding, 2e-6 relative on a small value).
    np.testing.assert_array_equal(mv[:, 0, 0], cv[:, :2, :2].max(axis=(1, 2)))
    np.testing.assert_allclose(av[:, 1, 0], cv[:, 1:3, 0:2].mean(axis=(1, 2)), rtol=1e-6)
    np.testing.assert_array_equal(fv, mv.reshape(2, 3))


@pytest.mark.parametrize("collections", ["default", None])
def test_batch_norm_moving_averages_and_updates(collections):
    rng = np.random.default_rng(2)
    x = tf.placeholder(tf.float32, [None, 3])
    kw = {} if collections == "default" else {"updates_collections": None}
    y = layers.batch_norm(x, decay=0.9, center=True, scale=True, is_training=True, **kw)
    names = _names(tf.global_variables())
    assert names == ["BatchNorm/beta", "BatchNorm/gamma", "BatchNorm/moving_mean",
                     "BatchNorm/moving_variance"]
    assert _names(tf.trainable_variables()) == ["BatchNorm/beta", "BatchNorm/gamma"]
    updates = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
    assert len(updates) == (2 if collections == "default" else 0)
    xv = rng.standard_normal((8, 3)).astype(np.float32) * 2 + 1
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        yv = s.run(y, {x: xv})
        if updates:
            s.run(updates, {x: xv})
        mm, mv = s.run(tf.global_variables()[2:])
    mean, var = xv.mean(0), xv.var(0)
    np.testing.assert_allclose(yv, (xv - mean) / np.sqrt(var + 1e-3), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(mm, 0.1 * mean, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(mv, 0.9 + 0.1 * var * 8 / 7, rtol=1e-5)   # unbiased (fused)


def test_small_cnn_trained_with_update_ops_idiom():
    rng = np.random.default_rng(3)
    xv = rng.standard_normal((16, 6, 6, 1)).astype(np.float32)
    yv = (xv.mean(axis=(1, 2, 3)) > 0).astype(np.int64)
    x = tf.placeholder(tf.float32, [None, 6, 6, 1])
    labels = tf.placeholder(tf.int64, [None])
    is_training = tf.placeholder(tf.bool, [])
    net = layers.conv2d(x, 4, [3, 3], normalizer_fn=layers.batch_norm,
                        normalizer_params={"is_training": is_training, "decay": 0.9})
    net = layers.max_pool2d(net, [2, 2])
    net = layers.flatten(net)
    net = layers.fully_connected(net, 8, weights_regularizer=layers.l2_regularizer(1e-3))
    net = layers.dropout(net, keep_prob=0.8, is_training=is_training)
    logits = layers.fully_connected(net, 2, activation_fn=None, scope="logits")
    loss = tf.losses.sparse_softmax_cross_entropy(labels, logits) + \
        tf.losses.get_regularization_loss()
    update_ops = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
    with tf.control_dependencies(update_ops):
        train_op = tf.train.AdamOptimizer(0.05).minimize(loss)
    assert _names(tf.trainable_variables()) == [
        "Conv/weights", "Conv/BatchNorm/beta", "fully_connected/weights",
        "fully_connected/biases", "logits/weights", "logits/biases"]
    tf.set_random_seed(0)
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        first = s.run(loss, {x: xv, labels: yv, is_training: False})
        for _ in range(30):
            s.run(train_op, {x: xv, labels: yv, is_training: True})
        last = s.run(loss, {x: xv, labels: yv, is_training: False})
        mm = s.run(tf.global_variables()[2])
    assert last < 0.5 * first
    assert np.abs(mm).sum() > 0                                  # moving mean was updated


def test_layer_norm_one_hot_and_embed_sequence():
    rng = np.random.default_rng(4)
    x = tf.placeholder(tf.float64, [None, 2, 3])
    y = layers.layer_norm(x)
    ids = tf.placeholder(tf.int32, [None, 4])
    emb = layers.embed_sequence(ids, vocab_size=5, embed_dim=3)
    oh = layers.one_hot_encoding(tf.constant([0, 2, 1]), 3)
    assert _names(tf.global_variables()) == ["LayerNorm/beta", "LayerNorm/gamma",
                                              "EmbedSequence/embeddings"]
    assert tf.global_variables()[0].shape.as_list() == [3]
    xv = rng.standard_normal((2, 2, 3))
    iv = np.array([[0, 1, 4, 4], [2, 2, 3, 0]], np.int32)
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        yv, ev, ohv, table = s.run([y, emb, oh, tf.global_variables()[2]], {x: xv, ids: iv})
    m = xv.mean(axis=(1, 2), keepdims=True)
    v = xv.var(axis=(1, 2), keepdims=True)
    np.testing.assert_allclose(yv, (xv - m) / np.sqrt(v + 1e-12), rtol=1e-10)
    np.testing.assert_array_equal(ev, table[iv])
    np.testing.assert_array_equal(ohv, np.eye(3, dtype=np.float32)[[0, 2, 1]])
    assert ohv.dtype == np.float32
    with pytest.raises(ValueError, match="Must specify vocab size and embedding dimension"):
        layers.embed_sequence(ids)


def test_initializers():
    w = tf.get_variable("w", [200, 300], initializer=layers.xavier_initializer(seed=1))
    h = tf.get_variable("h", [400, 300],
                        initializer=layers.variance_scaling_initializer(seed=2))
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        wv, hv = s.run([w, h])
    lim = np.sqrt(6 / 500)
    assert np.abs(wv).max() <= lim
    assert wv.std() == pytest.approx(lim / np.sqrt(3), rel=0.05)
    assert hv.std() == pytest.approx(np.sqrt(2 / 400), rel=0.05)      # He, truncated normal
    with pytest.raises(TypeError, match="Unknown mode"):
        layers.variance_scaling_initializer(mode="fan_in")


def test_slim_arg_scope_repeat_stack():
    slim = tf.contrib.slim
    x = tf.placeholder(tf.float32, [None, 6, 6, 1])
    with slim.arg_scope([slim.conv2d, slim.fully_connected], activation_fn=None,
                        weights_regularizer=slim.l2_regularizer(0.0005)):
        with slim.arg_scope([slim.conv2d], padding="VALID"):          # nested: adds padding
            net = slim.repeat(x, 2, slim.conv2d, 3, [3, 3], scope="conv1")
        same = slim.conv2d(x, 3, [3, 3], scope="same")                # outer scope only
        net = slim.stack(net, slim.conv2d, [(2, [1, 1]), (2, [1, 1])], scope="conv2")
        own = slim.conv2d(x, 2, [1, 1], activation_fn=tf.nn.relu, scope="own")   # call wins
        logits = slim.fully_connected(slim.flatten(net), 4, scope="fc")
    plain = slim.conv2d(x, 2, [1, 1], scope="plain")                   # contrib default: relu
    assert _names(tf.global_variables()) == [
        "conv1/conv1_1/weights", "conv1/conv1_1/biases", "conv1/conv1_2/weights",
        "conv1/conv1_2/biases", "same/weights", "same/biases", "conv2/conv2_1/weights",
        "conv2/conv2_1/biases", "conv2/conv2_2/weights", "conv2/conv2_2/biases",
        "own/weights", "own/biases", "fc/weights", "fc/biases", "plain/weights",
        "plain/biases"]
    assert net.shape.as_list() == [None, 2, 2, 2] and same.shape.as_list() == [None, 6, 6, 3]
    assert len(tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)) == 7
    xv = np.random.default_rng(5).standard_normal((2, 6, 6, 1)).astype(np.float32)
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        sv, ov, pv, lv = s.run([same, own, plain, logits], {x: xv})
    assert sv.min() < 0 and ov.min() >= 0 and pv.min() >= 0 and lv.shape == (2, 4)
    assert slim.get_variables_by_name("weights")[0].op.name == "conv1/conv1_1/weights"
    assert _names(slim.get_model_variables("fc")) == ["fc/weights", "fc/biases"]
    with pytest.raises(ValueError, match="is not decorated with @add_arg_scope"):
        with slim.arg_scope([tf.nn.relu], x=1):
            pass
    with pytest.raises(TypeError, match="list_ops_or_scope must either be a list/tuple"):
        with slim.arg_scope(slim.conv2d, padding="SAME"):
            pass


def test_optimize_loss_sgd_clipping_and_update_ops():
    rng = np.random.default_rng(6)
    xv = rng.standard_normal((8, 3)).astype(np.float32)
    yv = rng.standard_normal((8, 1)).astype(np.float32)
    x = tf.placeholder(tf.float32, [None, 3])
    w = tf.Variable(np.ones((3, 1), np.float32), name="w")
    bn = layers.batch_norm(x, decay=0.5)                     # its update ops must run
    loss = tf.reduce_mean(tf.square(tf.matmul(x, w) - yv)) + 0.0 * tf.reduce_sum(bn)
    gs = tf.train.get_or_create_global_step()
    train_op = layers.optimize_loss(loss, gs, 0.1, "SGD", clip_gradients=0.5)
    assert "OptimizeLoss/learning_rate" in _names(tf.global_variables())
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        got = s.run(train_op, {x: xv})
        w1, step, mm = s.run([w, gs, tf.global_variables()[2]])
    r = xv @ np.ones((3, 1)) - yv
    assert got == pytest.approx(np.mean(r ** 2), rel=1e-5)          # the loss before the step
    grad = 2 * xv.T @ r / 8
    grad *= min(1.0, 0.5 / np.linalg.norm(grad))
    np.testing.assert_allclose(w1, 1 - 0.1 * grad, rtol=1e-5)
    assert step == 1
    np.testing.assert_allclose(mm, 0.5 * xv.mean(0), rtol=1e-5)      # UPDATE_OPS ran
    with pytest.raises(ValueError, match=r"Optimizer name should be one of \[Adagrad, Adam, "
                                         r"Ftrl, Momentum, RMSProp, SGD\], you provided Foo"):
        layers.optimize_loss(loss, gs, 0.1, "Foo")
    with pytest.raises(ValueError, match="Learning rate is None"):
        layers.optimize_loss(loss, gs, None, "Adam")


def _conv_transpose_np(x, w, stride, padding):
    """NumPy: every input pixel adds x * w[:, :, o, c] at (i * s, j * s); SAME crops TF's way."""
    n, h, wd, c = x.shape
    kh, kw, o, _ = w.shape
    full = np.zeros((n, (h - 1) * stride + kh, (wd - 1) * stride + kw, o))
    for i in range(h):
        for j in range(wd):
            full[:, i * stride:i * stride + kh, j * stride:j * stride + kw, :] += np.einsum(
                "nc,aboc->nabo", x[:, i, j, :], w)
    if padding == "VALID":
        oh, ow = h * stride + max(kh - stride, 0), wd * stride + max(kw - stride, 0)
        return full[:, :oh, :ow]
    th, tw = max(kh - stride, 0), max(kw - stride, 0)
    return full[:, th // 2:th // 2 + h * stride, tw // 2:tw // 2 + wd * stride]


@pytest.mark.parametrize("padding", ["SAME", "VALID"])
def test_conv2d_transpose_against_numpy(padding):
    rng = np.random.default_rng(7)
    x = tf.placeholder(tf.float64, [None, 3, 2, 2])
    y = layers.conv2d_transpose(x, 3, [3, 3], stride=2, padding=padding, activation_fn=None,
                                biases_initializer=tf.constant_initializer(0.5))
    assert _names(tf.global_variables()) == ["Conv2d_transpose/weights",
                                              "Conv2d_transpose/biases"]
    assert tf.global_variables()[0].shape.as_list() == [3, 3, 3, 2]
    assert y.shape.as_list() == ([None, 6, 4, 3] if padding == "SAME" else [None, 7, 5, 3])
    xv = rng.standard_normal((2, 3, 2, 2))
    cot = rng.standard_normal((2,) + tuple(y.shape.as_list()[1:]))
    gx, = tf.gradients(tf.reduce_sum(y * cot), x)
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        w = s.run(tf.global_variables()[0])
        yv, gv = s.run([y, gx], {x: xv})
    ref = _conv_transpose_np(xv, w, 2, padding) + 0.5
    np.testing.assert_allclose(yv, ref, rtol=1e-10, atol=1e-12)
    from static_gradcheck import numeric_grad
    np.testing.assert_allclose(
        gv, numeric_grad(lambda v: np.sum(_conv_transpose_np(v, w, 2, padding) * cot), xv),
        rtol=1e-6, atol=1e-8)


def test_regularizer_sums_bias_add_softmax_unit_norm():
    rng = np.random.default_rng(8)
    wv = rng.standard_normal((3, 2))
    w = tf.constant(wv)
    l1l2 = layers.l1_l2_regularizer(0.3, 0.5)(w)
    only_l2 = layers.l1_l2_regularizer(0.0, 0.5)(w)
    summed = layers.sum_regularizer([None, layers.l1_regularizer(0.3)])(w)
    assert layers.sum_regularizer([None]) is None
    with pytest.raises(ValueError, match="scale_l1 cannot be an integer: 1"):
        layers.l1_l2_regularizer(1, 0.5)
    x = tf.placeholder(tf.float64, [None, 2, 3])
    b = layers.bias_add(x, activation_fn=tf.nn.relu,
                        initializer=tf.constant_initializer(-0.5))
    assert _names(tf.global_variables()) == ["BiasAdd/biases"]
    sm = layers.softmax(x)
    un = layers.unit_norm(x, 1)
    xv = rng.standard_normal((2, 2, 3))
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        a, c, d, bv, smv, unv = s.run([l1l2, only_l2, summed, b, sm, un], {x: xv})
    assert a == pytest.approx(0.3 * np.abs(wv).sum() + 0.5 * (wv ** 2).sum() / 2)
    assert c == pytest.approx(0.5 * (wv ** 2).sum() / 2)
    assert d == pytest.approx(0.3 * np.abs(wv).sum())
    np.testing.assert_allclose(bv, np.maximum(xv - 0.5, 0))
    e = np.exp(xv - xv.max(-1, keepdims=True))
    np.testing.assert_allclose(smv, e / e.sum(-1, keepdims=True), rtol=1e-12)
    np.testing.assert_allclose(unv, xv / np.sqrt(1e-7 + (xv ** 2).sum(1, keepdims=True)),
                               rtol=1e-12)
