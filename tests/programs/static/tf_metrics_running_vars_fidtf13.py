"""The TF1 tutorials' streaming-evaluation pattern: a softmax classifier trained on CSV-like
data whose labels come as a (N, 1) column, evaluated per epoch with tf.metrics (accuracy of the
argmax against the label column, mean loss, AUC of class 1, mean IoU, RMSE of the probability),
the metrics' running variables found in the LOCAL_VARIABLES collection by the metric's scope
name and reset with tf.variables_initializer, metric values and update ops also put into
collections (metrics_collections / updates_collections) and run from there."""
from __future__ import print_function

import numpy as np
import dlcore_static as tf

rs = np.random.RandomState(7)
n, d, k = 120, 5, 3
x_all = rs.randn(n, d).astype(np.float32)
w_true = rs.randn(d, k).astype(np.float32)
y_all = np.argmax(x_all @ w_true + 0.8 * rs.randn(n, k), 1).reshape(-1, 1).astype(np.int64)

x = tf.placeholder(tf.float32, [None, d], name="x")
y = tf.placeholder(tf.int64, [None, 1], name="y")
logits = tf.layers.dense(x, k, name="logits")
loss = tf.losses.sparse_softmax_cross_entropy(labels=y, logits=logits)
train_op = tf.train.AdamOptimizer(0.05).minimize(loss)
probs = tf.nn.softmax(logits)
pred = tf.argmax(logits, 1)

with tf.name_scope("eval"):
    acc, acc_op = tf.metrics.accuracy(labels=y, predictions=pred, name="my_metric")
    mloss, mloss_op = tf.metrics.mean(loss, name="my_metric_loss")
    is1 = tf.cast(tf.equal(y, 1), tf.float32)
    auc, auc_op = tf.metrics.auc(labels=is1, predictions=probs[:, 1:2], num_thresholds=50)
    iou, iou_op = tf.metrics.mean_iou(labels=y, predictions=pred, num_classes=k)
    rmse, rmse_op = tf.metrics.root_mean_squared_error(labels=is1, predictions=probs[:, 1:2],
                                                       metrics_collections=["my_values"],
                                                       updates_collections=["my_updates"])

running_vars = tf.get_collection(tf.GraphKeys.LOCAL_VARIABLES, scope="eval/my_metric/")
print("running vars", sorted(v.op.name for v in running_vars))
reset_acc = tf.variables_initializer(var_list=running_vars)
print("local variables", len(tf.local_variables()))

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    sess.run(tf.local_variables_initializer())
    for epoch in range(3):
        for i in range(0, n, 40):
            sess.run(train_op, {x: x_all[i:i + 40], y: y_all[i:i + 40]})
        sess.run(reset_acc)
        for i in range(0, n, 30):
            sess.run(acc_op, {x: x_all[i:i + 30], y: y_all[i:i + 30]})
        print("epoch", epoch, "streamed accuracy", sess.run(acc))
    sess.run(tf.local_variables_initializer())
    for i in range(0, n, 30):
        fd = {x: x_all[i:i + 30], y: y_all[i:i + 30]}
        sess.run([acc_op, mloss_op, auc_op, iou_op] + tf.get_collection("my_updates"), fd)
    final = sess.run([acc, mloss, auc, iou] + tf.get_collection("my_values"))
    print("final accuracy", final[0], "mean loss", final[1])
    print("auc", final[2], "mean iou", final[3], "rmse", final[4])
    probs_all, pred_all, batch_losses = sess.run(
        [probs, pred, loss], {x: x_all, y: y_all})
    batch_losses = [sess.run(loss, {x: x_all[i:i + 30], y: y_all[i:i + 30]})
                    for i in range(0, n, 30)]
    sess.run(reset_acc)
    print("after reset accuracy", sess.run(acc), "mean loss still", sess.run(mloss))
