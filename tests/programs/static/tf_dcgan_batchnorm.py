""" Deep Convolutional Generative Adversarial Network (aymericdamien/TensorFlow-Examples,
dcgan.py), at a tiny scale and on synthetic 8x8 "images" (a bright square at a random place)
instead of MNIST: the generator upsamples with tf.layers.conv2d_transpose and
tf.layers.batch_normalization(training=is_training), the discriminator uses tf.layers.conv2d,
batch normalization and leaky ReLU; both networks are built in tf.variable_scope with reuse,
and each AdamOptimizer minimises under tf.control_dependencies(tf.get_collection(
tf.GraphKeys.UPDATE_OPS)) so that the moving statistics are updated."""
from __future__ import division, print_function, absolute_import

import numpy as np
import dlcore_static as tf

tf.set_random_seed(3)
rs = np.random.RandomState(3)

# Training Params
num_steps = 60
batch_size = 16
lr_generator = 0.002
lr_discriminator = 0.002

# Network Params
image_dim = 64 # 8*8 pixels * 1 channel
noise_dim = 16 # Noise data points


def next_batch(n):
    img = np.zeros((n, 8, 8, 1))
    for k, (r, c) in enumerate(rs.randint(0, 5, (n, 2))):
        img[k, r:r + 4, c:c + 4] = 1.0
    return img.reshape(n, image_dim)


# Build Networks
# Network Inputs
noise_input = tf.placeholder(tf.float32, shape=[None, noise_dim])
real_image_input = tf.placeholder(tf.float32, shape=[None, 8, 8, 1])
# A boolean to indicate batch normalization if it is training or inference time
is_training = tf.placeholder(tf.bool)

#LeakyReLU activation
def leakyrelu(x, alpha=0.2):
    return 0.5 * (1 + alpha) * x + 0.5 * (1 - alpha) * abs(x)

# Generator Network
# Input: Noise, Output: Image
# Note that batch normalization has different behavior at training and inference time,
# we then use a placeholder to indicates the layer if we are training or not.
def generator(x, reuse=False):
    with tf.variable_scope('Generator', reuse=reuse):
        # TensorFlow Layers automatically create variables and calculate their
        # shape, based on the input.
        x = tf.layers.dense(x, units=2 * 2 * 16)
        x = tf.layers.batch_normalization(x, training=is_training)
        x = tf.nn.relu(x)
        # Reshape to a 4-D array of images: (batch, height, width, channels)
        # New shape: (batch, 2, 2, 16)
        x = tf.reshape(x, shape=[-1, 2, 2, 16])
        # Deconvolution, image shape: (batch, 4, 4, 8)
        x = tf.layers.conv2d_transpose(x, 8, 5, strides=2, padding='same')
        x = tf.layers.batch_normalization(x, training=is_training)
        x = tf.nn.relu(x)
        # Deconvolution, image shape: (batch, 8, 8, 1)
        x = tf.layers.conv2d_transpose(x, 1, 5, strides=2, padding='same')
        # Apply tanh for better stability - clip values to [-1, 1].
        x = tf.nn.tanh(x)
        return x


# Discriminator Network
# Input: Image, Output: Prediction Real/Fake Image
def discriminator(x, reuse=False):
    with tf.variable_scope('Discriminator', reuse=reuse):
        # Typical convolutional neural network to classify images.
        x = tf.layers.conv2d(x, 8, 5, strides=2, padding='same')
        x = tf.layers.batch_normalization(x, training=is_training)
        x = leakyrelu(x)
        x = tf.layers.conv2d(x, 16, 5, strides=2, padding='same')
        x = tf.layers.batch_normalization(x, training=is_training)
        x = leakyrelu(x)
        # Flatten
        x = tf.reshape(x, shape=[-1, 2*2*16])
        x = tf.layers.dense(x, 32)
        x = tf.layers.batch_normalization(x, training=is_training)
        x = leakyrelu(x)
        # Output 2 classes: Real and Fake images
        x = tf.layers.dense(x, 2)
    return x

# Build Generator Network
gen_sample = generator(noise_input)

# Build 2 Discriminator Networks (one from noise input, one from generated samples)
disc_real = discriminator(real_image_input)
disc_fake = discriminator(gen_sample, reuse=True)

# Build the stacked generator/discriminator
stacked_gan = discriminator(gen_sample, reuse=True)

# Build Loss (Labels for real images: 1, for fake images: 0)
# Discriminator Loss for real and fake samples
disc_loss_real = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
    logits=disc_real, labels=tf.ones([batch_size], dtype=tf.int32)))
disc_loss_fake = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
    logits=disc_fake, labels=tf.zeros([batch_size], dtype=tf.int32)))
# Sum both loss
disc_loss = disc_loss_real + disc_loss_fake
# Generator Loss (The generator tries to fool the discriminator, thus labels are 1)
gen_loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
    logits=stacked_gan, labels=tf.ones([batch_size], dtype=tf.int32)))

# Build Optimizers
optimizer_gen = tf.train.AdamOptimizer(learning_rate=lr_generator, beta1=0.5, beta2=0.999)
optimizer_disc = tf.train.AdamOptimizer(learning_rate=lr_discriminator, beta1=0.5, beta2=0.999)

# Training Variables for each optimizer
# By default in TensorFlow, all variables are updated by each optimizer, so we
# need to precise for each one of them the specific variables to update.
# Generator Network Variables
gen_vars = tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES, scope='Generator')
# Discriminator Network Variables
disc_vars = tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES, scope='Discriminator')

# Create training operations
# TensorFlow UPDATE_OPS collection holds all batch norm operation to update the moving mean/stddev
gen_update_ops = tf.get_collection(tf.GraphKeys.UPDATE_OPS, scope='Generator')
# `control_dependencies` ensure that the `gen_update_ops` will be run before the `minimize` op (backprop)
with tf.control_dependencies(gen_update_ops):
    train_gen = optimizer_gen.minimize(gen_loss, var_list=gen_vars)
disc_update_ops = tf.get_collection(tf.GraphKeys.UPDATE_OPS, scope='Discriminator')
with tf.control_dependencies(disc_update_ops):
    train_disc = optimizer_disc.minimize(disc_loss, var_list=disc_vars)

print("shapes:", gen_sample.shape, disc_real.shape)
print("update ops:", len(gen_update_ops), len(disc_update_ops))
moving = [v for v in tf.global_variables() if 'moving_' in v.name]
print("moving stats:", len(moving), moving[0].name)

# Initialize the variables (i.e. assign their default value)
init = tf.global_variables_initializer()

# Start Training
# Start a new TF session
sess = tf.Session()

# Run the initializer
sess.run(init)
moving0 = sess.run(moving)

# Training
for i in range(1, num_steps+1):

    # Prepare Input Data
    # Get the next batch of MNIST data (only images are needed, not labels)
    batch_x = next_batch(batch_size)
    batch_x = np.reshape(batch_x, [-1, 8, 8, 1])
    # Rescale to [-1, 1], the input range of the discriminator
    batch_x = batch_x * 2. - 1.

    # Discriminator Training
    # Generate noise to feed to the generator
    z = rs.uniform(-1., 1., size=[batch_size, noise_dim])
    _, dl = sess.run([train_disc, disc_loss], feed_dict={real_image_input: batch_x,
                     noise_input: z, is_training:True})

    # Generator Training
    # Generate noise to feed to the generator
    z = rs.uniform(-1., 1., size=[batch_size, noise_dim])
    _, gl = sess.run([train_gen, gen_loss], feed_dict={noise_input: z, is_training:True})

    if i % 20 == 0 or i == 1:
        print('Step %i: Generator Loss: %f, Discriminator Loss: %f' % (i, gl, dl))

moving1 = sess.run(moving)
print("moving stats changed: %d/%d" % (sum(not np.allclose(a, b) for a, b in
                                           zip(moving0, moving1)), len(moving)))
# Testing: generate images from noise, using the generator network (inference mode).
z = rs.uniform(-1., 1., size=[4, noise_dim])
g = sess.run(gen_sample, feed_dict={noise_input: z, is_training:False})
g2 = sess.run(gen_sample, feed_dict={noise_input: z, is_training:False})
print("generated:", g.shape, "range [%.3f, %.3f]" % (g.min(), g.max()))
print("inference repeatable:", np.allclose(g, g2, atol=1e-6))
test_z = z
