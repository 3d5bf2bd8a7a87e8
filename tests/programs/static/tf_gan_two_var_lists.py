"""A GAN on 1-D data, as the TF1 GAN tutorials wrote it: generator and discriminator built in
tf.variable_scope("G"/"D") (the discriminator reused for real and fake inputs), two
AdamOptimizers each with its own var_list from tf.get_collection(TRAINABLE_VARIABLES, scope),
summaries (tf.summary.scalar/histogram, merge_all) written by tf.summary.FileWriter, and a
tf.train.Saver checkpoint restored into a fresh graph.  Usage: tf_gan_two_var_lists.py LOGDIR"""
import os
import sys

import numpy as np
import dlcore_static as tf

logdir = sys.argv[1] if len(sys.argv) > 1 else "/tmp/gan_logs"
tf.set_random_seed(3)
rs = np.random.RandomState(3)
real_mean, real_std, batch = 4.0, 0.5, 64


def generator(z, hidden=8):
    with tf.variable_scope("G"):
        h = tf.layers.dense(z, hidden, activation=tf.nn.tanh, name="g0")
        return tf.layers.dense(h, 1, name="g1")


def discriminator(x, hidden=8, reuse=False):
    with tf.variable_scope("D", reuse=reuse):
        h = tf.layers.dense(x, hidden, activation=tf.nn.tanh, name="d0")
        return tf.layers.dense(h, 1, name="d1")


def build():
    z = tf.placeholder(tf.float32, [None, 1], name="z")
    x = tf.placeholder(tf.float32, [None, 1], name="x")
    g = generator(z)
    d_real = discriminator(x)
    d_fake = discriminator(g, reuse=True)
    d_loss = tf.reduce_mean(
        tf.nn.sigmoid_cross_entropy_with_logits(logits=d_real, labels=tf.ones_like(d_real))
        + tf.nn.sigmoid_cross_entropy_with_logits(logits=d_fake, labels=tf.zeros_like(d_fake)))
    g_loss = tf.reduce_mean(
        tf.nn.sigmoid_cross_entropy_with_logits(logits=d_fake, labels=tf.ones_like(d_fake)))
    return z, x, g, d_loss, g_loss


z, x, g, d_loss, g_loss = build()
d_vars = tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES, scope="D")
g_vars = tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES, scope="G")
print("D vars:", [v.name for v in d_vars])
print("G vars:", [v.name for v in g_vars])
d_train = tf.train.AdamOptimizer(0.01, beta1=0.5).minimize(d_loss, var_list=d_vars)
g_train = tf.train.AdamOptimizer(0.01, beta1=0.5).minimize(g_loss, var_list=g_vars)
tf.summary.scalar("d_loss", d_loss)
tf.summary.scalar("g_loss", g_loss)
tf.summary.histogram("generated", g)
merged = tf.summary.merge_all()
saver = tf.train.Saver()

with tf.Session() as sess:
    writer = tf.summary.FileWriter(logdir, sess.graph)
    sess.run(tf.global_variables_initializer())
    d0, g0 = sess.run([d_vars, g_vars])
    feed = {z: rs.uniform(-1, 1, (batch, 1)), x: rs.normal(real_mean, real_std, (batch, 1))}
    sess.run(d_train, feed)                       # one D step: G's variables do not move
    d1, g1 = sess.run([d_vars, g_vars])
    print("after a D step: D moved %d/%d, G moved %d/%d" % (
        sum(not np.array_equal(a, b) for a, b in zip(d0, d1)), len(d0),
        sum(not np.array_equal(a, b) for a, b in zip(g0, g1)), len(g0)))
    sess.run(g_train, feed)
    d2, g2 = sess.run([d_vars, g_vars])
    print("after a G step: D moved %d/%d, G moved %d/%d" % (
        sum(not np.array_equal(a, b) for a, b in zip(d1, d2)), len(d1),
        sum(not np.array_equal(a, b) for a, b in zip(g1, g2)), len(g1)))
    for step in range(1, 201):
        feed = {z: rs.uniform(-1, 1, (batch, 1)), x: rs.normal(real_mean, real_std, (batch, 1))}
        _, dl = sess.run([d_train, d_loss], feed)
        _, gl, summary = sess.run([g_train, g_loss, merged], feed)
        if step % 50 == 0:
            writer.add_summary(summary, step)
    writer.close()
    sample_z = np.linspace(-1, 1, 200).reshape(-1, 1)
    samples = sess.run(g, {z: sample_z})
    print("generated mean %.4f std %.4f" % (samples.mean(), samples.std()))
    path = saver.save(sess, os.path.join(logdir, "gan.ckpt"))

tf.reset_default_graph()
z, x, g, d_loss, g_loss = build()
with tf.Session() as sess:
    tf.train.Saver().restore(sess, path)
    print("restored max diff %.3e" % np.abs(sess.run(g, {z: sample_z}) - samples).max())
print("event files:", len([f for f in os.listdir(logdir) if "tfevents" in f]))
