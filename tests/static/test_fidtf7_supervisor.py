"""tf.train.Supervisor: its default ops, managed_session, checkpoints in logdir, restore,
exceptions (re-raised; OutOfRangeError a clean stop), summaries, the finalized graph."""

import os
import time

import numpy as np
import pytest

import dlcore_static as tf

X = np.linspace(-1, 1, 8, dtype=np.float32)[:, None]
Y = 3 * X


def _model():
    x = tf.placeholder(tf.float32, [None, 1], name="x")
    y = tf.placeholder(tf.float32, [None, 1], name="y")
    w = tf.Variable(tf.zeros([1, 1]), name="w")
    gs = tf.train.get_or_create_global_step()
    loss = tf.reduce_mean(tf.square(tf.matmul(x, w) - y))
    train = tf.train.GradientDescentOptimizer(0.5).minimize(loss, global_step=gs)
    return x, y, w, gs, train


def _numpy_w(steps):
    w = 0.0
    for _ in range(steps):
        w -= 0.5 * np.mean(2 * (X * w - Y) * X)
    return w


def test_managed_session_trains_checkpoints_and_restores(tmp_path):
    logdir = str(tmp_path)
    with tf.Graph().as_default() as g:
        x, y, w, gs, train = _model()
        sv = tf.train.Supervisor(logdir=logdir, summary_op=None, save_model_secs=3600)
        assert g.finalized and sv.global_step is gs and sv.saver is not None
        assert sv.save_path == os.path.join(logdir, "model.ckpt")
        with sv.managed_session() as sess:
            for _ in range(500):        # the checkpoint service saves at once (its thread)
                if os.path.exists(os.path.join(logdir, "checkpoint")):
                    break
                time.sleep(0.01)
            steps = 0
            while not sv.should_stop() and steps < 5:
                sess.run(train, {x: X, y: Y})
                steps += 1
            sv.saver.save(sess, sv.save_path, global_step=gs)
            np.testing.assert_allclose(sess.run(w)[0, 0], _numpy_w(5), rtol=1e-5)
        assert sv.should_stop()
    files = os.listdir(logdir)
    assert "model.ckpt-0.safetensors" in files           # the service's first checkpoint
    assert "model.ckpt-5.safetensors" in files and "checkpoint" in files
    assert any(f.startswith("events.out.tfevents") for f in files)
    with tf.Graph().as_default():
        x, y, w, gs, train = _model()
        sv = tf.train.Supervisor(logdir=logdir, summary_op=None, save_model_secs=0)
        with sv.managed_session() as sess:          # restored from model.ckpt-5
            assert sess.run(gs) == 5
            np.testing.assert_allclose(sess.run(w)[0, 0], _numpy_w(5), rtol=1e-5)


def test_exceptions_in_the_block(tmp_path):
    with tf.Graph().as_default():
        _model()
        sv = tf.train.Supervisor(logdir=str(tmp_path), summary_op=None, save_model_secs=0)
        with pytest.raises(KeyError, match="boom"), sv.managed_session():
            raise KeyError("boom")
        with sv.managed_session() as sess:
            raise tf.errors.OutOfRangeError(None, None, "end of data")
        assert sess._closed


def test_without_logdir_and_init_fn():
    seen = []
    with tf.Graph().as_default():
        v = tf.Variable(1.0, name="v")
        sv = tf.train.Supervisor(init_fn=lambda s: seen.append(s.run(v)))
        with sv.managed_session() as sess:
            assert sess.run(v) == 1.0
        assert seen == [1.0] and sv.summary_writer is None


def test_not_ready_raises():
    with tf.Graph().as_default():
        tf.Variable(1.0, name="v")
        sv = tf.train.Supervisor(init_op=tf.no_op())
        with pytest.raises(RuntimeError, match=r"^Init operations did not make model ready\. "
                                               r" Init op: NoOp, init fn: None, local_init_op: "
                                               r".*, error: Variables not initialized: v$"):
            sv.prepare_or_wait_for_session()


def test_summary_service_and_summary_computed(tmp_path):
    from dlcore_static.io.tfrecord import tf_record_iterator
    with tf.Graph().as_default():
        v = tf.Variable(2.0, name="v")
        s = tf.summary.scalar("value", v)
        sv = tf.train.Supervisor(logdir=str(tmp_path), save_model_secs=0)
        with sv.managed_session() as sess:
            sv.summary_computed(sess, sess.run(s))
    ev = [f for f in os.listdir(tmp_path) if f.startswith("events")]
    assert len(ev) == 1
    event_pb2 = pytest.importorskip("tensorboard.compat.proto.event_pb2")
    events = [event_pb2.Event.FromString(r) for r in tf_record_iterator(str(tmp_path / ev[0]))]
    assert any(e.graph_def for e in events)
    values = [(v.tag, v.simple_value) for e in events for v in e.summary.value]
    assert values.count(("value", 2.0)) == 2          # the service's first one and ours
