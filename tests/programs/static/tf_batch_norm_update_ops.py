"""Batch normalization as "Hands-On Machine Learning" (1st edition, chapter 11) writes it:
functools.partial(tf.layers.batch_normalization, training=training, momentum=0.9), a
placeholder_with_default training flag, and the moving statistics updated by running the
UPDATE_OPS collection under tf.control_dependencies around the training op."""
from __future__ import print_function

from functools import partial

import numpy as np
import dlcore_static as tf

tf.set_random_seed(0)
rs = np.random.RandomState(0)
n_inputs, n_hidden1, n_hidden2, n_outputs = 6, 12, 10, 3
X_train = (rs.randn(90, n_inputs) * 3 + 2).astype(np.float32)
y_train = np.argmax(X_train[:, :3] - X_train[:, 3:], axis=1).astype(np.int64)

X = tf.placeholder(tf.float32, shape=(None, n_inputs), name="X")
y = tf.placeholder(tf.int64, shape=(None), name="y")
training = tf.placeholder_with_default(False, shape=(), name="training")

my_batch_norm_layer = partial(tf.layers.batch_normalization, training=training, momentum=0.9)
with tf.name_scope("dnn"):
    hidden1 = tf.layers.dense(X, n_hidden1, name="hidden1")
    bn1 = my_batch_norm_layer(hidden1)
    bn1_act = tf.nn.elu(bn1)
    hidden2 = tf.layers.dense(bn1_act, n_hidden2, name="hidden2")
    bn2 = my_batch_norm_layer(hidden2)
    bn2_act = tf.nn.elu(bn2)
    logits_before_bn = tf.layers.dense(bn2_act, n_outputs, name="outputs")
    logits = my_batch_norm_layer(logits_before_bn)
with tf.name_scope("loss"):
    xentropy = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)
    loss = tf.reduce_mean(xentropy, name="loss")
with tf.name_scope("train"):
    optimizer = tf.train.GradientDescentOptimizer(0.1)
    extra_update_ops = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
    with tf.control_dependencies(extra_update_ops):
        training_op = optimizer.minimize(loss)
with tf.name_scope("eval"):
    correct = tf.nn.in_top_k(logits, y, 1)
    accuracy = tf.reduce_mean(tf.cast(correct, tf.float32))

print("update ops", len(extra_update_ops))
print("moving variables", [v.name for v in tf.global_variables() if "moving" in v.name][:2])
init = tf.global_variables_initializer()
batch_size = 30
with tf.Session() as sess:
    init.run()
    moving_mean = [v for v in tf.global_variables() if v.name == "batch_normalization/moving_mean:0"][0]
    h1_batches = []
    for epoch in range(20):
        for i in range(0, 90, batch_size):
            xb, yb = X_train[i:i + batch_size], y_train[i:i + batch_size]
            if epoch == 0:
                h1_batches.append(sess.run(hidden1, feed_dict={X: xb}))
                if i == 0:
                    mm0 = moving_mean.eval()
            sess.run(training_op, feed_dict={training: True, X: xb, y: yb})
            if epoch == 0 and i == 0:
                mm1 = moving_mean.eval()
        if epoch % 5 == 4:
            print(epoch, "train accuracy:", accuracy.eval(feed_dict={X: X_train, y: y_train}))
    print("first update moving mean", mm1[:3])
    h1_first = h1_batches[0]
