"""tf.nn activations and losses, tf.losses, tf.metrics, Saver checkpoints, and the program
scaffolding (tf.app, tf.flags, tf.gfile, tf.logging) (issue 14)."""

from __future__ import annotations

import logging
import os

import numpy as np
import pytest

import dlcore_static as tf

RNG = np.random.default_rng(1414)


@pytest.fixture(autouse=True)
def fresh_graph():
    tf.reset_default_graph()
    yield
    tf.reset_default_graph()


def run(fetches, feed=None):
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        s.run(tf.local_variables_initializer())
        return s.run(fetches, feed)


def _sig(x):
    return 1 / (1 + np.exp(-x))


def test_activations():
    a = RNG.standard_normal((3, 4)) * 3
    x = tf.constant(a)
    got = run([tf.nn.elu(x), tf.nn.selu(x), tf.nn.softplus(x), tf.nn.softsign(x),
               tf.nn.relu6(x), tf.nn.leaky_relu(x), tf.nn.leaky_relu(x, alpha=0.1),
               tf.nn.log_softmax(x), tf.nn.l2_normalize(x, axis=1)])
    elu = np.where(a > 0, a, np.expm1(a))
    np.testing.assert_allclose(got[0], elu)
    np.testing.assert_allclose(got[1], 1.0507009873554805 * np.where(
        a > 0, a, 1.6732632423543772 * np.expm1(a)))
    np.testing.assert_allclose(got[2], np.log1p(np.exp(a)))
    np.testing.assert_allclose(got[3], a / (1 + np.abs(a)))
    np.testing.assert_allclose(got[4], np.clip(a, 0, 6))
    np.testing.assert_allclose(got[5], np.where(a > 0, a, 0.2 * a))
    np.testing.assert_allclose(got[6], np.where(a > 0, a, 0.1 * a))
    ls = a - a.max(1, keepdims=True)
    np.testing.assert_allclose(got[7], ls - np.log(np.exp(ls).sum(1, keepdims=True)))
    np.testing.assert_allclose(got[8], a / np.linalg.norm(a, axis=1, keepdims=True))


def test_nn_cross_entropies():
    lg = RNG.standard_normal((4, 3))
    z = RNG.uniform(0, 1, (4, 3))
    onehot = np.eye(3)[[0, 2, 1, 1]]
    got = run([tf.nn.softmax_cross_entropy_with_logits_v2(labels=onehot, logits=lg),
               tf.nn.sparse_softmax_cross_entropy_with_logits(labels=[0, 2, 1, 1], logits=lg),
               tf.nn.sigmoid_cross_entropy_with_logits(labels=z, logits=lg),
               tf.nn.weighted_cross_entropy_with_logits(labels=z, logits=lg, pos_weight=3.0),
               tf.nn.l2_loss(tf.constant(lg))])
    logp = lg - np.log(np.exp(lg).sum(1, keepdims=True))
    np.testing.assert_allclose(got[0], -(onehot * logp).sum(1))
    np.testing.assert_allclose(got[1], -(onehot * logp).sum(1))
    p = _sig(lg)
    np.testing.assert_allclose(got[2], -(z * np.log(p) + (1 - z) * np.log(1 - p)))
    np.testing.assert_allclose(got[3], -(3.0 * z * np.log(p) + (1 - z) * np.log(1 - p)))
    np.testing.assert_allclose(got[4], (lg ** 2).sum() / 2)
    with pytest.raises(ValueError, match="Only call `sigmoid_cross_entropy_with_logits`"):
        tf.nn.sigmoid_cross_entropy_with_logits(lg, z)


def test_tf_losses_with_weights_and_reductions():
    y = RNG.standard_normal((5, 2))
    p = RNG.standard_normal((5, 2))
    w = np.array([[1.0], [0.0], [2.0], [1.0], [0.0]])
    R = tf.losses.Reduction
    e = np.abs(p - y)
    hub = np.where(e <= 1.0, 0.5 * e ** 2, e - 0.5)
    got = run([tf.losses.huber_loss(y, p), tf.losses.huber_loss(y, p, weights=w),
               tf.losses.absolute_difference(y, p, reduction=R.SUM),
               tf.losses.mean_squared_error(y, p, weights=w, reduction=R.MEAN),
               tf.losses.huber_loss(y, p, reduction=R.NONE)])
    np.testing.assert_allclose(got[0], hub.mean())
    ww = np.broadcast_to(w, hub.shape)
    np.testing.assert_allclose(got[1], (hub * ww).sum() / (ww != 0).sum())
    np.testing.assert_allclose(got[2], e.sum())
    # TF 1.15's tf.losses take float64 data to float32 (to_float) and return float32
    np.testing.assert_allclose(got[3], ((p - y) ** 2 * ww).sum() / ww.sum(), rtol=1e-6)
    np.testing.assert_allclose(got[4], hub, rtol=1e-6)
    assert got[3].dtype == np.float32 and got[4].dtype == np.float32
    pr = RNG.uniform(0.05, 0.95, (6,))
    lb = (RNG.random(6) < 0.5).astype(float)
    ll = run(tf.losses.log_loss(lb, pr))
    np.testing.assert_allclose(ll, np.mean(-lb * np.log(pr + 1e-7) -
                                           (1 - lb) * np.log(1 - pr + 1e-7)), rtol=1e-6)
    assert len(tf.losses.get_losses()) == 6
    lg = RNG.standard_normal((4, 3))
    sw = np.array([1.0, 2.0, 0.0, 1.0])
    got = run(tf.losses.sparse_softmax_cross_entropy([0, 1, 2, 0], lg, weights=sw))
    logp = lg - np.log(np.exp(lg).sum(1, keepdims=True))
    per = -logp[np.arange(4), [0, 1, 2, 0]]
    np.testing.assert_allclose(got, (per * sw).sum() / 3)


def test_metrics_accuracy_and_mean():
    y = tf.placeholder(tf.int64, [None])
    p = tf.placeholder(tf.int64, [None])
    acc, up = tf.metrics.accuracy(y, p)
    m, mu = tf.metrics.mean(tf.cast(y, tf.float32))
    assert {v.op.name for v in tf.local_variables()} == {
        "accuracy/total", "accuracy/count", "mean/total", "mean/count"}
    with tf.Session() as s:
        s.run(tf.local_variables_initializer())
        assert s.run(acc) == 0.0
        s.run([up, mu], {y: [1, 2, 3], p: [1, 2, 0]})
        s.run([up, mu], {y: [1], p: [0]})
        np.testing.assert_allclose(s.run([acc, m]), [0.5, 7 / 4])


def test_saver_max_to_keep_latest_checkpoint_and_fresh_graph(tmp_path):
    w = tf.Variable(np.arange(3.0), name="w")
    step = tf.train.get_or_create_global_step()
    inc = tf.assign_add(step, 1)
    upd = tf.assign_add(w, tf.ones(3, tf.float64))
    saver = tf.train.Saver(max_to_keep=2)
    prefix = str(tmp_path / "model.ckpt")
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        for _ in range(3):
            s.run([upd, inc])
            saver.save(s, prefix, global_step=step)
    files = sorted(os.listdir(tmp_path))
    assert files == ["checkpoint", "model.ckpt-2.meta", "model.ckpt-2.safetensors",
                     "model.ckpt-3.meta", "model.ckpt-3.safetensors"]   # .meta: TF's default
    latest = tf.train.latest_checkpoint(str(tmp_path))
    assert latest == prefix + "-3"
    assert tf.train.latest_checkpoint(str(tmp_path / "nothing")) is None
    tf.reset_default_graph()
    w2 = tf.Variable(np.zeros(3), name="w")
    with tf.Session() as s:
        tf.train.Saver([w2]).restore(s, latest)
        np.testing.assert_array_equal(s.run(w2), np.arange(3.0) + 3)


def test_flags_app_run_gfile_logging(tmp_path, caplog, monkeypatch):
    from dlcore_static.platform import flags as F
    F.FLAGS.reset()
    tf.app.flags.DEFINE_integer("steps", 3, "training steps")
    tf.flags.DEFINE_boolean("fast", False, "go fast")
    tf.flags.DEFINE_string("data_dir", "/tmp/data", "where")
    tf.flags.DEFINE_float("lr", 0.1, "rate")
    seen = {}

    def main(argv):
        seen.update(F.FLAGS.flag_values_dict(), argv=argv)
        return 0
    monkeypatch.setattr("sys.argv", ["prog", "--steps=7", "--fast", "--lr", "0.5", "extra"])
    with pytest.raises(SystemExit) as ex:
        tf.app.run(main)
    assert ex.value.code == 0
    assert seen == {"steps": 7, "fast": True, "data_dir": "/tmp/data", "lr": 0.5,
                    "argv": ["prog", "extra"]}
    F.FLAGS(["prog", "--fast=false"])
    assert tf.flags.FLAGS.fast is False
    with pytest.raises(AttributeError, match="Unknown command line flag 'nope'"):
        tf.flags.FLAGS.nope
    F.FLAGS.reset()

    d = tmp_path / "a" / "b"
    tf.gfile.MakeDirs(str(d))
    assert tf.gfile.Exists(str(d)) and tf.gfile.IsDirectory(str(d))
    with tf.gfile.GFile(str(d / "f.txt"), "w") as f:
        f.write("hello\n")
    with tf.gfile.GFile(str(d / "f.txt")) as f:
        assert f.read() == "hello\n"
    assert tf.gfile.Glob(str(d / "*.txt")) == [str(d / "f.txt")]
    with pytest.raises(tf.errors.NotFoundError, match="No such file"):
        tf.gfile.GFile(str(d / "missing.txt"))
    tf.gfile.DeleteRecursively(str(tmp_path / "a"))
    assert not tf.gfile.Exists(str(tmp_path / "a"))

    lg = logging.getLogger("tensorflow")
    lg.propagate = True
    try:
        tf.logging.set_verbosity(tf.logging.INFO)
        with caplog.at_level(logging.INFO, logger="tensorflow"):
            tf.logging.info("step %d", 5)
        assert "step 5" in caplog.text
    finally:
        lg.propagate = False
        tf.logging.set_verbosity(tf.logging.WARN)
