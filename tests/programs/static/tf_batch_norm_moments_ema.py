"""R2RT's "Implementing Batch Normalization in Tensorflow" (2016): batch normalization by hand
with ``tf.nn.moments`` and ``tf.nn.batch_normalization``; population statistics kept with
``tf.assign`` under ``tf.control_dependencies``; a training graph and a testing graph built by
the same function (``is_training``), the test graph restoring the trained variables with a
``tf.train.Saver``.  Data: generated 2-class points instead of MNIST."""
import os
import tempfile

import numpy as np
import dlcore_static as tf

epsilon = 1e-3
rs = np.random.RandomState(0)
X_all = rs.randn(400, 8).astype(np.float32) * 3.0 + 2.0
y_idx = (X_all[:, 0] - X_all[:, 1] + 0.5 * X_all[:, 2] > 2.0).astype(np.int64)
Y_all = np.eye(2, dtype=np.float32)[y_idx]


def batch_norm_wrapper(inputs, is_training, decay=0.999):
    scale = tf.Variable(tf.ones([inputs.get_shape()[-1]]))
    beta = tf.Variable(tf.zeros([inputs.get_shape()[-1]]))
    pop_mean = tf.Variable(tf.zeros([inputs.get_shape()[-1]]), trainable=False)
    pop_var = tf.Variable(tf.ones([inputs.get_shape()[-1]]), trainable=False)

    if is_training:
        batch_mean, batch_var = tf.nn.moments(inputs, [0])
        train_mean = tf.assign(pop_mean, pop_mean * decay + batch_mean * (1 - decay))
        train_var = tf.assign(pop_var, pop_var * decay + batch_var * (1 - decay))
        with tf.control_dependencies([train_mean, train_var]):
            return tf.nn.batch_normalization(inputs, batch_mean, batch_var, beta, scale,
                                             epsilon)
    else:
        return tf.nn.batch_normalization(inputs, pop_mean, pop_var, beta, scale, epsilon)


def build_graph(is_training):
    x = tf.placeholder(tf.float32, shape=[None, 8])
    y_ = tf.placeholder(tf.float32, shape=[None, 2])

    w1 = tf.Variable(tf.truncated_normal([8, 16], stddev=0.1, seed=1))
    z1 = tf.matmul(x, w1)
    bn1 = batch_norm_wrapper(z1, is_training, decay=0.9)
    l1 = tf.nn.sigmoid(bn1)

    w2 = tf.Variable(tf.truncated_normal([16, 2], stddev=0.1, seed=2))
    b2 = tf.Variable(tf.zeros([2]))
    y = tf.nn.softmax(tf.matmul(l1, w2) + b2)

    cross_entropy = -tf.reduce_sum(y_ * tf.log(y))
    train_step = tf.train.GradientDescentOptimizer(0.01).minimize(cross_entropy)
    correct_prediction = tf.equal(tf.argmax(y, 1), tf.argmax(y_, 1))
    accuracy = tf.reduce_mean(tf.cast(correct_prediction, tf.float32))
    return (x, y_), train_step, accuracy, y, tf.train.Saver()


ckpt_dir = tempfile.mkdtemp()
ckpt = os.path.join(ckpt_dir, "temp-bn-save")

tf.reset_default_graph()
(x, y_), train_step, accuracy, _, saver = build_graph(is_training=True)
acc = []
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for i in range(200):
        j = (i * 40) % 400
        train_step.run(feed_dict={x: X_all[j:j + 40], y_: Y_all[j:j + 40]})
        if i % 50 == 0:
            res = sess.run([accuracy], feed_dict={x: X_all, y_: Y_all})
            acc.append(res[0])
            print("step", i, "accuracy", res[0])
    saved_path = saver.save(sess, ckpt)
    trained = {v.op.name: sess.run(v) for v in tf.global_variables()}
print("variables:", sorted(trained))

tf.reset_default_graph()
(x, y_), _, accuracy, y, saver = build_graph(is_training=False)
predictions = []
correct = 0
with tf.Session() as sess:
    saver.restore(sess, saved_path)
    for i in range(100):
        pred, corr = sess.run([tf.argmax(y, 1), accuracy],
                              feed_dict={x: [X_all[i]], y_: [Y_all[i]]})
        correct += corr
        predictions.append(pred[0])
print("PREDICTIONS:", predictions[:20])
print("ACCURACY:", correct / 100)
