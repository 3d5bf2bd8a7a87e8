"""Logistic regression with a Saver: train, save, restore into a new session and train on,
with the checkpoint directory from a flag (tf.app.flags, tf.app.run)."""
import os

import numpy as np
import dlcore_static as tf

flags = tf.app.flags
flags.DEFINE_string("model_dir", "/tmp/logreg", "Where the checkpoints go")
flags.DEFINE_integer("epochs", 20, "Training epochs per session")
FLAGS = flags.FLAGS

rs = np.random.RandomState(1)
data_x = rs.randn(120, 4).astype(np.float32)
true_w = rs.randn(4, 3)
data_y = np.eye(3, dtype=np.float32)[(data_x @ true_w).argmax(1)]


def build():
    x = tf.placeholder(tf.float32, [None, 4])
    y = tf.placeholder(tf.float32, [None, 3])
    W = tf.Variable(tf.zeros([4, 3]), name="W")
    b = tf.Variable(tf.zeros([3]), name="b")
    pred = tf.nn.softmax(tf.matmul(x, W) + b)
    cost = tf.reduce_mean(-tf.reduce_sum(y * tf.log(pred), reduction_indices=1))
    step = tf.train.get_or_create_global_step()
    train = tf.train.GradientDescentOptimizer(0.5).minimize(cost, global_step=step)
    correct = tf.equal(tf.argmax(pred, 1), tf.argmax(y, 1))
    accuracy = tf.reduce_mean(tf.cast(correct, tf.float32))
    return x, y, cost, train, accuracy, step


def main(argv):
    x, y, cost, train, accuracy, step = build()
    saver = tf.train.Saver(max_to_keep=2)
    tf.gfile.MakeDirs(FLAGS.model_dir)
    prefix = os.path.join(FLAGS.model_dir, "model.ckpt")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for epoch in range(FLAGS.epochs):
            _, c = sess.run([train, cost], feed_dict={x: data_x, y: data_y})
            if (epoch + 1) % 5 == 0:
                print("Epoch: %04d cost= %.9f" % (epoch + 1, c))
                saver.save(sess, prefix, global_step=step)
        print("Accuracy:", accuracy.eval({x: data_x, y: data_y}))

    tf.reset_default_graph()
    x, y, cost, train, accuracy, step = build()
    saver = tf.train.Saver()
    with tf.Session() as sess:
        latest = tf.train.latest_checkpoint(FLAGS.model_dir)
        saver.restore(sess, latest)
        print("Model restored from file: %s" % os.path.basename(latest))
        for epoch in range(FLAGS.epochs):
            _, c = sess.run([train, cost], feed_dict={x: data_x, y: data_y})
        print("Step:", sess.run(step), "cost= %.9f" % c)
        print("Accuracy:", accuracy.eval({x: data_x, y: data_y}))
    print("Checkpoints:", sorted(f for f in os.listdir(FLAGS.model_dir) if "ckpt" in f))
    return 0


if __name__ == "__main__":
    tf.app.run(main)
