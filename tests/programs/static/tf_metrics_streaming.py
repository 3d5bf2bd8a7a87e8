"""Streaming evaluation with tf.metrics (TF1 official tutorials' style): tf.metrics.accuracy,
tf.metrics.mean and tf.metrics.precision/recall return (value, update_op) pairs backed by local
variables; tf.local_variables_initializer() resets them, update_op runs per batch, the value is
read at the end.  A logistic model is fit first; its streamed metrics over 5 batches are
printed."""
from __future__ import print_function

import numpy as np
import dlcore_static as tf

rs = np.random.RandomState(3)
x_all = rs.randn(100, 4).astype(np.float32)
w_true = np.array([[1.5], [-2.0], [0.5], [0.0]], np.float32)
y_all = ((x_all @ w_true)[:, 0] + 0.5 * rs.randn(100) > 0).astype(np.int64)

x = tf.placeholder(tf.float32, [None, 4])
labels = tf.placeholder(tf.int64, [None])
w = tf.Variable(tf.zeros([4, 2]))
b = tf.Variable(tf.zeros([2]))
logits = tf.matmul(x, w) + b
loss = tf.losses.sparse_softmax_cross_entropy(labels=labels, logits=logits)
train = tf.train.GradientDescentOptimizer(0.5).minimize(loss)
predictions = tf.argmax(logits, 1)

acc, acc_op = tf.metrics.accuracy(labels=labels, predictions=predictions)
mean_loss, mean_loss_op = tf.metrics.mean(loss)
prec, prec_op = tf.metrics.precision(labels=labels, predictions=predictions)
rec, rec_op = tf.metrics.recall(labels=labels, predictions=predictions)
print("local variables:", len(tf.local_variables()))

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for _ in range(50):
        sess.run(train, {x: x_all, labels: y_all})
    sess.run(tf.local_variables_initializer())
    for i in range(5):
        fd = {x: x_all[i * 20:(i + 1) * 20], labels: y_all[i * 20:(i + 1) * 20]}
        sess.run([acc_op, mean_loss_op, prec_op, rec_op], fd)
    print("streamed accuracy", sess.run(acc))
    print("streamed mean loss", sess.run(mean_loss))
    print("streamed precision", sess.run(prec), "recall", sess.run(rec))
    pred_all = sess.run(predictions, {x: x_all})
    sess.run(tf.local_variables_initializer())
    print("after reset", sess.run(acc))
