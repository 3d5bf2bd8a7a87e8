"""``tf.train.SummarySaverHook`` and ``MonitoredTrainingSession``'s summaries as TF 1.15: the
graph's summaries are written to ``summary_dir`` (default ``checkpoint_dir``) every
``save_summaries_steps`` global steps (they were accepted and ignored: no event was written)."""
import os

import pytest

import dlcore_static as tf
from dlcore_static.io.tfrecord import tf_record_iterator


def _scalars(logdir, tag):
    event_pb2 = pytest.importorskip("tensorboard.compat.proto.event_pb2")
    files = [f for f in os.listdir(logdir) if f.startswith("events.out.tfevents")]
    assert len(files) == 1, files
    events = [event_pb2.Event.FromString(r)
              for r in tf_record_iterator(os.path.join(logdir, files[0]))]
    return [(e.step, round(v.simple_value, 6)) for e in events for v in e.summary.value
            if v.tag == tag]


def _model():
    step = tf.train.get_or_create_global_step()
    w = tf.Variable(1.0, name="w")
    loss = tf.square(w)
    tf.summary.scalar("loss", loss)
    train = tf.train.GradientDescentOptimizer(0.25).minimize(loss, global_step=step)
    return train


def test_monitored_training_session_writes_the_merged_summaries_every_n_steps(tmp_path):
    with tf.Graph().as_default():
        train = _model()
        with tf.train.MonitoredTrainingSession(checkpoint_dir=str(tmp_path),
                                               save_summaries_steps=2,
                                               save_checkpoint_secs=None,
                                               log_step_count_steps=None) as sess:
            for _ in range(5):
                sess.run(train)
    # w: 1 -> 0.5 -> 0.25 ...; loss fetched with the run at steps 0, 2, 4 (before each update),
    # written at the global step after it
    assert _scalars(str(tmp_path), "loss") == [(1, 1.0), (3, 0.0625), (5, 0.003906)]


def test_the_hook_with_a_summary_op_and_secs_and_its_errors(tmp_path):
    with tf.Graph().as_default():
        train = _model()
        hook = tf.train.SummarySaverHook(save_secs=3600, output_dir=str(tmp_path / "s"),
                                         summary_op=tf.summary.merge_all())
        with tf.train.MonitoredSession(hooks=[hook]) as sess:
            for _ in range(3):
                sess.run(train)
        assert _scalars(str(tmp_path / "s"), "loss") == [(1, 1.0)]    # the first run only
        with pytest.raises(ValueError, match="Exactly one of scaffold or summary_op"):
            tf.train.SummarySaverHook(save_steps=1)
        with pytest.raises(ValueError, match="exactly one of every_steps and every_secs"):
            tf.train.SummarySaverHook(summary_op=tf.summary.merge_all())
    with tf.Graph().as_default():
        tf.summary.scalar("x", tf.constant(1.0))
        hook = tf.train.SummarySaverHook(save_steps=1, summary_op=tf.summary.merge_all())
        with pytest.raises(RuntimeError, match="Global step should be created"):
            tf.train.MonitoredSession(hooks=[hook])
