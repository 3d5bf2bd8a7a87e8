"""A TF1 multi-task model trained on tf.losses (the TF 1.x guides' style): a shared hidden layer,
a regression head with tf.losses.huber_loss weighted per example by a (N, 1) column, a
multi-label head with tf.losses.sigmoid_cross_entropy(label_smoothing=0.1), a class head with
tf.losses.sparse_softmax_cross_entropy of (N, 1) label ids with per-example weights, a ranking
term tf.losses.mean_pairwise_squared_error, a MEAN-reduced compute_weighted_loss with a scalar
weight, an L2 kernel regularizer, and tf.losses.get_total_loss() minimized.  Each loss and the
total are printed before and after training."""
from __future__ import print_function

import numpy as np
import dlcore_static as tf

rs = np.random.RandomState(11)
n, d = 64, 6
x_all = rs.randn(n, d).astype(np.float32)
reg_y = (x_all[:, :1] * 2.0 - x_all[:, 1:2] + 0.1 * rs.randn(n, 1)).astype(np.float32)
reg_w = (rs.rand(n, 1) > 0.25).astype(np.float32) * 2.0        # some examples weigh nothing
tags = (x_all[:, 2:5] + 0.3 * rs.randn(n, 3) > 0).astype(np.float32)
cls = np.argmax(x_all[:, 3:6], 1).reshape(-1, 1).astype(np.int32)
cls_w = np.where(cls == 0, 2.0, 1.0).astype(np.float32)        # (N, 1)
rank_y = x_all[:, :4].copy()

x = tf.placeholder(tf.float32, [None, d])
t_reg = tf.placeholder(tf.float32, [None, 1])
w_reg = tf.placeholder(tf.float32, [None, 1])
t_tags = tf.placeholder(tf.float32, [None, 3])
t_cls = tf.placeholder(tf.int32, [None, 1])
w_cls = tf.placeholder(tf.float32, [None, 1])
t_rank = tf.placeholder(tf.float32, [None, 4])

hidden = tf.layers.dense(x, 16, tf.nn.relu, name="shared",
                         kernel_regularizer=tf.contrib.layers.l2_regularizer(1e-3))
reg_out = tf.layers.dense(hidden, 1, name="reg")
tag_logits = tf.layers.dense(hidden, 3, name="tags")
cls_logits = tf.layers.dense(hidden, 3, name="cls")
rank_out = tf.layers.dense(hidden, 4, name="rank")

l_reg = tf.losses.huber_loss(t_reg, reg_out, weights=w_reg, delta=0.5)
l_tags = tf.losses.sigmoid_cross_entropy(t_tags, tag_logits, label_smoothing=0.1)
l_cls = tf.losses.sparse_softmax_cross_entropy(t_cls, cls_logits, weights=w_cls)
l_rank = tf.losses.mean_pairwise_squared_error(t_rank, rank_out, weights=0.5)
l_mean = tf.losses.compute_weighted_loss(tf.abs(reg_out - t_reg), weights=4.0,
                                         reduction=tf.losses.Reduction.MEAN)
total = tf.losses.get_total_loss()
print("losses in collection", len(tf.losses.get_losses()))
print("regularization losses", len(tf.losses.get_regularization_losses()))
train = tf.train.AdamOptimizer(0.02).minimize(total)

feed = {x: x_all, t_reg: reg_y, w_reg: reg_w, t_tags: tags, t_cls: cls, w_cls: cls_w,
        t_rank: rank_y}
fetch = [l_reg, l_tags, l_cls, l_rank, l_mean, total]
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    before = sess.run(fetch, feed)
    print("before reg %.5f tags %.5f cls %.5f rank %.5f mean %.5f total %.5f" % tuple(before))
    for _ in range(150):
        sess.run(train, feed)
    after = sess.run(fetch, feed)
    print("after reg %.5f tags %.5f cls %.5f rank %.5f mean %.5f total %.5f" % tuple(after))
    outs = sess.run([reg_out, tag_logits, cls_logits, rank_out], feed)
    reg_l2 = sess.run(tf.losses.get_regularization_loss())
