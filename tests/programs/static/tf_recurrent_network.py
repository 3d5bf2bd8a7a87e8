""" Recurrent Neural Network (aymericdamien/TensorFlow-Examples, recurrent_network.py), as
written, at a tiny scale: each 8x8 synthetic "digit" is read as 8 timesteps of 8 pixels by a
16-unit BasicLSTMCell through rnn.static_rnn over tf.unstack(x, timesteps, 1); the last output
goes through a dense layer; Adam on softmax cross-entropy, 120 steps of batch 32."""
from __future__ import print_function

import numpy as np
import dlcore_static as tf
from dlcore_static.contrib import rnn

rs = np.random.RandomState(3)
protos = rs.rand(10, 64)


def next_batch(n):
    y = rs.randint(0, 10, n)
    return (np.clip(protos[y] + 0.3 * rs.randn(n, 64), 0, 1).astype(np.float32),
            np.eye(10, dtype=np.float32)[y])


tf.set_random_seed(3)
# Training Parameters
learning_rate = 0.01
training_steps = 120
batch_size = 32
display_step = 40

# Network Parameters
num_input = 8 # "MNIST" data input (img shape: 8*8)
timesteps = 8 # timesteps
num_hidden = 16 # hidden layer num of features
num_classes = 10 # "MNIST" total classes (0-9 digits)

# tf Graph input
X = tf.placeholder("float", [None, timesteps, num_input])
Y = tf.placeholder("float", [None, num_classes])

# Define weights
weights = {
    'out': tf.Variable(tf.random_normal([num_hidden, num_classes]))
}
biases = {
    'out': tf.Variable(tf.random_normal([num_classes]))
}


def RNN(x, weights, biases):

    # Prepare data shape to match `rnn` function requirements
    # Current data input shape: (batch_size, timesteps, n_input)
    # Required shape: 'timesteps' tensors list of shape (batch_size, n_input)

    # Unstack to get a list of 'timesteps' tensors of shape (batch_size, n_input)
    x = tf.unstack(x, timesteps, 1)

    # Define a lstm cell with tensorflow
    lstm_cell = rnn.BasicLSTMCell(num_hidden, forget_bias=1.0)

    # Get lstm cell output
    outputs, states = rnn.static_rnn(lstm_cell, x, dtype=tf.float32)

    # Linear activation, using rnn inner loop last output
    return tf.matmul(outputs[-1], weights['out']) + biases['out']

logits = RNN(X, weights, biases)
prediction = tf.nn.softmax(logits)

# Define loss and optimizer
loss_op = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(
    logits=logits, labels=Y))
optimizer = tf.train.AdamOptimizer(learning_rate=learning_rate)
train_op = optimizer.minimize(loss_op)

# Evaluate model (with test logits, for dropout to be disabled)
correct_pred = tf.equal(tf.argmax(prediction, 1), tf.argmax(Y, 1))
accuracy = tf.reduce_mean(tf.cast(correct_pred, tf.float32))

# Initialize the variables (i.e. assign their default value)
init = tf.global_variables_initializer()

# Start training
with tf.Session() as sess:

    # Run the initializer
    sess.run(init)

    for step in range(1, training_steps+1):
        batch_x, batch_y = next_batch(batch_size)
        # Reshape data to get 28 seq of 28 elements
        batch_x = batch_x.reshape((batch_size, timesteps, num_input))
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

    # Calculate accuracy for 128 mnist test images
    test_len = 128
    test_data, test_label = next_batch(test_len)
    test_data = test_data.reshape((-1, timesteps, num_input))
    print("Testing Accuracy:", \
        sess.run(accuracy, feed_dict={X: test_data, Y: test_label}))
    variables = {v.name: sess.run(v) for v in tf.trainable_variables()}
    test_logits = sess.run(logits, feed_dict={X: test_data})
