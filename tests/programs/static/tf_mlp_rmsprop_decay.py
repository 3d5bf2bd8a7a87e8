"""A multilayer perceptron trained with RMSProp and an exponentially decaying learning rate
(tf.train.exponential_decay on the global step), on a synthetic two-moons-like problem."""
import numpy as np
import dlcore_static as tf

tf.set_random_seed(7)
rs = np.random.RandomState(7)
n = 256
t = rs.uniform(0, np.pi, n)
upper = np.stack([np.cos(t), np.sin(t)], 1)
lower = np.stack([1 - np.cos(t), 0.5 - np.sin(t)], 1)
X_data = np.concatenate([upper, lower]).astype(np.float32) + rs.randn(2 * n, 2).astype(
    np.float32) * 0.1
Y_data = np.concatenate([np.zeros(n), np.ones(n)]).astype(np.int64)

n_hidden_1, n_hidden_2, n_classes = 32, 32, 2
x = tf.placeholder(tf.float32, [None, 2], name="x")
y = tf.placeholder(tf.int64, [None], name="y")

weights = {
    "h1": tf.Variable(tf.random_normal([2, n_hidden_1], stddev=0.5)),
    "h2": tf.Variable(tf.random_normal([n_hidden_1, n_hidden_2], stddev=0.2)),
    "out": tf.Variable(tf.random_normal([n_hidden_2, n_classes], stddev=0.2)),
}
biases = {
    "b1": tf.Variable(tf.zeros([n_hidden_1])),
    "b2": tf.Variable(tf.zeros([n_hidden_2])),
    "out": tf.Variable(tf.zeros([n_classes])),
}


def multilayer_perceptron(x):
    layer_1 = tf.nn.relu(tf.add(tf.matmul(x, weights["h1"]), biases["b1"]))
    layer_2 = tf.nn.relu(tf.add(tf.matmul(layer_1, weights["h2"]), biases["b2"]))
    return tf.matmul(layer_2, weights["out"]) + biases["out"]


logits = multilayer_perceptron(x)
loss_op = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y,
                                                                        logits=logits))
global_step = tf.train.get_or_create_global_step()
learning_rate = tf.train.exponential_decay(0.01, global_step, 50, 0.5, staircase=True)
train_op = tf.train.RMSPropOptimizer(learning_rate).minimize(loss_op, global_step=global_step)
accuracy = tf.reduce_mean(tf.cast(tf.nn.in_top_k(logits, y, 1), tf.float32))

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step in range(1, 201):
        idx = rs.randint(0, 2 * n, 64)
        sess.run(train_op, feed_dict={x: X_data[idx], y: Y_data[idx]})
        if step % 50 == 0:
            loss, acc, lr = sess.run([loss_op, accuracy, learning_rate],
                                     feed_dict={x: X_data, y: Y_data})
            print("Step " + str(step) + ", Loss= " + "{:.4f}".format(loss) +
                  ", Accuracy= " + "{:.3f}".format(acc) + ", lr= {:.6f}".format(lr))
    print("Optimization Finished!")
