"""Newton's method for logistic regression in TF1 with ``tf.hessians`` (the second-order
optimization examples written for TF 1.x: gradient and Hessian of the loss, a
``tf.matrix_solve`` for the step, ``tf.assign_sub``); ``tf.hessians`` of a quadratic form checked against its matrix."""
import numpy as np
import dlcore_static as tf

rs = np.random.RandomState(11)
n, d = 200, 3
X_data = np.hstack([rs.randn(n, d - 1), np.ones((n, 1))]).astype(np.float64)
true_w = np.array([[1.5], [-2.0], [0.5]])
y_data = (rs.rand(n, 1) < 1 / (1 + np.exp(-X_data @ true_w))).astype(np.float64)

X = tf.placeholder(tf.float64, [None, d], name="X")
y = tf.placeholder(tf.float64, [None, 1], name="y")
w = tf.Variable(tf.zeros([d, 1], dtype=tf.float64), name="w")
logits = tf.matmul(X, w)
loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=logits))

grad = tf.gradients(loss, w)[0]
hess = tf.hessians(loss, w)[0]
print("hessian shape:", hess.get_shape().as_list())
H = tf.reshape(hess, [d, d])
newton_step = tf.matrix_solve(H, grad)
newton_update = tf.assign_sub(w, newton_step)

feed = {X: X_data, y: y_data}
newton_losses = []
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for i in range(6):
        l = sess.run(loss, feed)
        newton_losses.append(l)
        print("newton iteration %d loss %.8f" % (i, l))
        sess.run(newton_update, feed)
    w_newton = sess.run(w)
    H_final = sess.run(H, feed)
    g_final = sess.run(grad, feed)
print("w:", w_newton.ravel())
print("gradient norm at the end: %.2e" % np.linalg.norm(g_final))

# a quadratic form: the Hessian of x^T A x is A + A^T
A = tf.constant([[2.0, 1.0], [0.0, 3.0]])
v = tf.Variable([1.0, -1.0])
quad = tf.reduce_sum(v * tf.squeeze(tf.matmul(A, tf.expand_dims(v, 1))))
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    quad_hessian = sess.run(tf.hessians(quad, v)[0])
print("quadratic form hessian:", quad_hessian.tolist())
