"""Gradient clipping as "Hands-On Machine Learning" (1st edition, chapter 11) writes it:
optimizer.compute_gradients, tf.clip_by_value on each gradient, apply_gradients; then the
clip_by_global_norm variant, and tf.stop_gradient to freeze the lower layer (its gradient is
None).  A deep tanh MLP on a synthetic regression, tiny sizes."""
from __future__ import print_function

import numpy as np
import dlcore_static as tf

tf.set_random_seed(42)
rs = np.random.RandomState(42)
n_inputs, n_hidden1, n_hidden2, n_outputs = 5, 16, 16, 1
X_data = rs.randn(64, n_inputs).astype(np.float32)
y_data = (X_data[:, :1] * 3.0 - X_data[:, 1:2] ** 2).astype(np.float32)

X = tf.placeholder(tf.float32, shape=(None, n_inputs), name="X")
y = tf.placeholder(tf.float32, shape=(None, n_outputs), name="y")
with tf.name_scope("dnn"):
    hidden1 = tf.layers.dense(X, n_hidden1, activation=tf.nn.tanh, name="hidden1")
    hidden2 = tf.layers.dense(hidden1, n_hidden2, activation=tf.nn.tanh, name="hidden2")
    output = tf.layers.dense(hidden2, n_outputs, name="output")
with tf.name_scope("loss"):
    loss = tf.reduce_mean(tf.square(output - y), name="mse")

threshold = 1.0
learning_rate = 0.05
optimizer = tf.train.GradientDescentOptimizer(learning_rate)
grads_and_vars = optimizer.compute_gradients(loss)
capped_gvs = [(tf.clip_by_value(grad, -threshold, threshold), var)
              for grad, var in grads_and_vars]
training_op = optimizer.apply_gradients(capped_gvs)

grads = [g for g, v in grads_and_vars]
clipped, global_norm = tf.clip_by_global_norm(grads, 2.0)
tvars = [v for g, v in grads_and_vars]
training_op_norm = optimizer.apply_gradients(zip(clipped, tvars))
clipped_norm = tf.global_norm(clipped)

hidden1_stop = tf.stop_gradient(hidden1)
hidden2b = tf.layers.dense(hidden1_stop, n_hidden2, activation=tf.nn.tanh, name="hidden2b")
output_b = tf.layers.dense(hidden2b, n_outputs, name="output_b")
loss_b = tf.reduce_mean(tf.square(output_b - y))
frozen_grads = tf.gradients(loss_b, tf.trainable_variables())

init = tf.global_variables_initializer()
with tf.Session() as sess:
    init.run()
    print("first loss", loss.eval(feed_dict={X: X_data, y: y_data}))
    raw = sess.run(grads, feed_dict={X: X_data, y: y_data})
    capped = sess.run([g for g, _ in capped_gvs], feed_dict={X: X_data, y: y_data})
    print("max |capped grad|", max(float(np.abs(c).max()) for c in capped))
    gn, cn = sess.run([global_norm, clipped_norm], feed_dict={X: X_data, y: y_data})
    print("global norm", gn, "clipped norm", cn)
    for epoch in range(100):
        sess.run(training_op, feed_dict={X: X_data, y: y_data})
    print("loss after clip_by_value", loss.eval(feed_dict={X: X_data, y: y_data}))
    for epoch in range(100):
        sess.run(training_op_norm, feed_dict={X: X_data, y: y_data})
    print("loss after clip_by_global_norm", loss.eval(feed_dict={X: X_data, y: y_data}))
    names = [v.op.name for v in tf.trainable_variables()]
    print("None gradients:", [n for n, g in zip(names, frozen_grads) if g is None])
