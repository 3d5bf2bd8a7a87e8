"""ywpkwon/siamese_tf_mnist (inference.py + run.py, TensorFlow 1.x), imports renamed, at a tiny
scale: synthetic 8x8 "digits" of 4 classes instead of MNIST, 64-unit layers, 300 steps.  One
network built twice under ``tf.variable_scope("siamese") as scope`` with
``scope.reuse_variables()`` between the two towers, ``tf.get_variable`` with a Dimension taken
from ``bottom.get_shape()[1]`` and a constant-tensor initializer, the contrastive loss "with
spring" (tf.pow/tf.maximum/tf.sqrt), an InteractiveSession with ``tf.initialize_all_variables().run()``,
a Saver, and the test embedding written with ``ndarray.tofile``."""
import os
import sys

import numpy as np

import dlcore_static as tf


class siamese:

    # Create model
    def __init__(self):
        self.x1 = tf.placeholder(tf.float32, [None, 64])
        self.x2 = tf.placeholder(tf.float32, [None, 64])

        with tf.variable_scope("siamese") as scope:
            self.o1 = self.network(self.x1)
            scope.reuse_variables()
            self.o2 = self.network(self.x2)

        # Create loss
        self.y_ = tf.placeholder(tf.float32, [None])
        self.loss = self.loss_with_spring()

    def network(self, x):
        weights = []
        fc1 = self.fc_layer(x, 64, "fc1")
        ac1 = tf.nn.relu(fc1)
        fc2 = self.fc_layer(ac1, 64, "fc2")
        ac2 = tf.nn.relu(fc2)
        fc3 = self.fc_layer(ac2, 2, "fc3")
        return fc3

    def fc_layer(self, bottom, n_weight, name):
        assert len(bottom.get_shape()) == 2
        n_prev_weight = bottom.get_shape()[1]
        initer = tf.truncated_normal_initializer(stddev=0.1)
        W = tf.get_variable(name+'W', dtype=tf.float32, shape=[n_prev_weight, n_weight], initializer=initer)
        b = tf.get_variable(name+'b', dtype=tf.float32, initializer=tf.constant(0.01, shape=[n_weight], dtype=tf.float32))
        fc = tf.nn.bias_add(tf.matmul(bottom, W), b)
        return fc

    def loss_with_spring(self):
        margin = 5.0
        labels_t = self.y_
        labels_f = tf.subtract(1.0, self.y_, name="1-yi")          # labels_ = !labels;
        eucd2 = tf.pow(tf.subtract(self.o1, self.o2), 2)
        eucd2 = tf.reduce_sum(eucd2, 1)
        eucd = tf.sqrt(eucd2+1e-6, name="eucd")
        C = tf.constant(margin, name="C")
        # yi*||CNN(p1i)-CNN(p2i)||^2 + (1-yi)*max(0, C-||CNN(p1i)-CNN(p2i)||)^2
        pos = tf.multiply(labels_t, eucd2, name="yi_x_eucd2")
        neg = tf.multiply(labels_f, tf.pow(tf.maximum(tf.subtract(C, eucd), 0), 2), name="Nyi_x_C-eucd_xx_2")
        losses = tf.add(pos, neg, name="losses")
        loss = tf.reduce_mean(losses, name="loss")
        return loss


# synthetic "mnist": 4 prototype 8x8 images plus noise
rng = np.random.RandomState(0)
protos = (rng.rand(4, 64) > 0.6).astype(np.float32)


def make(n):
    labels = rng.randint(0, 4, n)
    images = np.clip(protos[labels] + 0.2 * rng.randn(n, 64), 0, 1).astype(np.float32)
    return images, labels


class _Set:
    def __init__(self, n):
        self.images, self.labels = make(n)

    def next_batch(self, n):
        i = rng.randint(0, len(self.images), n)
        return self.images[i], self.labels[i]


class mnist:
    train = _Set(512)
    test = _Set(64)


tf.set_random_seed(1)
workdir = sys.argv[1] if len(sys.argv) > 1 else "."

# setup siamese network
sess = tf.InteractiveSession()
siamese = siamese();
train_step = tf.train.GradientDescentOptimizer(0.01).minimize(siamese.loss)
saver = tf.train.Saver()
tf.initialize_all_variables().run()

print([v.name for v in tf.trainable_variables()])
first = None
for step in range(301):
    batch_x1, batch_y1 = mnist.train.next_batch(32)
    batch_x2, batch_y2 = mnist.train.next_batch(32)
    batch_y = (batch_y1 == batch_y2).astype('float')

    _, loss_v = sess.run([train_step, siamese.loss], feed_dict={
                        siamese.x1: batch_x1,
                        siamese.x2: batch_x2,
                        siamese.y_: batch_y})

    if np.isnan(loss_v):
        print('Model diverged with loss = NaN')
        quit()

    if step % 50 == 0:
        print ('step %d: loss %.3f' % (step, loss_v))

    if step % 300 == 0 and step > 0:
        saver.save(sess, os.path.join(workdir, 'model'))
        embed = siamese.o1.eval({siamese.x1: mnist.test.images})
        embed.tofile(os.path.join(workdir, 'embed.txt'))

values = {v.name: v.eval() for v in tf.trainable_variables()}
