"""Hands-On Machine Learning (1st ed.), chapter 15, "Tying Weights", at a tiny scale on
synthetic data (points near a 3-D subspace of R^12): a stacked autoencoder whose decoder
weights are the transposes of the encoder's (weights3 = tf.transpose(weights2), weights4 =
tf.transpose(weights1)), variables made with tf.Variable from a variance-scaling initializer,
an l2 regularizer on the two real weight matrices only, Adam, and the reconstruction error on
held-out data before and after training."""
# ruff: noqa: UP031  (written in the book's own style)
import numpy as np

import dlcore_static as tf

tf.reset_default_graph()
tf.set_random_seed(42)
rng = np.random.RandomState(42)
basis = rng.randn(3, 12).astype(np.float32)
X_train = (rng.randn(256, 3) @ basis + 0.05 * rng.randn(256, 12)).astype(np.float32)
X_test = (rng.randn(64, 3) @ basis + 0.05 * rng.randn(64, 12)).astype(np.float32)

n_inputs = 12
n_hidden1 = 8
n_hidden2 = 3  # codings
n_hidden3 = n_hidden1
n_outputs = n_inputs

learning_rate = 0.01
l2_reg = 0.0005

activation = tf.nn.elu
regularizer = tf.contrib.layers.l2_regularizer(l2_reg)
initializer = tf.contrib.layers.variance_scaling_initializer()

X = tf.placeholder(tf.float32, shape=[None, n_inputs])

weights1_init = initializer([n_inputs, n_hidden1])
weights2_init = initializer([n_hidden1, n_hidden2])

weights1 = tf.Variable(weights1_init, dtype=tf.float32, name="weights1")
weights2 = tf.Variable(weights2_init, dtype=tf.float32, name="weights2")
weights3 = tf.transpose(weights2, name="weights3")  # tied weights
weights4 = tf.transpose(weights1, name="weights4")  # tied weights

biases1 = tf.Variable(tf.zeros(n_hidden1), name="biases1")
biases2 = tf.Variable(tf.zeros(n_hidden2), name="biases2")
biases3 = tf.Variable(tf.zeros(n_hidden3), name="biases3")
biases4 = tf.Variable(tf.zeros(n_outputs), name="biases4")

hidden1 = activation(tf.matmul(X, weights1) + biases1)
hidden2 = activation(tf.matmul(hidden1, weights2) + biases2)
hidden3 = activation(tf.matmul(hidden2, weights3) + biases3)
outputs = tf.matmul(hidden3, weights4) + biases4

reconstruction_loss = tf.reduce_mean(tf.square(outputs - X))
reg_loss = regularizer(weights1) + regularizer(weights2)
loss = reconstruction_loss + reg_loss

optimizer = tf.train.AdamOptimizer(learning_rate)
training_op = optimizer.minimize(loss)

init = tf.global_variables_initializer()
print("trainable", [v.name for v in tf.trainable_variables()])
print("tied shapes", weights3.shape, weights4.shape)

n_epochs = 30
batch_size = 32
with tf.Session() as sess:
    init.run()
    before = reconstruction_loss.eval(feed_dict={X: X_test})
    for epoch in range(n_epochs):
        for i in range(0, len(X_train), batch_size):
            sess.run(training_op, feed_dict={X: X_train[i:i + batch_size]})
        if epoch % 10 == 0:
            print(epoch, "Train MSE:", reconstruction_loss.eval(feed_dict={X: X_train}))
    after, reg, w1, w2, w4 = sess.run([reconstruction_loss, reg_loss, weights1, weights2,
                                       weights4], feed_dict={X: X_test})
    print("held-out MSE %.4f -> %.4f" % (before, after))
    print("regularizer is l2_reg * sum(w^2) / 2:",
          np.isclose(reg, l2_reg * ((w1 ** 2).sum() + (w2 ** 2).sum()) / 2, rtol=1e-4))
    print("decoder is the encoder transposed:", np.array_equal(w4, w1.T))
    codings = hidden2.eval(feed_dict={X: X_test})
    print("codings", codings.shape)
