"""TF1 ``tf.losses`` and variable regularizers as the TF 1.x guides use them: ``tf.get_variable``
with ``regularizer=tf.contrib.layers.l2_regularizer``, ``tf.layers.dense`` with a
``kernel_regularizer``, ``tf.losses.get_regularization_loss``, weighted losses with the
``reduction`` argument, label smoothing, and ``tf.losses.get_total_loss``."""
import numpy as np
import dlcore_static as tf

rs = np.random.RandomState(3)
X_np = rs.randn(32, 4).astype(np.float32)
Y_np = rs.randint(0, 3, size=32)
W_np = rs.rand(32).astype(np.float32)

x = tf.placeholder(tf.float32, [None, 4])
labels = tf.placeholder(tf.int32, [None])
weights = tf.placeholder(tf.float32, [None])

with tf.variable_scope("net"):
    w1 = tf.get_variable("w1", [4, 5], initializer=tf.truncated_normal_initializer(stddev=0.5),
                         regularizer=tf.contrib.layers.l2_regularizer(0.01))
    b1 = tf.get_variable("b1", [5], initializer=tf.constant_initializer(0.1))
    h = tf.nn.relu(tf.matmul(x, w1) + b1)
    logits = tf.layers.dense(h, 3, kernel_regularizer=tf.contrib.layers.l1_regularizer(0.001),
                             name="logits")

onehot = tf.one_hot(labels, 3)
l_sparse = tf.losses.sparse_softmax_cross_entropy(labels, logits, weights=weights)
l_smooth = tf.losses.softmax_cross_entropy(onehot, logits, label_smoothing=0.1)
l_sum = tf.losses.sparse_softmax_cross_entropy(
    labels, logits, weights=weights, reduction=tf.losses.Reduction.SUM)
l_mean = tf.losses.sparse_softmax_cross_entropy(
    labels, logits, weights=weights, reduction=tf.losses.Reduction.MEAN)
l_none = tf.losses.sparse_softmax_cross_entropy(
    labels, logits, weights=weights, reduction=tf.losses.Reduction.NONE, loss_collection=None)
probs = tf.nn.softmax(logits)
l_mse = tf.losses.mean_squared_error(onehot, probs, weights=tf.expand_dims(weights, 1))
l_huber = tf.losses.huber_loss(onehot, logits, delta=0.5)
l_abs = tf.losses.absolute_difference(onehot, probs,
                                      reduction=tf.losses.Reduction.SUM_BY_NONZERO_WEIGHTS)
l_log = tf.losses.log_loss(onehot, probs)
l_hinge = tf.losses.hinge_loss(onehot, logits)

reg_loss = tf.losses.get_regularization_loss()
total = tf.losses.get_total_loss()
reg_collection = tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)
loss_collection = tf.get_collection(tf.GraphKeys.LOSSES)
train = tf.train.GradientDescentOptimizer(0.1).minimize(total)

print("regularization losses:", len(reg_collection), [t.op.name for t in reg_collection])
print("losses collected:", len(loss_collection))

sess = tf.Session()
sess.run(tf.global_variables_initializer())
feed = {x: X_np, labels: Y_np, weights: W_np}
values = sess.run({"sparse": l_sparse, "smooth": l_smooth, "sum": l_sum, "mean": l_mean,
                   "none": l_none, "mse": l_mse, "huber": l_huber, "abs": l_abs,
                   "log": l_log, "hinge": l_hinge, "reg": reg_loss, "total": total,
                   "logits": logits, "probs": probs}, feed)
params = sess.run({"w1": w1, "b1": b1,
                   "k": tf.get_default_graph().get_tensor_by_name("net/logits/kernel:0")})
for k in ("sparse", "smooth", "sum", "mean", "mse", "huber", "abs", "log", "hinge", "reg",
          "total"):
    print("%-7s %.6f" % (k, values[k]))
totals = []
for i in range(40):
    t, _ = sess.run([total, train], feed)
    totals.append(t)
print("total after training: %.6f" % totals[-1])
