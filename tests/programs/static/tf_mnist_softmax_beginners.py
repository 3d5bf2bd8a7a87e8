"""A very simple MNIST classifier (TensorFlow 1's "MNIST For ML Beginners" tutorial,
tensorflow/examples/tutorials/mnist/mnist_softmax.py), as written, at a tiny scale: synthetic
8x8 "digits" in a small DataSet with next_batch instead of input_data.read_data_sets, 64 inputs,
300 steps of batch 50.  The model is y = softmax(xW + b) trained with plain gradient descent on
tf.nn.softmax_cross_entropy_with_logits_v2, run in a tf.InteractiveSession."""
from __future__ import absolute_import
from __future__ import division
from __future__ import print_function

import argparse
import sys

import numpy as np
import dlcore_static as tf

FLAGS = None


class DataSet(object):
  def __init__(self, images, labels):
    self.images, self.labels, self._i = images, labels, 0

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
  d.train, d.test = make(1000), make(200)
  return d


def main(_):
  # Import data
  mnist = read_data_sets(FLAGS.data_dir, one_hot=True)

  # Create the model
  x = tf.placeholder(tf.float32, [None, 64])
  W = tf.Variable(tf.zeros([64, 10]))
  b = tf.Variable(tf.zeros([10]))
  y = tf.matmul(x, W) + b

  # Define loss and optimizer
  y_ = tf.placeholder(tf.float32, [None, 10])

  # The raw formulation of cross-entropy,
  #
  #   tf.reduce_mean(-tf.reduce_sum(y_ * tf.log(tf.nn.softmax(y)),
  #                                 reduction_indices=[1]))
  #
  # can be numerically unstable.
  #
  # So here we use tf.nn.softmax_cross_entropy_with_logits on the raw
  # outputs of 'y', and then average across the batch.
  cross_entropy = tf.reduce_mean(
      tf.nn.softmax_cross_entropy_with_logits_v2(labels=y_, logits=y))
  train_step = tf.train.GradientDescentOptimizer(0.5).minimize(cross_entropy)

  sess = tf.InteractiveSession()
  tf.global_variables_initializer().run()
  # Train
  for _ in range(300):
    batch_xs, batch_ys = mnist.train.next_batch(50)
    sess.run(train_step, feed_dict={x: batch_xs, y_: batch_ys})

  # Test trained model
  correct_prediction = tf.equal(tf.argmax(y, 1), tf.argmax(y_, 1))
  accuracy = tf.reduce_mean(tf.cast(correct_prediction, tf.float32))
  print(sess.run(accuracy, feed_dict={x: mnist.test.images,
                                      y_: mnist.test.labels}))
  globals().update(sess=sess, W_value=W.eval(), b_value=b.eval(), mnist=mnist)

if __name__ == '__main__':
  parser = argparse.ArgumentParser()
  parser.add_argument('--data_dir', type=str, default='/tmp/tensorflow/mnist/input_data',
                      help='Directory for storing input data')
  FLAGS, unparsed = parser.parse_known_args()
  tf.app.run(main=main, argv=[sys.argv[0]] + unparsed)
