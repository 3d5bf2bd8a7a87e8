"""TF1 streaming metrics as the tf.metrics docs and countless evaluation loops use them:
``tf.metrics.accuracy/auc/precision/recall/mean`` return ``(value, update_op)``; their counters
are local variables (``tf.local_variables_initializer``); updated batch by batch, read once at
the end; reset by re-running the local initializer on the metric's variables."""
import numpy as np
import dlcore_static as tf

rs = np.random.RandomState(7)
n = 120
scores_np = rs.rand(n).astype(np.float32)
labels_np = (scores_np + 0.35 * rs.randn(n) > 0.5).astype(np.int64)

labels = tf.placeholder(tf.int64, [None])
scores = tf.placeholder(tf.float32, [None])
predictions = tf.cast(scores > 0.5, tf.int64)

acc, acc_op = tf.metrics.accuracy(labels=labels, predictions=predictions)
auc, auc_op = tf.metrics.auc(labels=labels, predictions=scores, num_thresholds=200)
pr_auc, pr_auc_op = tf.metrics.auc(labels=labels, predictions=scores, curve='PR',
                                   name="pr_auc")
prec, prec_op = tf.metrics.precision(labels=labels, predictions=predictions)
rec, rec_op = tf.metrics.recall(labels=labels, predictions=predictions)
mean_score, mean_op = tf.metrics.mean(scores)

print("local variables:", [v.name for v in tf.local_variables()])
sess = tf.Session()
sess.run(tf.global_variables_initializer())
sess.run(tf.local_variables_initializer())
for i in range(0, n, 40):
    feed = {labels: labels_np[i:i + 40], scores: scores_np[i:i + 40]}
    sess.run([acc_op, auc_op, pr_auc_op, prec_op, rec_op, mean_op], feed)
    print("after batch", i // 40, "accuracy: %.4f" % sess.run(acc))
final = sess.run({"accuracy": acc, "auc": auc, "pr_auc": pr_auc, "precision": prec,
                  "recall": rec, "mean": mean_score})
for k in sorted(final):
    print("%-9s %.6f" % (k, final[k]))

# reset only the accuracy's counters
running_vars = tf.get_collection(tf.GraphKeys.LOCAL_VARIABLES, scope="accuracy")
reset_acc = tf.variables_initializer(var_list=running_vars)
sess.run(reset_acc)
sess.run(acc_op, {labels: labels_np[:10], scores: scores_np[:10]})
acc_after_reset = sess.run(acc)
auc_kept = sess.run(auc)
print("accuracy after reset: %.4f" % acc_after_reset, "auc kept: %.6f" % auc_kept)
