"""Two saves at once (a Supervisor's checkpoint thread and the training loop's own save) leave
the ``checkpoint`` file naming the later step: each save reads the global step, writes its
files and registers its checkpoint as one step (``saver._SAVING``).  Before, the thread's save of
step 0 finished after the loop's save of step 20 and left step 0 as the latest, so a restarted
program began again at step 0 (TensorFlow's Supervisor guide)."""

from __future__ import annotations

import threading

import numpy as np

import dlcore_static as tf
from dlcore_static import checkpoint_format
from dlcore_static import saver as saver_mod


def test_a_save_started_first_and_finishing_last_does_not_become_the_latest(tmp_path,
                                                                           monkeypatch):
    real = checkpoint_format.write_variables
    inside = threading.Event()
    first = []

    def slow_first(path, arrays):       # the thread's save: paused while writing step 0
        if not first:
            first.append(path)
            inside.set()
            threading.Event().wait(0.3)
        return real(path, arrays)

    monkeypatch.setattr(saver_mod.checkpoint_format, "write_variables", slow_first)
    with tf.Graph().as_default():
        step = tf.Variable(0, name="global_step", trainable=False)
        w = tf.Variable(np.zeros(3, np.float32), name="w")
        bump = tf.assign_add(step, 20)
        saver = tf.train.Saver()
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            prefix = str(tmp_path / "model.ckpt")
            t = threading.Thread(target=saver.save, args=(sess, prefix), kwargs={
                "global_step": step})
            t.start()
            assert inside.wait(10)
            sess.run(bump)                               # the loop trains on meanwhile
            saver.save(sess, prefix, global_step=step)   # and saves step 20
            t.join(10)
        assert first == [prefix + "-0"]
        assert tf.train.latest_checkpoint(str(tmp_path)) == prefix + "-20"
        assert saver.last_checkpoints == [prefix + "-0", prefix + "-20"]
        with tf.Session() as sess:
            saver.restore(sess, tf.train.latest_checkpoint(str(tmp_path)))
            assert sess.run(step) == 20
            np.testing.assert_array_equal(sess.run(w), np.zeros(3, np.float32))
