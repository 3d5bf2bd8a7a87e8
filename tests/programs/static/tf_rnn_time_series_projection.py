"""Hands-On Machine Learning (1st ed.), chapter 14, "Training to Predict Time Series", at a
tiny scale: a BasicRNNCell(relu) wrapped in tf.contrib.rnn.OutputProjectionWrapper, unrolled
by tf.nn.dynamic_rnn over [None, n_steps, 1] windows of t*sin(t)/3 + 2*sin(5t), MSE and Adam;
then the book's faster variant (the RNN outputs stacked with tf.reshape, one tf.layers.dense,
unstacked back) and generating a new sequence creatively, one step at a time, from the
trained model."""
# ruff: noqa: UP031  (written in the book's own style)
import numpy as np

import dlcore_static as tf

t_min, t_max = 0, 30
resolution = 0.1


def time_series(t):
    return t * np.sin(t) / 3 + 2 * np.sin(t * 5)


def next_batch(batch_size, n_steps):
    t0 = rng.rand(batch_size, 1) * (t_max - t_min - n_steps * resolution)
    Ts = t0 + np.arange(0., n_steps + 1) * resolution
    ys = time_series(Ts)
    return ys[:, :-1].reshape(-1, n_steps, 1), ys[:, 1:].reshape(-1, n_steps, 1)


def reset_graph(seed=42):
    tf.reset_default_graph()
    tf.set_random_seed(seed)
    np.random.seed(seed)


rng = np.random.RandomState(42)
n_steps = 12
n_inputs = 1
n_neurons = 32
n_outputs = 1
learning_rate = 0.005

reset_graph()
X = tf.placeholder(tf.float32, [None, n_steps, n_inputs])
y = tf.placeholder(tf.float32, [None, n_steps, n_outputs])
cell = tf.contrib.rnn.OutputProjectionWrapper(
    tf.contrib.rnn.BasicRNNCell(num_units=n_neurons, activation=tf.nn.relu),
    output_size=n_outputs)
outputs, states = tf.nn.dynamic_rnn(cell, X, dtype=tf.float32)
print("outputs", outputs.shape, "states", states.shape, "cell sizes", cell.output_size,
      cell.state_size)

loss = tf.reduce_mean(tf.square(outputs - y))  # MSE
optimizer = tf.train.AdamOptimizer(learning_rate=learning_rate)
training_op = optimizer.minimize(loss)
init = tf.global_variables_initializer()
print("variables", [(v.name, v.shape.as_list()) for v in tf.trainable_variables()])

n_iterations = 200
batch_size = 32
X_new, y_new = next_batch(8, n_steps)
with tf.Session() as sess:
    init.run()
    first = loss.eval(feed_dict={X: X_new, y: y_new})
    for iteration in range(n_iterations):
        X_batch, y_batch = next_batch(batch_size, n_steps)
        sess.run(training_op, feed_dict={X: X_batch, y: y_batch})
        if iteration % 100 == 0:
            mse = loss.eval(feed_dict={X: X_batch, y: y_batch})
            print(iteration, "\tMSE:", mse)
    wrapped_mse = loss.eval(feed_dict={X: X_new, y: y_new})
    y_pred = sess.run(outputs, feed_dict={X: X_new})
    print("held-out MSE %.4f -> %.4f" % (first, wrapped_mse))
    # the projection is a Dense applied to each step's RNN output: recompute it by hand
    rnn_w, rnn_b, proj_w, proj_b = sess.run(tf.trainable_variables())
    h = np.zeros((8, n_neurons), np.float32)
    by_hand = []
    for t in range(n_steps):
        h = np.maximum(np.concatenate([X_new[:, t], h], 1) @ rnn_w + rnn_b, 0)
        by_hand.append(h @ proj_w + proj_b)
    print("projection by hand matches:",
          np.allclose(np.stack(by_hand, 1), y_pred, atol=1e-4))

    sequence = [0.] * n_steps
    for iteration in range(20):
        X_batch = np.array(sequence[-n_steps:]).reshape(1, n_steps, 1)
        y_pred = sess.run(outputs, feed_dict={X: X_batch})
        sequence.append(y_pred[0, -1, 0])
    print("generated", len(sequence), "finite", np.isfinite(sequence).all())

reset_graph()
X = tf.placeholder(tf.float32, [None, n_steps, n_inputs])
y = tf.placeholder(tf.float32, [None, n_steps, n_outputs])
cell = tf.nn.rnn_cell.BasicRNNCell(num_units=n_neurons, activation=tf.nn.relu)
rnn_outputs, states = tf.nn.dynamic_rnn(cell, X, dtype=tf.float32)
stacked_rnn_outputs = tf.reshape(rnn_outputs, [-1, n_neurons])
stacked_outputs = tf.layers.dense(stacked_rnn_outputs, n_outputs)
outputs = tf.reshape(stacked_outputs, [-1, n_steps, n_outputs])
print("stacked", stacked_rnn_outputs.shape, outputs.shape)
loss = tf.reduce_mean(tf.square(outputs - y))
training_op = tf.train.AdamOptimizer(learning_rate=learning_rate).minimize(loss)
init = tf.global_variables_initializer()
saver = tf.train.Saver()
with tf.Session() as sess:
    init.run()
    for iteration in range(n_iterations):
        X_batch, y_batch = next_batch(batch_size, n_steps)
        sess.run(training_op, feed_dict={X: X_batch, y: y_batch})
    stacked_mse = loss.eval(feed_dict={X: X_new, y: y_new})
    print("stacked variant held-out MSE below the start:", stacked_mse < first)
