"""Variable sharing with tf.variable_scope(reuse=tf.AUTO_REUSE) (the CS20 course example): two
inputs go through the same two layers."""
import numpy as np
import dlcore_static as tf


def fully_connected(x, output_dim, scope):
    with tf.variable_scope(scope, reuse=tf.AUTO_REUSE):
        w = tf.get_variable("weights", [x.shape[1], output_dim],
                            initializer=tf.random_normal_initializer())
        b = tf.get_variable("biases", [output_dim], initializer=tf.constant_initializer(0.0))
        return tf.matmul(x, w) + b


def two_hidden_layers(x):
    h1 = fully_connected(x, 50, "h1")
    h2 = fully_connected(h1, 10, "h2")
    return h2


x1 = tf.truncated_normal([200, 100], name="x1")
x2 = tf.truncated_normal([200, 100], name="x2")
with tf.variable_scope("two_layers") as scope:
    logits1 = two_hidden_layers(x1)
    logits2 = two_hidden_layers(x2)

print([v.name for v in tf.global_variables()])
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    a1, a2, l1, l2, ws = sess.run([x1, x2, logits1, logits2, tf.global_variables()])
w1, b1, w2, b2 = ws
np.set_printoptions(precision=6)
print("max |logits1 - numpy|:", float(np.abs(l1 - ((a1 @ w1 + b1) @ w2 + b2)).max()))
print("max |logits2 - numpy|:", float(np.abs(l2 - ((a2 @ w1 + b1) @ w2 + b2)).max()))
