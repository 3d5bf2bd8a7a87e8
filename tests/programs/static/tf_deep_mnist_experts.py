"""Deep MNIST for Experts (TensorFlow 1's tutorial, mnist_deep.py with the tutorial's
tf.InteractiveSession, Tensor.eval and Operation.run), as written, at a tiny scale: synthetic
8x8 "digits", 4 and 8 filters, a 32-unit fully connected layer, 60 steps of batch 20 with Adam.
Two conv + max_pool_2x2 layers (SAME padding) take 8x8 to 2x2; dropout with a fed keep_prob."""
import numpy as np
import dlcore_static as tf

rs = np.random.RandomState(2)
protos = rs.rand(10, 64)


def batch(n):
  y = rs.randint(0, 10, n)
  return (np.clip(protos[y] + 0.3 * rs.randn(n, 64), 0, 1).astype(np.float32),
          np.eye(10, dtype=np.float32)[y])


test_images, test_labels = batch(100)
tf.set_random_seed(2)

sess = tf.InteractiveSession()

x = tf.placeholder(tf.float32, shape=[None, 64])
y_ = tf.placeholder(tf.float32, shape=[None, 10])


def weight_variable(shape):
  initial = tf.truncated_normal(shape, stddev=0.1)
  return tf.Variable(initial)


def bias_variable(shape):
  initial = tf.constant(0.1, shape=shape)
  return tf.Variable(initial)


def conv2d(x, W):
  return tf.nn.conv2d(x, W, strides=[1, 1, 1, 1], padding='SAME')


def max_pool_2x2(x):
  return tf.nn.max_pool(x, ksize=[1, 2, 2, 1],
                        strides=[1, 2, 2, 1], padding='SAME')


W_conv1 = weight_variable([5, 5, 1, 4])
b_conv1 = bias_variable([4])

x_image = tf.reshape(x, [-1, 8, 8, 1])

h_conv1 = tf.nn.relu(conv2d(x_image, W_conv1) + b_conv1)
h_pool1 = max_pool_2x2(h_conv1)

W_conv2 = weight_variable([5, 5, 4, 8])
b_conv2 = bias_variable([8])

h_conv2 = tf.nn.relu(conv2d(h_pool1, W_conv2) + b_conv2)
h_pool2 = max_pool_2x2(h_conv2)

W_fc1 = weight_variable([2 * 2 * 8, 32])
b_fc1 = bias_variable([32])

h_pool2_flat = tf.reshape(h_pool2, [-1, 2*2*8])
h_fc1 = tf.nn.relu(tf.matmul(h_pool2_flat, W_fc1) + b_fc1)

keep_prob = tf.placeholder(tf.float32)
h_fc1_drop = tf.nn.dropout(h_fc1, keep_prob)

W_fc2 = weight_variable([32, 10])
b_fc2 = bias_variable([10])

y_conv = tf.matmul(h_fc1_drop, W_fc2) + b_fc2

cross_entropy = tf.reduce_mean(
    tf.nn.softmax_cross_entropy_with_logits(labels=y_, logits=y_conv))
train_step = tf.train.AdamOptimizer(1e-2).minimize(cross_entropy)
correct_prediction = tf.equal(tf.argmax(y_conv, 1), tf.argmax(y_, 1))
accuracy = tf.reduce_mean(tf.cast(correct_prediction, tf.float32))
sess.run(tf.global_variables_initializer())
for i in range(60):
  b = batch(20)
  if i % 20 == 0:
    train_accuracy = accuracy.eval(feed_dict={
        x: b[0], y_: b[1], keep_prob: 1.0})
    print("step %d, training accuracy %g" % (i, train_accuracy))
  train_step.run(feed_dict={x: b[0], y_: b[1], keep_prob: 0.5})

print("test accuracy %g" % accuracy.eval(feed_dict={
    x: test_images, y_: test_labels, keep_prob: 1.0}))
