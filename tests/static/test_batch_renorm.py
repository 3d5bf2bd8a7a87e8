"""``tf.contrib.layers.batch_norm(renorm=True, renorm_clipping=..., renorm_decay=...)`` against
a NumPy transcription of TensorFlow 1.15's batch renormalisation
(``BatchNormalizationBase._renorm_correction_and_moments``): outputs, the moving and renorm
variables over several update steps, the training flag as a tensor, gradients, and TF's
errors."""

import numpy as np
import pytest

import dlcore_static as tf


class _Renorm:
    """TF 1.15's renorm maths in NumPy (channels last)."""

    def __init__(self, c, decay, renorm_decay, eps, clipping):
        self.mm, self.mv = np.zeros(c), np.ones(c)
        self.rm, self.rs = np.zeros(c), np.zeros(c)
        self.rmw = self.rsw = 0.0
        self.decay, self.rdecay, self.eps, self.clip = decay, renorm_decay, eps, clipping

    def step(self, x, gamma, beta, training=True, update=True):
        axes = tuple(range(x.ndim - 1))
        if not training:
            return (x - self.mm) / np.sqrt(self.mv + self.eps) * gamma + beta, 1.0, 0.0
        mu, var = x.mean(axes), x.var(axes)
        std = np.sqrt(var + self.eps)
        mixed_m = self.rm + (1 - self.rmw) * mu
        mixed_s = self.rs + (1 - self.rsw) * std
        r, d = std / mixed_s, (mu - mixed_m) / mixed_s
        c = self.clip
        r = np.clip(r, c.get("rmin", -np.inf), c.get("rmax", np.inf))
        d = np.clip(d, -c.get("dmax", np.inf), c.get("dmax", np.inf))
        y = (x - mu) / std * (r * gamma) + (d * gamma + beta)
        if update:
            k = 1 - self.rdecay
            self.rm = self.rm - (self.rm - mu) * k
            self.rmw = self.rmw - (self.rmw - 1) * k
            self.rs = self.rs - (self.rs - std) * k
            self.rsw = self.rsw - (self.rsw - 1) * k
            new_mean, new_std = self.rm / self.rmw, self.rs / self.rsw
            k = 1 - self.decay
            self.mm = self.mm - (self.mm - new_mean) * k
            self.mv = self.mv - (self.mv - (new_std ** 2 - self.eps)) * k
        return y, r, d


CLIPS = [None, {"rmax": 1.2, "rmin": 0.9, "dmax": 0.1}]


@pytest.mark.parametrize("clipping", CLIPS, ids=["noclip", "clip"])
def test_renorm_outputs_and_variables_match_numpy_over_steps(clipping):
    rng = np.random.RandomState(0)
    xs = [rng.randn(6, 2, 3) * s + m for s, m in [(1.0, 0.0), (2.0, 1.0), (0.5, -1.0),
                                                    (3.0, 2.0)]]
    x = tf.placeholder(tf.float64, (None, 2, 3))
    y = tf.contrib.layers.batch_norm(x, decay=0.9, scale=True, renorm=True,
                                     renorm_clipping=clipping, renorm_decay=0.8)
    names = [v.op.name for v in tf.global_variables()]
    assert names == ["BatchNorm/gamma", "BatchNorm/beta", "BatchNorm/moving_mean",
                     "BatchNorm/moving_variance", "BatchNorm/renorm_mean",
                     "BatchNorm/renorm_mean_weight", "BatchNorm/renorm_stddev",
                     "BatchNorm/renorm_stddev_weight"]
    assert [v.op.name for v in tf.trainable_variables()] == ["BatchNorm/gamma",
                                                             "BatchNorm/beta"]
    gamma, beta = tf.trainable_variables()
    updates = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
    assert len(updates) == 2
    ref = _Renorm(3, 0.9, 0.8, 0.001, clipping or {})
    g0, b0 = np.array([1.5, 0.5, 1.0]), np.array([0.1, -0.2, 0.3])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run([gamma.assign(g0), beta.assign(b0)])
        for xv in xs:
            got = sess.run([y] + updates, {x: xv})[0]
            want, r, d = ref.step(xv, g0, b0)
            np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
        v = dict(zip(names, sess.run(tf.global_variables())))
        np.testing.assert_allclose(v["BatchNorm/moving_mean"], ref.mm, rtol=1e-10)
        np.testing.assert_allclose(v["BatchNorm/moving_variance"], ref.mv, rtol=1e-10)
        np.testing.assert_allclose(v["BatchNorm/renorm_mean"], ref.rm, rtol=1e-10)
        np.testing.assert_allclose(v["BatchNorm/renorm_stddev"], ref.rs, rtol=1e-10)
        np.testing.assert_allclose(v["BatchNorm/renorm_mean_weight"], ref.rmw, rtol=1e-12)
        np.testing.assert_allclose(v["BatchNorm/renorm_stddev_weight"], ref.rsw, rtol=1e-12)
        if clipping:        # the later batches were clipped
            assert not (np.all(r < 1.2) and np.all(r > 0.9) and np.all(abs(d) < 0.1))
        # without the update ops the output still renormalises, and nothing moves
        before = sess.run(tf.global_variables())
        got = sess.run(y, {x: xs[0]})
        np.testing.assert_allclose(got, ref.step(xs[0], g0, b0, update=False)[0], rtol=1e-10)
        for a, b in zip(sess.run(tf.global_variables()), before):
            np.testing.assert_array_equal(a, b)


def test_renorm_training_tensor_float32_and_inference():
    rng = np.random.RandomState(1)
    xs = [(rng.randn(8, 4) * 2 + 1).astype(np.float32) for _ in range(3)]
    x = tf.placeholder(tf.float32, (None, 4))
    training = tf.placeholder(tf.bool, ())
    y = tf.contrib.layers.batch_norm(x, is_training=training, renorm=True, renorm_decay=0.5,
                                     decay=0.5, renorm_clipping={"rmax": 3.0})
    updates = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
    ref = _Renorm(4, 0.5, 0.5, 0.001, {"rmax": 3.0})
    ones, zeros = np.ones(4), np.zeros(4)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for xv in xs:
            got = sess.run([y] + updates, {x: xv, training: True})[0]
            np.testing.assert_allclose(got, ref.step(xv.astype(np.float64), ones, zeros)[0],
                                       rtol=2e-5, atol=2e-5)
            assert got.dtype == np.float32
        before = sess.run(tf.global_variables())
        # not training: the moving statistics, r = 1, d = 0, and the updates change nothing
        got = sess.run([y] + updates, {x: xs[0], training: False})[0]
        np.testing.assert_allclose(got, ref.step(xs[0].astype(np.float64), ones, zeros,
                                                 training=False)[0], rtol=2e-5, atol=2e-5)
        for a, b in zip(sess.run(tf.global_variables()), before):
            np.testing.assert_array_equal(a, b)
    # a Python False builds the inference graph alone
    with tf.Graph().as_default():
        x2 = tf.placeholder(tf.float32, (None, 4))
        tf.contrib.layers.batch_norm(x2, is_training=False, renorm=True)
        assert tf.get_collection(tf.GraphKeys.UPDATE_OPS) == []


def test_renorm_gradients_hold_r_and_d_constant():
    """dy/dx is batch normalisation's with the scale r * gamma (r, d: stop_gradient)."""
    rng = np.random.RandomState(2)
    x0, x1 = rng.randn(5, 3) * 2 + 1, rng.randn(5, 3)
    gy = rng.randn(5, 3)
    x = tf.placeholder(tf.float64, (5, 3))
    y = tf.contrib.layers.batch_norm(x, scale=True, renorm=True, renorm_decay=0.5,
                                     renorm_clipping={"rmax": 1.1, "dmax": 0.2})
    gamma, beta = tf.trainable_variables()
    dx, dg, db = tf.gradients(y, [x, gamma, beta], grad_ys=tf.constant(gy))
    updates = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
    ref = _Renorm(3, 0.999, 0.5, 0.001, {"rmax": 1.1, "dmax": 0.2})
    g0 = np.ones(3)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(updates, {x: x0})
        ref.step(x0, g0, 0.0)
        got = sess.run([dx, dg, db], {x: x1})
    _, r, d = ref.step(x1, g0, 0.0, update=False)
    assert not np.allclose(r, 1.0)
    std = np.sqrt(x1.var(0) + 0.001)
    xhat = (x1 - x1.mean(0)) / std
    want_dx = r * g0 / std * (gy - gy.mean(0) - xhat * (gy * xhat).mean(0))
    np.testing.assert_allclose(got[0], want_dx, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(got[1], (gy * (xhat * r + d)).sum(0), rtol=1e-9)
    np.testing.assert_allclose(got[2], gy.sum(0), rtol=1e-9)


def test_renorm_errors_as_tensorflow():
    x = tf.placeholder(tf.float32, (None, 4))
    with pytest.raises(ValueError, match=r"^renorm_clipping \{'rmax': 2\.0, 'r_max': 1\} "
                       r"contains keys not in \['rmax', 'rmin', 'dmax'\]$"):
        tf.contrib.layers.batch_norm(x, renorm=True, renorm_clipping={"rmax": 2.0, "r_max": 1})
    with pytest.raises(ValueError, match="^renorm is not supported with batch_weights, "
                       "updates_collections or zero_debias_moving_mean$"):
        tf.contrib.layers.batch_norm(x, renorm=True, updates_collections=None)
    assert tf.global_variables() == []


def test_tf_layers_batch_normalization_renorm_matches_numpy():
    rng = np.random.RandomState(3)
    xs = [rng.randn(4, 2, 2, 3) * s + m for s, m in [(1.0, 0.0), (2.0, 1.0), (0.5, -1.0)]]
    x = tf.placeholder(tf.float64, (None, 2, 2, 3))
    clip = {"rmax": 1.5, "dmax": 0.5}
    y = tf.layers.batch_normalization(x, training=True, momentum=0.9, renorm=True,
                                      renorm_clipping=clip, renorm_momentum=0.8)
    assert [v.op.name for v in tf.global_variables()] == [
        "batch_normalization/gamma", "batch_normalization/beta",
        "batch_normalization/moving_mean", "batch_normalization/moving_variance",
        "batch_normalization/renorm_mean", "batch_normalization/renorm_mean_weight",
        "batch_normalization/renorm_stddev", "batch_normalization/renorm_stddev_weight"]
    updates = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
    ref = _Renorm(3, 0.9, 0.8, 0.001, clip)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for xv in xs:
            got = sess.run([y] + updates, {x: xv})[0]
            np.testing.assert_allclose(got, ref.step(xv, 1.0, 0.0)[0], rtol=1e-10,
                                       atol=1e-12)
        mm, mv = sess.run(tf.global_variables()[2:4])
    np.testing.assert_allclose(mm, ref.mm, rtol=1e-10)
    np.testing.assert_allclose(mv, ref.mv, rtol=1e-10)
    with pytest.raises(ValueError, match="contains keys not in"):
        tf.layers.batch_normalization(x, renorm=True, renorm_clipping={"max": 1.0})
