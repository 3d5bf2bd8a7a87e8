"""TF1 program of session 20 (fidtf9), written as such programs are (``import tensorflow as
tf`` renamed ``import dlcore_static as tf``; tiny sizes, synthetic data):

* tf_warm_start_monitored_fidtf9.py: an embedding warm-started from a "pretrained" checkpoint
  through embedding_column(ckpt_to_load_from=, tensor_name_in_ckpt=), trained in a
  MonitoredTrainingSession with a Scaffold (init_fn, Saver(max_to_keep=2)), StopAtStepHook,
  checkpoints and summaries; checked against the fetched values, the event file and a NumPy
  recomputation of the loss from the last checkpoint.
"""

from __future__ import annotations

import os
import runpy
import sys

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static.io.tfrecord import tf_record_iterator

HERE = os.path.dirname(__file__)


def run_program(name, capsys, argv=()):
    tf.reset_default_graph()
    old = sys.argv
    sys.argv = [name, *argv]
    try:
        env = runpy.run_path(os.path.join(HERE, name), run_name="__main__")
    finally:
        sys.argv = old
    return capsys.readouterr().out, env


def test_warm_started_embedding_in_a_monitored_training_session(capsys, tmp_path):
    event_pb2 = pytest.importorskip("tensorboard.compat.proto.event_pb2")
    out, env = run_program("tf_warm_start_monitored_fidtf9.py", capsys, [str(tmp_path)])
    assert "table warm-started: True" in out
    assert "graph finalized in init_fn: True" in out          # Scaffold.finalize ran first
    assert "steps run: 30" in out
    assert "checkpoints kept: ['model.ckpt-20', 'model.ckpt-30']" in out   # max_to_keep=2
    losses = env["losses"]
    assert losses[-1] < 0.1 * losses[0]
    train_dir = str(tmp_path / "train")
    tf.summary.FileWriterCache.get(train_dir).flush()
    files = [f for f in os.listdir(train_dir) if f.startswith("events.out.tfevents")]
    events = [event_pb2.Event.FromString(r)
              for r in tf_record_iterator(os.path.join(train_dir, files[0]))]
    written = {(e.step, v.tag): v.simple_value for e in events for v in e.summary.value}
    # the loss summary rides on runs 0, 10, 20 and is written at the global step after them
    assert sorted(k for k in written if k[1] == "loss") == [(1, "loss"), (11, "loss"),
                                                            (21, "loss")]
    for step in (1, 11, 21):
        assert written[(step, "loss")] == pytest.approx(losses[step - 1], rel=1e-6)
    assert sorted(k[0] for k in written if k[1] == "global_step/sec") == [11, 21]
    # the last checkpoint's weights give, in NumPy, a loss below the last one fetched
    ckpt = tf.train.latest_checkpoint(train_dir)
    reader = tf.train.load_checkpoint(ckpt)
    table = reader.get_tensor("input_layer/word_embedding/embedding_weights")
    kernel, bias = reader.get_tensor("out/kernel"), reader.get_tensor("out/bias")
    assert not np.allclose(table, env["pretrained"])        # trained from the warm start
    x, y = env["x"], env["y"]
    z = (table[x] @ kernel)[:, 0] + bias[0]
    loss = np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z))))
    assert reader.get_tensor("global_step") == 30
    assert loss < losses[-1]
