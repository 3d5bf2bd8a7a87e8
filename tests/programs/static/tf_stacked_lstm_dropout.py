"""Hands-On Machine Learning (1st ed.), chapter 14, "Deep RNNs" and "Applying Dropout", at a
tiny scale: sequence classification with a MultiRNNCell of BasicLSTMCells, each wrapped in a
DropoutWrapper whose input_keep_prob is a tf.placeholder_with_default(1.0, shape=()) fed
only while training; tf.nn.dynamic_rnn with sequence_length; the top layer's final h
(states[-1][1]) through tf.layers.dense; sparse_softmax_cross_entropy_with_logits, Adam,
tf.nn.in_top_k accuracy; and the peephole LSTMCell variant."""
import numpy as np

import dlcore_static as tf


def reset_graph(seed=42):
    tf.reset_default_graph()
    tf.set_random_seed(seed)
    np.random.seed(seed)


rng = np.random.RandomState(0)
n_steps, n_inputs, n_outputs = 8, 3, 2
n_neurons, n_layers = 12, 3


def make_data(n):
    X = rng.randn(n, n_steps, n_inputs).astype(np.float32)
    lengths = rng.randint(3, n_steps + 1, size=n)
    for i, L in enumerate(lengths):
        X[i, L:] = 0.0
    y = (X[:, :, 0].sum(1) > 0).astype(np.int32)
    return X, lengths, y


X_train, len_train, y_train = make_data(256)
X_test, len_test, y_test = make_data(64)

reset_graph()
X = tf.placeholder(tf.float32, [None, n_steps, n_inputs])
y = tf.placeholder(tf.int32, [None])
seq_length = tf.placeholder(tf.int32, [None])
keep_prob = tf.placeholder_with_default(1.0, shape=())

cells = [tf.nn.rnn_cell.BasicLSTMCell(num_units=n_neurons) for layer in range(n_layers)]
cells_drop = [tf.nn.rnn_cell.DropoutWrapper(cell, input_keep_prob=keep_prob)
              for cell in cells]
multi_layer_cell = tf.nn.rnn_cell.MultiRNNCell(cells_drop)
outputs, states = tf.nn.dynamic_rnn(multi_layer_cell, X, dtype=tf.float32,
                                    sequence_length=seq_length)
top_layer_h_state = states[-1][1]
logits = tf.layers.dense(top_layer_h_state, n_outputs, name="softmax")
xentropy = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)
loss = tf.reduce_mean(xentropy, name="loss")
optimizer = tf.train.AdamOptimizer(learning_rate=0.01)
training_op = optimizer.minimize(loss)
correct = tf.nn.in_top_k(logits, y, 1)
accuracy = tf.reduce_mean(tf.cast(correct, tf.float32))
init = tf.global_variables_initializer()

print("state structure", len(states), type(states[0]).__name__, top_layer_h_state.shape)
print("outputs", outputs.shape)
print([v.name for v in tf.trainable_variables()][:2])

n_epochs, batch_size = 6, 32
with tf.Session() as sess:
    init.run()
    for epoch in range(n_epochs):
        perm = rng.permutation(len(X_train))
        for i in range(0, len(X_train), batch_size):
            idx = perm[i:i + batch_size]
            sess.run(training_op, feed_dict={X: X_train[idx], y: y_train[idx],
                                             seq_length: len_train[idx], keep_prob: 0.8})
        acc_train = accuracy.eval(feed_dict={X: X_train, y: y_train, seq_length: len_train})
        acc_test = accuracy.eval(feed_dict={X: X_test, y: y_test, seq_length: len_test})
        print(epoch, "Train accuracy:", acc_train, "Test accuracy:", acc_test)
    # without feeding keep_prob no unit is dropped: two evaluations agree exactly
    a = sess.run(logits, feed_dict={X: X_test, seq_length: len_test})
    b = sess.run(logits, feed_dict={X: X_test, seq_length: len_test})
    print("eval deterministic:", np.array_equal(a, b))
    d1 = sess.run(logits, feed_dict={X: X_test, seq_length: len_test, keep_prob: 0.5})
    print("dropout changes the logits:", not np.allclose(a, d1))
    # past each sequence's length the outputs are zeros and the state is frozen
    out_v, h_v = sess.run([outputs, top_layer_h_state],
                          feed_dict={X: X_test, seq_length: len_test})
    i = int(np.argmin(len_test))
    print("zeros past the length:", np.abs(out_v[i, len_test[i]:]).max() == 0.0,
          "final h is the last valid output:", np.allclose(out_v[i, len_test[i] - 1], h_v[i]))

reset_graph()
X = tf.placeholder(tf.float32, [None, n_steps, n_inputs])
lstm_cell = tf.nn.rnn_cell.LSTMCell(num_units=n_neurons, use_peepholes=True)
outputs, states = tf.nn.dynamic_rnn(lstm_cell, X, dtype=tf.float32)
print("peephole variables", [(v.name, v.shape.as_list()) for v in tf.trainable_variables()])
