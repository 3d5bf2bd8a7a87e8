""" Variational Auto-Encoder Example (aymericdamien/TensorFlow-Examples,
variational_autoencoder.py), at a tiny scale and on synthetic binary 6x6 "images" instead of
MNIST: weights initialised with tf.random_normal(stddev=1. / tf.sqrt(shape[0] / 2.)) (a tensor
stddev), the latent sample z = z_mean + tf.exp(z_std / 2) * eps with
eps = tf.random_normal(tf.shape(z_std)) (the reparameterization trick), the loss
-sum(x log(1e-10 + x') + (1 - x) log(1e-10 + 1 - x')) + KL, tf.train.RMSPropOptimizer, and a
second decoder graph fed from a noise placeholder sharing the same weights."""
from __future__ import division, print_function, absolute_import

import numpy as np
import dlcore_static as tf

tf.set_random_seed(5)
rs = np.random.RandomState(5)
protos = (rs.rand(3, 36) > 0.5).astype(np.float32)


def next_batch(n):
    x = protos[rs.randint(0, 3, n)]
    return np.where(rs.rand(n, 36) < 0.05, 1 - x, x)


# Parameters
learning_rate = 0.001
num_steps = 400
batch_size = 32

# Network Parameters
image_dim = 36 # 6*6 pixels
hidden_dim = 16
latent_dim = 2

# A custom initialization (see Xavier Glorot init)
def glorot_init(shape):
    return tf.random_normal(shape=shape, stddev=1. / tf.sqrt(shape[0] / 2.))

# Variables
weights = {
    'encoder_h1': tf.Variable(glorot_init([image_dim, hidden_dim])),
    'z_mean': tf.Variable(glorot_init([hidden_dim, latent_dim])),
    'z_std': tf.Variable(glorot_init([hidden_dim, latent_dim])),
    'decoder_h1': tf.Variable(glorot_init([latent_dim, hidden_dim])),
    'decoder_out': tf.Variable(glorot_init([hidden_dim, image_dim]))
}
biases = {
    'encoder_b1': tf.Variable(glorot_init([hidden_dim])),
    'z_mean': tf.Variable(glorot_init([latent_dim])),
    'z_std': tf.Variable(glorot_init([latent_dim])),
    'decoder_b1': tf.Variable(glorot_init([hidden_dim])),
    'decoder_out': tf.Variable(glorot_init([image_dim]))
}

# Building the encoder
input_image = tf.placeholder(tf.float32, shape=[None, image_dim])
encoder = tf.matmul(input_image, weights['encoder_h1']) + biases['encoder_b1']
encoder = tf.nn.tanh(encoder)
z_mean = tf.matmul(encoder, weights['z_mean']) + biases['z_mean']
z_std = tf.matmul(encoder, weights['z_std']) + biases['z_std']

# Sampler: Normal (gaussian) random distribution
eps = tf.random_normal(tf.shape(z_std), dtype=tf.float32, mean=0., stddev=1.0,
                       name='epsilon')
z = z_mean + tf.exp(z_std / 2) * eps

# Building the decoder (with scope to re-use these layers later)
decoder = tf.matmul(z, weights['decoder_h1']) + biases['decoder_b1']
decoder = tf.nn.tanh(decoder)
decoder = tf.matmul(decoder, weights['decoder_out']) + biases['decoder_out']
decoder = tf.nn.sigmoid(decoder)


# Define VAE Loss
def vae_loss(x_reconstructed, x_true):
    # Reconstruction loss
    encode_decode_loss = x_true * tf.log(1e-10 + x_reconstructed) \
                         + (1 - x_true) * tf.log(1e-10 + 1 - x_reconstructed)
    encode_decode_loss = -tf.reduce_sum(encode_decode_loss, 1)
    # KL Divergence loss
    kl_div_loss = 1 + z_std - tf.square(z_mean) - tf.exp(z_std)
    kl_div_loss = -0.5 * tf.reduce_sum(kl_div_loss, 1)
    return tf.reduce_mean(encode_decode_loss + kl_div_loss)

loss_op = vae_loss(decoder, input_image)
optimizer = tf.train.RMSPropOptimizer(learning_rate=learning_rate)
train_op = optimizer.minimize(loss_op)

# Initialize the variables (i.e. assign their default value)
init = tf.global_variables_initializer()

# Start Training
# Start a new TF session
sess = tf.Session()

# Run the initializer
sess.run(init)
W0 = sess.run(weights)
print("init std x sqrt(fan_in / 2):", " ".join(
    "%.2f" % (W0[k].std() * np.sqrt(W0[k].shape[0] / 2.)) for k in sorted(W0)))

for i in range(1, num_steps+1):
    # Prepare Data
    # Get the next batch of MNIST data (only images are needed, not labels)
    batch_x = next_batch(batch_size)

    # Train
    feed_dict = {input_image: batch_x}
    _, l = sess.run([train_op, loss_op], feed_dict=feed_dict)
    if i % 100 == 0 or i == 1:
        print('Step %i, Loss: %f' % (i, l))

# Testing
# Generator takes noise as input
noise_input = tf.placeholder(tf.float32, shape=[None, latent_dim])
# Rebuild the decoder to create image from noise
decoder = tf.matmul(noise_input, weights['decoder_h1']) + biases['decoder_b1']
decoder = tf.nn.tanh(decoder)
decoder = tf.matmul(decoder, weights['decoder_out']) + biases['decoder_out']
decoder = tf.nn.sigmoid(decoder)

# Building a manifold of generated digits
n = 3
x_axis = np.linspace(-2, 2, n)
y_axis = np.linspace(-2, 2, n)
grid = np.array([[xi, yi] for yi in y_axis for xi in x_axis], dtype=np.float32)
x_decoded = sess.run(decoder, feed_dict={noise_input: grid})
print("decoded:", x_decoded.shape)
test_x = next_batch(64)
zm, zs, e1 = sess.run([z_mean, z_std, eps], {input_image: test_x})
e2 = sess.run(eps, {input_image: test_x})
print("eps shape:", e1.shape, "fresh each run:", not np.allclose(e1, e2))
W, B = sess.run(weights), sess.run(biases)
