"""tf.train.Saver checkpoints the way the TF1 guides manage them: Saver(max_to_keep=2), a
save every few steps with global_step= (so 'model.ckpt-N' names), tf.train.latest_checkpoint
and tf.train.get_checkpoint_state to find the newest, then a fresh graph restored from it and
trained on; only the two newest checkpoints are left on disk."""
from __future__ import print_function

import os
import sys
import tempfile

import numpy as np
import dlcore_static as tf

ckpt_dir = sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp()
rs = np.random.RandomState(7)
x_data = rs.rand(50, 3).astype(np.float32)
y_data = x_data @ np.array([[1.0], [2.0], [-1.0]], np.float32) + 0.5


def build():
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    y = tf.placeholder(tf.float32, [None, 1], name="y")
    W = tf.Variable(tf.zeros([3, 1]), name="W")
    b = tf.Variable(tf.zeros([1]), name="b")
    global_step = tf.train.get_or_create_global_step()
    loss = tf.reduce_mean(tf.square(tf.matmul(x, W) + b - y))
    train_op = tf.train.GradientDescentOptimizer(0.3).minimize(loss, global_step=global_step)
    return x, y, W, b, global_step, loss, train_op


x, y, W, b, global_step, loss, train_op = build()
saver = tf.train.Saver(max_to_keep=2)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step in range(1, 31):
        sess.run(train_op, {x: x_data, y: y_data})
        if step % 10 == 0:
            path = saver.save(sess, os.path.join(ckpt_dir, "model.ckpt"), global_step=global_step)
            print("saved", os.path.basename(path), "loss", sess.run(loss, {x: x_data, y: y_data}))
    W_saved, b_saved = sess.run([W, b])
print("last checkpoints", [os.path.basename(p) for p in saver.last_checkpoints])

tf.reset_default_graph()
x, y, W, b, global_step, loss, train_op = build()
saver = tf.train.Saver()
latest = tf.train.latest_checkpoint(ckpt_dir)
state = tf.train.get_checkpoint_state(ckpt_dir)
print("latest", os.path.basename(latest))
print("state", os.path.basename(state.model_checkpoint_path),
      [os.path.basename(p) for p in state.all_model_checkpoint_paths])
with tf.Session() as sess:
    saver.restore(sess, latest)
    print("restored step", sess.run(global_step))
    print("restored equal", np.array_equal(sess.run(W), W_saved), np.array_equal(sess.run(b), b_saved))
    for _ in range(20):
        sess.run(train_op, {x: x_data, y: y_data})
    print("step", sess.run(global_step), "loss", sess.run(loss, {x: x_data, y: y_data}))
