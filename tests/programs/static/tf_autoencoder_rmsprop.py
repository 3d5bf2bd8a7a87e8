""" Auto Encoder Example (aymericdamien/TensorFlow-Examples, autoencoder.py), at a tiny scale
and on synthetic 8x8 "digits" instead of MNIST: a 2-layer encoder and decoder written with raw
tf.matmul and dict-held tf.Variable(tf.random_normal(...)) weights, sigmoid activations, mean
squared error minimised by tf.train.RMSPropOptimizer."""
from __future__ import division, print_function, absolute_import

import dlcore_static as tf
import numpy as np

tf.set_random_seed(1)
rs = np.random.RandomState(1)
protos = rs.rand(5, 64)


def next_batch(n):
    return np.clip(protos[rs.randint(0, 5, n)] + 0.1 * rs.randn(n, 64), 0, 1)


# Training Parameters
learning_rate = 0.01
num_steps = 300
batch_size = 64

display_step = 100
examples_to_show = 4

# Network Parameters
num_hidden_1 = 32 # 1st layer num features
num_hidden_2 = 8 # 2nd layer num features (the latent dim)
num_input = 64 # "MNIST" data input (img shape: 8*8)

# tf Graph input (only pictures)
X = tf.placeholder("float", [None, num_input])

weights = {
    'encoder_h1': tf.Variable(tf.random_normal([num_input, num_hidden_1])),
    'encoder_h2': tf.Variable(tf.random_normal([num_hidden_1, num_hidden_2])),
    'decoder_h1': tf.Variable(tf.random_normal([num_hidden_2, num_hidden_1])),
    'decoder_h2': tf.Variable(tf.random_normal([num_hidden_1, num_input])),
}
biases = {
    'encoder_b1': tf.Variable(tf.random_normal([num_hidden_1])),
    'encoder_b2': tf.Variable(tf.random_normal([num_hidden_2])),
    'decoder_b1': tf.Variable(tf.random_normal([num_hidden_1])),
    'decoder_b2': tf.Variable(tf.random_normal([num_input])),
}


# Building the encoder
def encoder(x):
    # Encoder Hidden layer with sigmoid activation #1
    layer_1 = tf.nn.sigmoid(tf.add(tf.matmul(x, weights['encoder_h1']),
                                   biases['encoder_b1']))
    # Encoder Hidden layer with sigmoid activation #2
    layer_2 = tf.nn.sigmoid(tf.add(tf.matmul(layer_1, weights['encoder_h2']),
                                   biases['encoder_b2']))
    return layer_2


# Building the decoder
def decoder(x):
    # Decoder Hidden layer with sigmoid activation #1
    layer_1 = tf.nn.sigmoid(tf.add(tf.matmul(x, weights['decoder_h1']),
                                   biases['decoder_b1']))
    # Decoder Hidden layer with sigmoid activation #2
    layer_2 = tf.nn.sigmoid(tf.add(tf.matmul(layer_1, weights['decoder_h2']),
                                   biases['decoder_b2']))
    return layer_2

# Construct model
encoder_op = encoder(X)
decoder_op = decoder(encoder_op)

# Prediction
y_pred = decoder_op
# Targets (Labels) are the input data.
y_true = X

# Define loss and optimizer, minimize the squared error
loss = tf.reduce_mean(tf.pow(y_true - y_pred, 2))
optimizer = tf.train.RMSPropOptimizer(learning_rate).minimize(loss)

# Initialize the variables (i.e. assign their default value)
init = tf.global_variables_initializer()

# Start Training
# Start a new TF session
with tf.Session() as sess:

    # Run the initializer
    sess.run(init)

    # Training
    for i in range(1, num_steps+1):
        # Prepare Data
        # Get the next batch of MNIST data (only images are needed, not labels)
        batch_x = next_batch(batch_size)

        # Run optimization op (backprop) and cost op (to get loss value)
        _, l = sess.run([optimizer, loss], feed_dict={X: batch_x})
        # Display logs per step
        if i % display_step == 0 or i == 1:
            print('Step %i: Minibatch Loss: %f' % (i, l))

    # Testing
    # Encode and decode images from test set and visualize their reconstruction.
    batch_x = next_batch(examples_to_show)
    g = sess.run(decoder_op, feed_dict={X: batch_x})
    print('reconstruction mse: %f' % np.mean((g - batch_x) ** 2))
    W = sess.run(weights)
    B = sess.run(biases)
    test_x = batch_x
    test_g = g
