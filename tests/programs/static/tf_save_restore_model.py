'''Save and Restore a model using TensorFlow (aymericdamien/TensorFlow-Examples
examples/4_Utils/save_restore_model.py, TF1), as written: a two-hidden-layer perceptron trained
with Adam for 3 epochs, tf.train.Saver().save to a checkpoint, then a new Session that runs the
initializer, restores the weights (and Adam's slots) and resumes training for 7 epochs.

Scaled: synthetic 8x8 "digits" in a small DataSet with next_batch instead of
input_data.read_data_sets (64 inputs, 256 -> 16 hidden units, 200 training images, batches of
10), the checkpoint path from argv instead of /tmp/model.ckpt.

Author: Aymeric Damien
Project: https://github.com/aymericdamien/TensorFlow-Examples/
'''

from __future__ import print_function

import sys

import numpy as np
import dlcore_static as tf


class DataSet(object):
    def __init__(self, images, labels):
        self.images, self.labels, self._i = images, labels, 0
        self.num_examples = len(images)

    def next_batch(self, n):
        s = slice(self._i, self._i + n)
        self._i = (self._i + n) % len(self.images)
        return self.images[s], self.labels[s]


def read_data_sets(data_dir, one_hot=True):
    rs = np.random.RandomState(0)
    protos = rs.rand(10, 64)

    def make(n):
        y = rs.randint(0, 10, n)
        x = np.clip(protos[y] + 1.2 * rs.randn(n, 64), 0, 1).astype(np.float32)
        return DataSet(x, np.eye(10, dtype=np.float32)[y])

    class Datasets(object):
        pass
    d = Datasets()
    d.train, d.test = make(200), make(100)
    return d


# Import MNIST data
mnist = read_data_sets("/tmp/data/", one_hot=True)

# Parameters
learning_rate = 0.001
batch_size = 10
display_step = 1
model_path = sys.argv[1]

# Network Parameters
n_hidden_1 = 16 # 1st layer number of features
n_hidden_2 = 16 # 2nd layer number of features
n_input = 64 # MNIST data input (img shape: 8*8)
n_classes = 10 # MNIST total classes (0-9 digits)

# tf Graph input
x = tf.placeholder("float", [None, n_input])
y = tf.placeholder("float", [None, n_classes])


# Create model
def multilayer_perceptron(x, weights, biases):
    # Hidden layer with RELU activation
    layer_1 = tf.add(tf.matmul(x, weights['h1']), biases['b1'])
    layer_1 = tf.nn.relu(layer_1)
    # Hidden layer with RELU activation
    layer_2 = tf.add(tf.matmul(layer_1, weights['h2']), biases['b2'])
    layer_2 = tf.nn.relu(layer_2)
    # Output layer with linear activation
    out_layer = tf.matmul(layer_2, weights['out']) + biases['out']
    return out_layer

# Store layers weight & bias
weights = {
    'h1': tf.Variable(tf.random_normal([n_input, n_hidden_1])),
    'h2': tf.Variable(tf.random_normal([n_hidden_1, n_hidden_2])),
    'out': tf.Variable(tf.random_normal([n_hidden_2, n_classes]))
}
biases = {
    'b1': tf.Variable(tf.random_normal([n_hidden_1])),
    'b2': tf.Variable(tf.random_normal([n_hidden_2])),
    'out': tf.Variable(tf.random_normal([n_classes]))
}

# Construct model
pred = multilayer_perceptron(x, weights, biases)

# Define loss and optimizer
cost = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(logits=pred, labels=y))
optimizer = tf.train.AdamOptimizer(learning_rate=learning_rate).minimize(cost)

# Initialize the variables (i.e. assign their default value)
init = tf.global_variables_initializer()

# 'Saver' op to save and restore all the variables
saver = tf.train.Saver()

# Running first session
print("Starting 1st session...")
with tf.Session() as sess:

    # Run the initializer
    sess.run(init)

    # Training cycle
    for epoch in range(3):
        avg_cost = 0.
        total_batch = int(mnist.train.num_examples/batch_size)
        # Loop over all batches
        for i in range(total_batch):
            batch_x, batch_y = mnist.train.next_batch(batch_size)
            # Run optimization op (backprop) and cost op (to get loss value)
            _, c = sess.run([optimizer, cost], feed_dict={x: batch_x,
                                                          y: batch_y})
            # Compute average loss
            avg_cost += c / total_batch
        # Display logs per epoch step
        if epoch % display_step == 0:
            print("Epoch:", '%04d' % (epoch+1), "cost=", \
                "{:.9f}".format(avg_cost))
    print("First Optimization Finished!")

    # Test model
    correct_prediction = tf.equal(tf.argmax(pred, 1), tf.argmax(y, 1))
    # Calculate accuracy
    accuracy = tf.reduce_mean(tf.cast(correct_prediction, "float"))
    print("Accuracy:", accuracy.eval({x: mnist.test.images, y: mnist.test.labels}))

    # Save model weights to disk
    save_path = saver.save(sess, model_path)
    print("Model saved in file: %s" % save_path)
    first_values = sess.run(weights)

# Running a new session
print("Starting 2nd session...")
with tf.Session() as sess:
    # Initialize variables
    sess.run(init)

    # Restore model weights from previously saved model
    saver.restore(sess, model_path)
    print("Model restored from file: %s" % save_path)
    restored_values = sess.run(weights)

    # Resume training
    for epoch in range(7):
        avg_cost = 0.
        total_batch = int(mnist.train.num_examples / batch_size)
        # Loop over all batches
        for i in range(total_batch):
            batch_x, batch_y = mnist.train.next_batch(batch_size)
            # Run optimization op (backprop) and cost op (to get loss value)
            _, c = sess.run([optimizer, cost], feed_dict={x: batch_x,
                                                          y: batch_y})
            # Compute average loss
            avg_cost += c / total_batch
        # Display logs per epoch step
        if epoch % display_step == 0:
            print("Epoch:", '%04d' % (epoch + 1), "cost=", \
                "{:.9f}".format(avg_cost))
    print("Second Optimization Finished!")

    # Test model
    correct_prediction = tf.equal(tf.argmax(pred, 1), tf.argmax(y, 1))
    # Calculate accuracy
    accuracy = tf.reduce_mean(tf.cast(correct_prediction, "float"))
    print("Accuracy:", accuracy.eval(
        {x: mnist.test.images, y: mnist.test.labels}))
    final_values = sess.run(weights)
    final_biases = sess.run(biases)
