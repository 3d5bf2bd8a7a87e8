"""TF 1.x's "Supervisor: Training Helper for Days-Long Trainings" guide, with ``import
tensorflow as tf`` renamed: a linear model trained under ``tf.train.Supervisor`` (logdir,
global step, summaries and checkpoints by the services, ``managed_session`` and
``should_stop``), then the same program run again: the Supervisor restores the last checkpoint
and training continues from its global step."""
# ruff: noqa: UP031  (written in the tutorial's own style)

import argparse
import tempfile

import numpy as np

import dlcore_static as tf

parser = argparse.ArgumentParser()
parser.add_argument("--logdir", type=str, default=tempfile.mkdtemp())
parser.add_argument("--steps", type=int, default=40)
FLAGS = parser.parse_args()

rng = np.random.RandomState(1)
X_DATA = rng.randn(64, 3).astype(np.float32)
Y_DATA = X_DATA @ np.array([[1.5], [-2.0], [0.5]], np.float32) + 0.25


def train(max_steps):
    with tf.Graph().as_default():
        x = tf.constant(X_DATA)
        y = tf.constant(Y_DATA)
        w = tf.Variable(tf.zeros([3, 1]), name="weights")
        b = tf.Variable(tf.zeros([1]), name="bias")
        loss = tf.reduce_mean(tf.square(tf.matmul(x, w) + b - y))
        tf.summary.scalar("loss", loss)
        global_step = tf.Variable(0, name="global_step", trainable=False)
        my_train_op = tf.train.GradientDescentOptimizer(0.1).minimize(
            loss, global_step=global_step)

        sv = tf.train.Supervisor(logdir=FLAGS.logdir, global_step=global_step,
                                 save_model_secs=600, save_summaries_secs=600)
        with sv.managed_session() as sess:
            print("starting at step", sess.run(global_step))
            while not sv.should_stop():
                _, step = sess.run([my_train_op, global_step])
                if step % 10 == 0:
                    print("step %d loss %.5f" % (step, sess.run(loss)))
                if step >= max_steps:
                    sv.saver.save(sess, sv.save_path, global_step=global_step)
                    sv.request_stop()
            final = sess.run({"w": w, "b": b, "step": global_step, "loss": loss})
    return final


first = train(FLAGS.steps // 2)
print("first run stopped at", first["step"])
second = train(FLAGS.steps)           # restarted: picks up the last checkpoint
print("second run stopped at", second["step"], "loss %.5f" % second["loss"])
