"""tf.train.MonitoredTrainingSession and its hooks, as TF1 programs use them: stop at a step,
checkpoints saved and restored across sessions, hooks' extra fetches and feeds, the end of a
tf.data iterator ending training quietly, NaN losses."""

from __future__ import annotations

import logging

import numpy as np
import pytest

import dlcore_static as tf


def _model():
    step = tf.train.get_or_create_global_step()
    x = tf.placeholder(tf.float32, [None])
    w = tf.Variable(0.0)
    loss = tf.reduce_mean(tf.square(w * x - 2.0 * x))
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss, global_step=step)
    return step, x, w, loss, train


def test_stop_at_step_and_checkpoints_restore_in_a_new_session(tmp_path, caplog):
    with tf.Graph().as_default():
        _stop_and_restore(tmp_path, caplog)


def _stop_and_restore(tmp_path, caplog):
    step, x, w, loss, train = _model()
    hooks = [tf.train.StopAtStepHook(last_step=7),
             tf.train.LoggingTensorHook({"loss": loss, "step": step}, every_n_iter=3)]
    n = 0
    with caplog.at_level(logging.INFO, logger="dlcore_static"):
        with tf.train.MonitoredTrainingSession(checkpoint_dir=str(tmp_path), hooks=hooks,
                                               save_checkpoint_steps=5) as sess:
            while not sess.should_stop():
                sess.run(train, {x: np.ones(4, np.float32)})
                n += 1
    assert n == 7
    assert sum("loss = " in r.getMessage() for r in caplog.records) == 3     # runs 0, 3, 6
    ckpt = tf.train.latest_checkpoint(str(tmp_path))
    assert ckpt.endswith("model.ckpt-7")
    # the same graph in a new monitored session resumes from step 7 and w's trained value
    with tf.train.MonitoredTrainingSession(checkpoint_dir=str(tmp_path),
                                           hooks=[tf.train.StopAtStepHook(num_steps=2)]) as sess:
        assert sess.run(step) == 7
        wv = 0.0
        for _ in range(7):
            wv -= 0.1 * 2 * (wv - 2.0)
        np.testing.assert_allclose(sess.run(w), wv, rtol=1e-5)
        while not sess.should_stop():
            sess.run(train, {x: np.ones(4, np.float32)})
        assert sess._tf_sess().run(step) == 9          # (TF's accessor; no hooks)


def test_custom_hook_fetches_feeds_and_requests_stop():
    with tf.Graph().as_default():
        _custom_hook()


def _custom_hook():
    step, x, w, loss, train = _model()
    seen = []

    class Hook(tf.train.SessionRunHook):
        def before_run(self, run_context):
            return tf.train.SessionRunArgs(loss, feed_dict={x: np.full(2, 3.0, np.float32)})

        def after_run(self, run_context, run_values):
            seen.append(run_values.results)
            if len(seen) == 3:
                run_context.request_stop()

    with tf.train.MonitoredSession(hooks=[Hook()]) as sess:
        while not sess.should_stop():
            sess.run(train)
        with pytest.raises(RuntimeError, match="Run called even after should_stop"):
            sess.run(train)
    assert len(seen) == 3 and seen[0] == pytest.approx(36.0)        # (0*3 - 2*3)^2
    assert seen[1] < seen[0]


def test_end_of_data_ends_training_and_nan_hook():
    with tf.Graph().as_default():
        _end_of_data()
    with tf.Graph().as_default():
        _nan()


def _end_of_data():
    step = tf.train.get_or_create_global_step()
    ds = tf.data.Dataset.from_tensor_slices(np.arange(5, dtype=np.float32)).batch(2)
    v = ds.make_one_shot_iterator().get_next()
    total = tf.Variable(0.0)
    acc = tf.group(total.assign_add(tf.reduce_sum(v)), step.assign_add(1))
    hook = tf.train.FinalOpsHook(total)
    with tf.train.MonitoredSession(hooks=[hook]) as sess:
        while not sess.should_stop():
            sess.run(acc)
    assert hook.final_ops_values == 10.0


def _nan():
    bad = tf.constant(float("nan"))
    with pytest.raises(tf.train.NanLossDuringTrainingError):
        with tf.train.MonitoredSession(hooks=[tf.train.NanTensorHook(bad)]) as sess:
            sess.run(bad)
    with pytest.raises(ValueError, match="One of num_steps or last_step must be specified"):
        tf.train.StopAtStepHook()
