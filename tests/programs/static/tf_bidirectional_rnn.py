""" Bi-directional Recurrent Neural Network (aymericdamien/TensorFlow-Examples,
bidirectional_rnn.py), at a tiny scale and on synthetic sequences instead of MNIST rows: the
input (batch, timesteps, n_input) is split with tf.unstack into a list of timesteps tensors,
run through rnn.static_bidirectional_rnn with two rnn.BasicLSTMCell (tf.contrib.rnn), the last
output classified by a matmul, trained with GradientDescentOptimizer.  The class: which third of
the sequence holds the one step whose features are large."""
from __future__ import print_function

import dlcore_static as tf
from dlcore_static.contrib import rnn
import numpy as np

tf.set_random_seed(0)
rs = np.random.RandomState(0)

# Training Parameters
learning_rate = 0.5
training_steps = 200
batch_size = 32
display_step = 50

# Network Parameters
num_input = 4 # data input
timesteps = 6 # timesteps
num_hidden = 8 # hidden layer num of features
num_classes = 3 # total classes


def next_batch(n):
    x = 0.1 * rs.randn(n, timesteps, num_input)
    where = rs.randint(0, timesteps, n)
    x[np.arange(n), where] += 1.0
    return x, np.eye(num_classes)[where // 2]


# tf Graph input
X = tf.placeholder("float", [None, timesteps, num_input])
Y = tf.placeholder("float", [None, num_classes])

# Define weights
weights = {
    # Hidden layer weights => 2*n_hidden because of forward + backward cells
    'out': tf.Variable(tf.random_normal([2*num_hidden, num_classes]))
}
biases = {
    'out': tf.Variable(tf.random_normal([num_classes]))
}


def BiRNN(x, weights, biases):

    # Prepare data shape to match `rnn` function requirements
    # Current data input shape: (batch_size, timesteps, n_input)
    # Required shape: 'timesteps' tensors list of shape (batch_size, num_input)

    # Unstack to get a list of 'timesteps' tensors of shape (batch_size, num_input)
    x = tf.unstack(x, timesteps, 1)

    # Define lstm cells with tensorflow
    # Forward direction cell
    lstm_fw_cell = rnn.BasicLSTMCell(num_hidden, forget_bias=1.0)
    # Backward direction cell
    lstm_bw_cell = rnn.BasicLSTMCell(num_hidden, forget_bias=1.0)

    # Get lstm cell output
    try:
        outputs, _, _ = rnn.static_bidirectional_rnn(lstm_fw_cell, lstm_bw_cell, x,
                                              dtype=tf.float32)
    except Exception: # Old TensorFlow version only returns outputs not states
        outputs = rnn.static_bidirectional_rnn(lstm_fw_cell, lstm_bw_cell, x,
                                        dtype=tf.float32)

    # Linear activation, using rnn inner loop last output
    return tf.matmul(outputs[-1], weights['out']) + biases['out'], outputs

logits, outputs = BiRNN(X, weights, biases)
prediction = tf.nn.softmax(logits)

# Define loss and optimizer
loss_op = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(
    logits=logits, labels=Y))
optimizer = tf.train.GradientDescentOptimizer(learning_rate=learning_rate)
train_op = optimizer.minimize(loss_op)

# Evaluate model (with test logits, for dropout to be disabled)
correct_pred = tf.equal(tf.argmax(prediction, 1), tf.argmax(Y, 1))
accuracy = tf.reduce_mean(tf.cast(correct_pred, tf.float32))

# Initialize the variables (i.e. assign their default value)
init = tf.global_variables_initializer()
print("variables:", [v.name for v in tf.trainable_variables()])
print("outputs:", len(outputs), outputs[0].shape)

# Start training
with tf.Session() as sess:

    # Run the initializer
    sess.run(init)

    for step in range(1, training_steps+1):
        batch_x, batch_y = next_batch(batch_size)
        # Run optimization op (backprop)
        sess.run(train_op, feed_dict={X: batch_x, Y: batch_y})
        if step % display_step == 0 or step == 1:
            # Calculate batch loss and accuracy
            loss, acc = sess.run([loss_op, accuracy], feed_dict={X: batch_x,
                                                                 Y: batch_y})
            print("Step " + str(step) + ", Minibatch Loss= " + \
                  "{:.4f}".format(loss) + ", Training Accuracy= " + \
                  "{:.3f}".format(acc))

    print("Optimization Finished!")

    test_data, test_label = next_batch(64)
    print("Testing Accuracy:", \
        sess.run(accuracy, feed_dict={X: test_data, Y: test_label}))
    values = sess.run({v.name: v for v in tf.trainable_variables()})
    test_outputs = sess.run(outputs, feed_dict={X: test_data})
