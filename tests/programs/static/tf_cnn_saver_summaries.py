""" Save and Restore a model (aymericdamien/TensorFlow-Examples save_restore_model.py) on the
raw-ops convolutional network of convolutional_network_raw.py, with the summaries of
tensorboard_basic.py; tiny sizes and synthetic 8x8 "digits" instead of MNIST.  tf.nn.conv2d +
tf.nn.bias_add + tf.nn.max_pool, tf.nn.dropout(keep_prob), AdamOptimizer, tf.summary.scalar /
merge_all written by tf.summary.FileWriter, tf.train.Saver().save in a first session and
saver.restore in a second one that resumes training.  Usage: tf_cnn_saver_summaries.py DIR"""
from __future__ import division, print_function, absolute_import

import os
import sys

import numpy as np
import dlcore_static as tf

logs_path = sys.argv[1] if len(sys.argv) > 1 else "/tmp/tensorflow_logs/example/"
model_path = os.path.join(logs_path, "model.ckpt")
tf.set_random_seed(2)
rs = np.random.RandomState(2)


def next_batch(n):
    y = rs.randint(0, 4, n)
    x = 0.2 * rs.rand(n, 64)
    img = x.reshape(n, 8, 8)
    for k, c in enumerate(y):
        (img[k, 2 + 4 * (c // 2), :] if c % 2 == 0 else img[k, :, 2 + 4 * (c // 2)]).__iadd__(1)
    return x, np.eye(4)[y]


# Training Parameters
learning_rate = 0.01
num_steps = 60
batch_size = 32
display_step = 20

# Network Parameters
num_input = 64 # data input (img shape: 8*8)
num_classes = 4 # total classes
dropout = 0.75 # Dropout, probability to keep units

# tf Graph input
X = tf.placeholder(tf.float32, [None, num_input], name='InputData')
Y = tf.placeholder(tf.float32, [None, num_classes], name='LabelData')
keep_prob = tf.placeholder(tf.float32) # dropout (keep probability)


# Create some wrappers for simplicity
def conv2d(x, W, b, strides=1):
    # Conv2D wrapper, with bias and relu activation
    x = tf.nn.conv2d(x, W, strides=[1, strides, strides, 1], padding='SAME')
    x = tf.nn.bias_add(x, b)
    return tf.nn.relu(x)


def maxpool2d(x, k=2):
    # MaxPool2D wrapper
    return tf.nn.max_pool(x, ksize=[1, k, k, 1], strides=[1, k, k, 1],
                          padding='SAME')


# Create model
def conv_net(x, weights, biases, dropout):
    # MNIST data input is a 1-D vector of 784 features (28*28 pixels)
    # Reshape to match picture format [Height x Width x Channel]
    # Tensor input become 4-D: [Batch Size, Height, Width, Channel]
    x = tf.reshape(x, shape=[-1, 8, 8, 1])

    # Convolution Layer
    conv1 = conv2d(x, weights['wc1'], biases['bc1'])
    # Max Pooling (down-sampling)
    conv1 = maxpool2d(conv1, k=2)

    # Convolution Layer
    conv2 = conv2d(conv1, weights['wc2'], biases['bc2'])
    # Max Pooling (down-sampling)
    conv2 = maxpool2d(conv2, k=2)

    # Fully connected layer
    # Reshape conv2 output to fit fully connected layer input
    fc1 = tf.reshape(conv2, [-1, weights['wd1'].get_shape().as_list()[0]])
    fc1 = tf.add(tf.matmul(fc1, weights['wd1']), biases['bd1'])
    fc1 = tf.nn.relu(fc1)
    # Apply Dropout
    fc1 = tf.nn.dropout(fc1, dropout)

    # Output, class prediction
    out = tf.add(tf.matmul(fc1, weights['out']), biases['out'])
    return out

# Store layers weight & bias
weights = {
    # 3x3 conv, 1 input, 4 outputs
    'wc1': tf.Variable(tf.random_normal([3, 3, 1, 4], stddev=0.3)),
    # 3x3 conv, 4 inputs, 8 outputs
    'wc2': tf.Variable(tf.random_normal([3, 3, 4, 8], stddev=0.3)),
    # fully connected, 2*2*8 inputs, 16 outputs
    'wd1': tf.Variable(tf.random_normal([2*2*8, 16], stddev=0.3)),
    # 16 inputs, 4 outputs (class prediction)
    'out': tf.Variable(tf.random_normal([16, num_classes], stddev=0.3))
}

biases = {
    'bc1': tf.Variable(tf.random_normal([4], stddev=0.1)),
    'bc2': tf.Variable(tf.random_normal([8], stddev=0.1)),
    'bd1': tf.Variable(tf.random_normal([16], stddev=0.1)),
    'out': tf.Variable(tf.random_normal([num_classes], stddev=0.1))
}

# Construct model
with tf.name_scope('Model'):
    logits = conv_net(X, weights, biases, keep_prob)
    prediction = tf.nn.softmax(logits)

# Define loss and optimizer
with tf.name_scope('Loss'):
    loss_op = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(
        logits=logits, labels=Y))
with tf.name_scope('Adam'):
    optimizer = tf.train.AdamOptimizer(learning_rate=learning_rate)
    train_op = optimizer.minimize(loss_op)

# Evaluate model
with tf.name_scope('Accuracy'):
    correct_pred = tf.equal(tf.argmax(prediction, 1), tf.argmax(Y, 1))
    accuracy = tf.reduce_mean(tf.cast(correct_pred, tf.float32))

# Initialize the variables (i.e. assign their default value)
init = tf.global_variables_initializer()

# Create a summary to monitor cost tensor
tf.summary.scalar("loss", loss_op)
# Create a summary to monitor accuracy tensor
tf.summary.scalar("accuracy", accuracy)
# Merge all summaries into a single op
merged_summary_op = tf.summary.merge_all()

# 'Saver' op to save and restore all the variables
saver = tf.train.Saver()

test_x, test_y = next_batch(128)

# Running first session
print("Starting 1st session...")
with tf.Session() as sess:

    # Run the initializer
    sess.run(init)
    # op to write logs to Tensorboard
    summary_writer = tf.summary.FileWriter(logs_path, graph=tf.get_default_graph())

    for step in range(1, num_steps+1):
        batch_x, batch_y = next_batch(batch_size)
        # Run optimization op (backprop)
        _, summary = sess.run([train_op, merged_summary_op],
                              feed_dict={X: batch_x, Y: batch_y, keep_prob: dropout})
        summary_writer.add_summary(summary, step)
        if step % display_step == 0 or step == 1:
            # Calculate batch loss and accuracy
            loss, acc = sess.run([loss_op, accuracy], feed_dict={X: batch_x,
                                                                 Y: batch_y,
                                                                 keep_prob: 1.0})
            print("Step " + str(step) + ", Minibatch Loss= " + \
                  "{:.4f}".format(loss) + ", Training Accuracy= " + \
                  "{:.3f}".format(acc))
    summary_writer.close()
    print("First Optimization Finished!")
    acc1 = sess.run(accuracy, feed_dict={X: test_x, Y: test_y, keep_prob: 1.0})
    print("Testing Accuracy:", acc1)
    probs1 = sess.run(prediction, feed_dict={X: test_x, keep_prob: 1.0})

    # Save model weights to disk
    save_path = saver.save(sess, model_path)
    print("Model saved in file: %s" % os.path.basename(save_path))

# Running a new session
print("Starting 2nd session...")
with tf.Session() as sess:
    # Initialize variables
    sess.run(init)

    # Restore model weights from previously saved model
    saver.restore(sess, model_path)
    print("Model restored from file: %s" % os.path.basename(save_path))
    probs2 = sess.run(prediction, feed_dict={X: test_x, keep_prob: 1.0})
    print("restored max diff %.3e" % np.abs(probs2 - probs1).max())

    # Resume training
    for step in range(1, 21):
        batch_x, batch_y = next_batch(batch_size)
        sess.run(train_op, feed_dict={X: batch_x, Y: batch_y, keep_prob: dropout})
    print("Second Optimization Finished!")
    print("Testing Accuracy:", sess.run(
        accuracy, feed_dict={X: test_x, Y: test_y, keep_prob: 1.0}))
    W, B = sess.run(weights), sess.run(biases)
