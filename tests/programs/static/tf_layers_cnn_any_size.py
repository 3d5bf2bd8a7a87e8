"""A tf.layers CNN on images of any size (TF1 tutorial style): a placeholder of shape
[None, None, None, 1], SAME convolutions and max pooling, global average pooling by
tf.reduce_mean over the spatial axes, trained with MomentumOptimizer on a learning rate from
tf.train.exponential_decay driven by the global step.  Task: is the bright square in the top
half or the bottom half; batches of 8x8 and 12x12 images alternate."""

import numpy as np

import dlcore_static as tf

tf.set_random_seed(0)
rs = np.random.RandomState(0)


def make_batch(n, size):
    x = rs.rand(n, size, size, 1).astype(np.float32) * 0.1
    y = rs.randint(0, 2, size=n)
    for i in range(n):
        r = rs.randint(0, size // 2 - 1) + (size // 2 if y[i] else 0)
        c = rs.randint(0, size - 2)
        x[i, r:r + 2, c:c + 2, 0] = 1.0
    return x, y.astype(np.int64)


X = tf.placeholder(tf.float32, shape=[None, None, None, 1], name="X")
y = tf.placeholder(tf.int64, shape=[None], name="y")

conv1 = tf.layers.conv2d(X, filters=8, kernel_size=3, padding="same", activation=tf.nn.relu)
pool1 = tf.layers.max_pooling2d(conv1, pool_size=2, strides=2, padding="same")
conv2 = tf.layers.conv2d(pool1, filters=8, kernel_size=3, padding="same", activation=tf.nn.relu)
gap = tf.reduce_mean(conv2, axis=[1, 2])
logits = tf.layers.dense(gap, 2, name="logits")
print("conv1", conv1.shape.as_list(), "pool1", pool1.shape.as_list(), "gap", gap.shape.as_list())

xentropy = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)
loss = tf.reduce_mean(xentropy)
correct = tf.nn.in_top_k(logits, y, 1)
accuracy = tf.reduce_mean(tf.cast(correct, tf.float32))

global_step = tf.Variable(0, trainable=False, name="global_step")
initial_learning_rate = 0.1
decay_steps = 10
decay_rate = 0.5
learning_rate = tf.train.exponential_decay(initial_learning_rate, global_step,
                                           decay_steps, decay_rate)
optimizer = tf.train.MomentumOptimizer(learning_rate, momentum=0.9)
training_op = optimizer.minimize(loss, global_step=global_step)

init = tf.global_variables_initializer()
x_test8, y_test8 = make_batch(64, 8)
x_test12, y_test12 = make_batch(64, 12)
lrs = []
with tf.Session() as sess:
    init.run()
    for step in range(40):
        xb, yb = make_batch(16, 8 if step % 2 == 0 else 12)
        _, lr = sess.run([training_op, learning_rate], feed_dict={X: xb, y: yb})
        lrs.append(lr)
        if step % 10 == 0:
            print("step", step, "loss", loss.eval(feed_dict={X: xb, y: yb}), "lr", lr)
    print("global step", global_step.eval())
    acc8 = accuracy.eval(feed_dict={X: x_test8, y: y_test8})
    acc12 = accuracy.eval(feed_dict={X: x_test12, y: y_test12})
    print("test accuracy 8x8:", acc8, "12x12:", acc12)
    print("pool1 shape for 12x12:", sess.run(tf.shape(pool1), feed_dict={X: x_test12[:2]}))
